import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileAtomic, temporaryOwner, temporaryPathFor, writeFileAtomic } from './atomic-write.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warren-atomic-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o7777;

describe('writeFileAtomic', () => {
  it('creates a file with exactly the bytes given, mode 0600 by default', async () => {
    const path = join(dir, 'a.conf');
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x23, 0x0d, 0x0a, 0x00, 0xff]);
    await writeFileAtomic(path, bytes);
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(await mode(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['a.conf']);
  });

  it('replaces a file, taking the mode asked for whatever the old one had', async () => {
    const path = join(dir, 'a.conf');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeFileAtomic(path, 'new text\n');
    expect(await readFile(path, 'utf8')).toBe('new text\n');
    expect(await mode(path)).toBe(0o600);
    await writeFileAtomic(path, 'public', 0o640);
    expect(await mode(path)).toBe(0o640);
  });

  it('replaces a symlink at the target with the file, never writing through it', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await writeFile(elsewhere, 'not yours');
    const path = join(dir, 'a.conf');
    await symlink(elsewhere, path);
    await writeFileAtomic(path, 'mine');
    expect(await readFile(elsewhere, 'utf8')).toBe('not yours');
    expect((await lstat(path)).isFile()).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('mine');
  });

  it('on failure leaves the target as it was and no temporary file', async () => {
    // rename(2) cannot put a file over a non-empty directory.
    const path = join(dir, 'a.conf');
    await mkdir(path);
    await writeFile(join(path, 'inside'), 'kept');
    await expect(writeFileAtomic(path, 'new')).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/),
    });
    expect(await readFile(join(path, 'inside'), 'utf8')).toBe('kept');
    expect(await readdir(dir)).toEqual(['a.conf']);
  });

  it('fails in a directory that does not exist, creating nothing', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'a.conf'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('createFileAtomic', () => {
  it('creates a file with the bytes and mode', async () => {
    const path = join(dir, 'b.conf');
    await createFileAtomic(path, 'text');
    expect(await readFile(path, 'utf8')).toBe('text');
    expect(await mode(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['b.conf']);
  });

  it('refuses with EEXIST when anything is at the target, even a dangling symlink, and changes nothing', async () => {
    const file = join(dir, 'b.conf');
    await writeFile(file, 'theirs');
    await expect(createFileAtomic(file, 'mine')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(file, 'utf8')).toBe('theirs');

    const link = join(dir, 'c.conf');
    await symlink(join(dir, 'nowhere'), link);
    await expect(createFileAtomic(link, 'mine')).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['b.conf', 'c.conf']);
  });
});

describe('temporary file names', () => {
  it('are recognised with their owner pid, and never end in .conf', () => {
    const temporary = temporaryPathFor('/etc/warren/wg0.conf');
    const name = temporary.slice('/etc/warren/'.length);
    expect(temporary.startsWith('/etc/warren/.wg0.conf.')).toBe(true);
    expect(name.endsWith('.conf')).toBe(false);
    expect(temporaryOwner(name)).toBe(process.pid);
    expect(temporaryOwner('wg0.conf')).toBe(null);
    expect(temporaryOwner('.wg0.conf.warren-tmp-12-nothex')).toBe(null);
    expect(temporaryPathFor('/x/state.json')).not.toBe(temporaryPathFor('/x/state.json'));
  });
});
