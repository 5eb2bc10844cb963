import { execFileSync } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ARCHIVE_BYTES } from '../shared/bridge/types.js';
import { MAX_CONFIG_BYTES } from '../shared/config/parse.js';
import { readImportFile, writeExportFile } from './user-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-user-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function sparse(name: string, bytes: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return path;
}

describe('readImportFile', () => {
  it("reads one byte over a config's bound of a .conf, and over an archive's of a .zip, however large the file", async () => {
    expect(await readImportFile(sparse('big.conf', 10 * 1024 ** 3))).toHaveLength(MAX_CONFIG_BYTES + 1);
    expect(await readImportFile(sparse('big.zip', 10 * 1024 ** 3))).toHaveLength(MAX_ARCHIVE_BYTES + 1);
    symlinkSync('/dev/zero', join(dir, 'zero.conf'));
    expect(await readImportFile(join(dir, 'zero.conf'))).toHaveLength(MAX_CONFIG_BYTES + 1);
  });

  it('refuses a FIFO instead of hanging', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe.conf')]);
    await expect(readImportFile(join(dir, 'pipe.conf'))).rejects.toThrow('is a FIFO (a pipe), not a regular file');
  });
});

describe('writeExportFile', () => {
  it('narrows an existing 0644 file to 0600 and replaces its content', async () => {
    const path = join(dir, 'warren-tunnels.zip');
    writeFileSync(path, 'old content, longer than the new one', { mode: 0o644 });
    expect(statSync(path).mode & 0o777).toBe(0o644);
    await writeExportFile(path, new TextEncoder().encode('new'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['warren-tunnels.zip']); // no temporary file left
  });

  it('creates a new file 0600, and replaces a symlink rather than writing through it', async () => {
    await writeExportFile(join(dir, 'new.conf'), new TextEncoder().encode('[Interface]\n'));
    expect(statSync(join(dir, 'new.conf')).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'elsewhere'), 'untouched', { mode: 0o644 });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'link.conf'));
    await writeExportFile(join(dir, 'link.conf'), new TextEncoder().encode('key'));
    expect(readFileSync(join(dir, 'elsewhere'), 'utf8')).toBe('untouched');
    expect(readFileSync(join(dir, 'link.conf'), 'utf8')).toBe('key');
    expect(statSync(join(dir, 'link.conf')).mode & 0o777).toBe(0o600);
  });
});
