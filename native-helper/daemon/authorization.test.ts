// The decision against scripted accounts, and the descriptor and credentials of a real connection (this process
// at both ends). Real users are in control-server-access.test.ts.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errnoError } from '../io/errno-error.js';
import { type UnixPair, unixPair } from '../io/testing/unix-pair.js';
import { type Accounts, authorize, judge, socketDescriptor } from './authorization.js';

const WARREN_GID = 900;

/** alice (1000) is in warren, bob (1001) is not, uid 1002 has no account; the group is 'warren' unless absent. */
function accounts(options: { groupExists?: boolean; failing?: keyof Accounts } = {}): Accounts & { calls: string[] } {
  const calls: string[] = [];
  const names: Record<number, string> = { 0: 'root', 1000: 'alice', 1001: 'bob', 4242: 'helper' };
  const members: Record<number, number[]> = { 1000: [1000, WARREN_GID], 1001: [1001] };
  const fail = (what: keyof Accounts) => {
    calls.push(what);
    if (options.failing === what) throw errnoError('EIO', what);
  };
  return {
    calls,
    peerCredentials: () => ({ pid: 1, uid: 0, gid: 0 }),
    userName(uid) {
      fail('userName');
      return names[uid] ?? null;
    },
    groupId(name) {
      fail('groupId');
      return name === 'warren' && options.groupExists !== false ? WARREN_GID : null;
    },
    groupMembership(uid, gid) {
      fail('groupMembership');
      if (!(uid in members)) throw errnoError('ENOENT', 'getpwuid_r');
      return [...new Set([...members[uid]!, gid])];
    },
  };
}

const peer = (uid: number, gid = uid) => ({ pid: 77, uid, gid });

describe('judge', () => {
  it('lets root in, even when the account databases cannot be read', () => {
    expect(judge(peer(0), 'warren', accounts(), 4242)).toMatchObject({ ok: true, uid: 0, username: 'root' });
    expect(judge(peer(0), 'warren', accounts({ failing: 'userName' }), 4242)).toMatchObject({
      ok: true,
      uid: 0,
      username: 'uid 0',
    });
  });

  it("lets the helper's own user in (it could debug the helper anyway)", () => {
    expect(judge(peer(4242), 'warren', accounts(), 4242)).toMatchObject({ ok: true, uid: 4242, username: 'helper' });
  });

  it('lets a member of the group in, asking with the peer gid', () => {
    const system = accounts();
    expect(judge(peer(1000), 'warren', system, 0)).toMatchObject({ ok: true, uid: 1000, username: 'alice' });
    expect(system.calls).toEqual(['userName', 'groupId', 'groupMembership']);
  });

  it('counts the group the peer runs with as its effective gid', () => {
    expect(judge(peer(1001, WARREN_GID), 'warren', accounts(), 0)).toMatchObject({ ok: true, username: 'bob' });
  });

  it('refuses anyone else with the command that grants access', () => {
    const refused = judge(peer(1001), 'warren', accounts(), 0);
    expect(refused).toEqual({
      ok: false,
      peer: peer(1001),
      message:
        'user bob is not allowed to control Warren: ask an administrator to run `sudo usermod -aG warren bob`, then log out and in again',
    });
  });

  it('says to create the group first when there is none', () => {
    const refused = judge(peer(1000), 'warren', accounts({ groupExists: false }), 0);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toContain(
      '`sudo groupadd --system warren && sudo usermod -aG warren alice` and restart the Warren helper',
    );
  });

  it('uses the configured group name', () => {
    const refused = judge(peer(1000), 'wheel', accounts(), 0);
    expect(!refused.ok && refused.message).toContain('groupadd --system wheel');
  });

  it('refuses a uid with no account, and whatever it cannot look up', () => {
    expect(judge(peer(1002), 'warren', accounts(), 0)).toMatchObject({
      ok: false,
      message: expect.stringContaining('uid 1002 is not allowed to control Warren: it has no user account'),
    });
    for (const failing of ['userName', 'groupId', 'groupMembership'] as const) {
      const refused = judge(peer(1000), 'warren', accounts({ failing }), 0);
      expect(refused).toMatchObject({
        ok: false,
        message: expect.stringMatching(/cannot (look up|check).*\(EIO\), so it refuses/),
      });
    }
  });
});

describe('authorize on a real connection', () => {
  let pair: UnixPair;
  beforeAll(async () => {
    pair = await unixPair();
  });
  afterAll(() => pair.close());

  it('finds the descriptor and judges the peer by its kernel credentials', async () => {
    const socket = pair.accepted;
    expect(socketDescriptor(socket)).toEqual(expect.any(Number));
    const result = authorize(socket, { groupName: `no-such-group-${process.pid}` });
    // This process is at the other end: root in CI, or the helper's own user when run unprivileged.
    expect(result).toMatchObject({
      ok: true,
      uid: process.geteuid!(),
      peer: { pid: process.pid, uid: process.geteuid!() },
    });
  });

  it('refuses when it cannot find the descriptor (fails closed)', () => {
    const handleless = { _handle: null } as unknown as Socket;
    expect(socketDescriptor(handleless)).toBeNull();
    expect(authorize(handleless, { groupName: 'warren' })).toEqual({
      ok: false,
      message: 'the Warren helper cannot tell who is connecting, so it refuses',
    });
  });

  it('refuses when the credentials cannot be read', async () => {
    const system = {
      ...accounts(),
      peerCredentials: () => {
        throw errnoError('ENOTSOCK', 'getsockopt');
      },
    };
    expect(authorize(pair.accepted, { groupName: 'warren', accounts: system })).toMatchObject({
      ok: false,
      message: expect.stringContaining('(ENOTSOCK)'),
    });
  });
});
