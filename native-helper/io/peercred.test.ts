// The addon's peer credentials and account look-ups, against this process and the root account.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from './addon.js';
import { type UnixPair, unixPair } from './testing/unix-pair.js';

const addon = loadAddon();
let dir: string;
let pair: UnixPair;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warren-peercred-'));
  pair = await unixPair();
});
afterAll(async () => {
  await pair.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('peerCredentials', () => {
  it('names the process at the other end, from either end', async () => {
    const fd = (pair.accepted as unknown as { _handle: { fd: number } })._handle.fd;
    const expected = { pid: process.pid, uid: process.geteuid!(), gid: process.getegid!() };
    expect(addon.peerCredentials(fd)).toEqual(expected);
    expect(addon.peerCredentials((pair.client as unknown as { _handle: { fd: number } })._handle.fd)).toEqual(expected);
  });

  it('throws errno errors for what is no socket', () => {
    const fd = openSync(join(dir, 'file'), 'w');
    try {
      expect(() => addon.peerCredentials(fd)).toThrow(
        expect.objectContaining({ code: 'ENOTSOCK', syscall: 'getsockopt' }),
      );
    } finally {
      closeSync(fd);
    }
    expect(() => addon.peerCredentials(2 ** 31)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => addon.peerCredentials(-1)).toThrow(TypeError);
  });
});

describe('account look-ups', () => {
  it('finds root, its group and its membership', () => {
    expect(addon.userName(0)).toBe('root');
    expect(addon.groupId('root')).toBe(0);
    expect(addon.groupMembership(0, 0)).toContain(0);
  });

  it('counts the gid passed in, as getgrouplist does', () => {
    expect(addon.groupMembership(0, 4_000_000)).toEqual(expect.arrayContaining([0, 4_000_000]));
  });

  it('answers null for what does not exist, and ENOENT for the groups of a uid with no account', () => {
    expect(addon.userName(4_000_000)).toBeNull();
    expect(addon.groupId(`no-such-group-${process.pid}`)).toBeNull();
    expect(() => addon.groupMembership(4_000_000, 0)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'getpwuid_r' }),
    );
  });
});
