// The resolv.conf method on files in a temporary directory (the rename path and every kind of original). The
// same code on the real /etc/resolv.conf, inside a network namespace, is in resolv-conf-netns.test.ts.
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderResolvConf, ResolvConfFileDnsConfigurator, restoreResolvConf } from './resolv-conf-file.js';

let dir: string;
let path: string;
let backupPath: string;
const settings = { servers: ['10.0.0.1', 'fd00::1'], search: ['example.com'] };
// Bytes a text round trip would not keep: no final newline, a CR, a non-UTF-8 byte.
const ORIGINAL = Buffer.from([...Buffer.from('# mine\r\nnameserver 192.0.2.53\noptions edns0 '), 0xff, 0x00, 0x41]);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warren-resolv-'));
  path = join(dir, 'resolv.conf');
  backupPath = join(dir, 'state', 'resolv.conf.backup.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const configurator = () => new ResolvConfFileDnsConfigurator({ path, backupPath });
const exists = (file: string) =>
  lstat(file).then(
    () => true,
    () => false,
  );

describe('the resolv.conf method', () => {
  it("says in its header whether it holds the tunnel's DNS or the network's for a sign-in", () => {
    expect(renderResolvConf('wt0', settings).split('\n')[0]).toBe(
      '# Written by Warren while the tunnel wt0 is up; the previous file comes back when it goes down.',
    );
    const signIn = renderResolvConf('wt0', { servers: ['fe80::1%wlan0'], search: [], forSignIn: true });
    expect(signIn).toMatch(
      /^# Written by Warren for signing in to this network: .*wt0's DNS comes back when it closes/,
    );
    expect(signIn.split('\n').slice(1)).toEqual(['nameserver fe80::1%wlan0', '']);
  });

  it('writes the tunnel servers and puts the original back byte for byte, mode included', async () => {
    await writeFile(path, ORIGINAL, { mode: 0o640 });
    const before = await stat(path);
    const undo = await configurator().apply('wt0', settings);
    expect(await readFile(path, 'utf8')).toBe(renderResolvConf('wt0', settings));
    expect(await readFile(path, 'utf8')).toContain('nameserver 10.0.0.1\nnameserver fd00::1\nsearch example.com\n');
    // Replaced by rename, not rewritten in place: a reader never sees half a file.
    expect((await stat(path)).ino).not.toBe(before.ino);
    expect((await stat(backupPath)).mode & 0o777).toBe(0o600);
    await undo();
    expect((await readFile(path)).equals(ORIGINAL)).toBe(true);
    expect((await stat(path)).mode & 0o7777).toBe(0o640);
    expect(await exists(backupPath)).toBe(false);
    // Nothing is left beside it.
    expect((await readdir(dir)).sort()).toEqual(['resolv.conf', 'state']);
  });

  it('puts back a symlink as the symlink, and an absent file as absent', async () => {
    await symlink('../run/somewhere/resolv.conf', path);
    await (
      await configurator().apply('wt0', settings)
    )();
    expect(await readlink(path)).toBe('../run/somewhere/resolv.conf');

    await rm(path);
    await (
      await configurator().apply('wt0', settings)
    )();
    expect(await exists(path)).toBe(false);
  });

  it('refuses a second tunnel while one holds the file, and leaves the first one intact', async () => {
    await writeFile(path, ORIGINAL);
    const undo = await configurator().apply('wt0', settings);
    await expect(configurator().apply('wt1', settings)).rejects.toThrow(/already holds the DNS of the tunnel wt0/);
    expect(await readFile(path, 'utf8')).toBe(renderResolvConf('wt0', settings));
    await undo();
    expect((await readFile(path)).equals(ORIGINAL)).toBe(true);
  });

  it('recovers after a crash from the backup left at its known path', async () => {
    await writeFile(path, ORIGINAL);
    await configurator().apply('wt0', settings); // and the helper dies before down
    expect(await exists(backupPath)).toBe(true);
    expect(await restoreResolvConf({ path, backupPath })).toBe(true);
    expect((await readFile(path)).equals(ORIGINAL)).toBe(true);
    expect(await exists(backupPath)).toBe(false);
    expect(await restoreResolvConf({ path, backupPath })).toBe(false); // nothing left to do
  });

  it('recovers from an in-place write cut short (a prefix of what was being written)', async () => {
    await writeFile(path, ORIGINAL);
    await configurator().apply('wt0', settings);
    await writeFile(path, renderResolvConf('wt0', settings).slice(0, 10));
    expect(await restoreResolvConf({ path, backupPath })).toBe(true);
    expect((await readFile(path)).equals(ORIGINAL)).toBe(true);
  });

  it('leaves a file someone else has written since alone, and drops the backup', async () => {
    await writeFile(path, ORIGINAL);
    const undo = await configurator().apply('wt0', settings);
    await writeFile(path, 'nameserver 198.51.100.1\n'); // a DHCP client, say
    await undo();
    expect(await readFile(path, 'utf8')).toBe('nameserver 198.51.100.1\n');
    expect(await exists(backupPath)).toBe(false);
  });

  it('will not guess from a backup it cannot read', async () => {
    await writeFile(path, 'nameserver 10.0.0.1\n');
    await mkdir(join(dir, 'state'));
    await writeFile(backupPath, '{"format":');
    await expect(restoreResolvConf({ path, backupPath })).rejects.toThrow(/is not readable JSON/);
    expect(await readFile(path, 'utf8')).toBe('nameserver 10.0.0.1\n');
    expect(await exists(backupPath)).toBe(true);
  });
});
