import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlCallError, ControlClient } from '../../shared/ipc/control-client.js';
import { MAX_CONTROL_MESSAGE_BYTES, type ControlEvent } from '../../shared/ipc/control.js';
import { type Accounts, controlGroupId } from './authorization.js';
import { ControlFailure, type ControlServer, startControlServer } from './control-server.js';

let dir: string;
let path: string;
let server: ControlServer;
const log: string[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warren-control-'));
  path = join(dir, 'control.sock');
  let order = 0;
  server = await startControlServer(path, {
    version: async () => ({ version: '9.9.9', protocol: 1 }),
    down: async ({ name }) => {
      if (name === 'missing') throw new ControlFailure('not-found', 'no such tunnel');
      if (name === 'boom') throw new TypeError('a bug');
      const mine = ++order;
      await new Promise((r) => setTimeout(r, name === 'slow' ? 50 : 0));
      return { name: `${name}#${mine}` };
    },
  }, (m) => log.push(m));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw lines and collects the raw reply lines. */
function raw(lines: string, expected: number, at = path): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(at);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const replies = data.split('\n').filter(Boolean);
      if (replies.length >= expected) {
        socket.destroy();
        resolve(replies.map((r) => JSON.parse(r) as unknown));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data.split('\n').filter(Boolean).map((r) => JSON.parse(r) as unknown)));
    socket.write(lines);
  });
}

describe('control server', () => {
  it('is a root-only socket, or root and the warren group when that group exists', () => {
    const gid = controlGroupId('warren');
    const stat = statSync(path);
    expect(stat.mode & 0o777).toBe(gid === null ? 0o600 : 0o660);
    if (gid !== null) expect(stat.gid).toBe(gid);
  });

  it('answers typed calls, and handler failures with their code', async () => {
    const client = await ControlClient.connect(path);
    expect(await client.call('version', {})).toEqual({ version: '9.9.9', protocol: 1 });
    await expect(client.call('down', { name: 'missing' })).rejects.toMatchObject({ code: 'not-found', message: 'no such tunnel' });
    await expect(client.call('down', { name: 'boom' })).rejects.toMatchObject({ code: 'internal' });
    expect(log.some((l) => l.includes('a bug'))).toBe(true);
    await expect(client.call('list', {})).rejects.toMatchObject({ code: 'unsupported' });
    client.close();
  });

  it('answers garbage, unknown methods, bad params and other versions with errors and lives on', async () => {
    const replies = await raw([
      'not json',
      JSON.stringify({ v: 1, id: 7, method: 'frobnicate', params: {} }),
      JSON.stringify({ v: 1, id: 8, method: 'down', params: { name: 'no spaces allowed' } }),
      JSON.stringify({ v: 2, id: 9, method: 'version', params: {} }),
      JSON.stringify([1, 2, 3]),
      JSON.stringify({ v: 1, id: 10, method: 'version', params: {} }),
    ].join('\n') + '\n', 6);
    expect(replies).toHaveLength(6);
    expect(replies[0]).toMatchObject({ id: 0, ok: false, error: { code: 'invalid-request', message: 'message is not JSON' } });
    expect(replies[1]).toMatchObject({ id: 7, ok: false, error: { code: 'invalid-request' } });
    expect(replies[2]).toMatchObject({ id: 8, ok: false, error: { code: 'invalid-request' } });
    expect((replies[2] as { error: { message: string } }).error.message).toContain('params.name');
    expect(replies[3]).toMatchObject({ id: 9, ok: false, error: { code: 'version' } });
    expect(replies[4]).toMatchObject({ id: 0, ok: false });
    expect(replies[5]).toMatchObject({ id: 10, ok: true, result: { version: '9.9.9' } });
  });

  it('refuses an oversized message and closes that connection only', async () => {
    const replies = await raw('x'.repeat(MAX_CONTROL_MESSAGE_BYTES + 10), 1);
    expect(replies[0]).toMatchObject({ ok: false, error: { message: expect.stringContaining('larger than') } });
    const client = await ControlClient.connect(path);
    expect((await client.call('version', {})).version).toBe('9.9.9');
    client.close();
  });

  it('runs requests one at a time, in arrival order, across connections', async () => {
    const a = await ControlClient.connect(path);
    const b = await ControlClient.connect(path);
    const [slow, fast] = await Promise.all([a.call('down', { name: 'slow' }), b.call('down', { name: 'fast' })]);
    expect(slow.name).toBe('slow#1');
    expect(fast.name).toBe('fast#2');
    a.close();
    b.close();
  });

  it('pushes events only to connections that subscribed', async () => {
    const subscriber = await ControlClient.connect(path);
    const bystander = await ControlClient.connect(path);
    const seen: ControlEvent[] = [];
    const ignored: ControlEvent[] = [];
    subscriber.onEvent((e) => seen.push(e));
    bystander.onEvent((e) => ignored.push(e));
    expect(await subscriber.call('subscribe', {})).toEqual({ subscribed: true });
    await bystander.call('version', {});
    server.broadcast({ type: 'log', entry: { time: 1, level: 'info', message: 'hello' } });
    await subscriber.call('version', {});
    await bystander.call('version', {});
    expect(seen).toEqual([{ type: 'log', entry: { time: 1, level: 'info', message: 'hello' } }]);
    expect(ignored).toEqual([]);
    subscriber.close();
    bystander.close();
  });

  it('rejects pending calls when the helper goes away', async () => {
    const client = await ControlClient.connect(path);
    const rejected = expect(client.call('down', { name: 'slow' })).rejects.toBeInstanceOf(ControlCallError);
    await server.close();
    await rejected;
  });
});

describe('control server access (scripted accounts; real users in control-server-access.test.ts)', () => {
  let refusing: ControlServer;
  let refusingDir: string;
  let refusingPath: string;
  const refusals: string[] = [];
  /** Everyone is uid 1001 (bob), not in the group; the group is this process's own gid. */
  const accounts: Accounts = {
    peerCredentials: () => ({ pid: 4321, uid: 1001, gid: 1001 }),
    userName: (uid) => (uid === 1001 ? 'bob' : null),
    groupId: () => process.getegid!(),
    groupMembership: (_uid, gid) => [gid],
  };

  beforeAll(async () => {
    refusingDir = mkdtempSync(join(tmpdir(), 'warren-control-access-'));
    refusingPath = join(refusingDir, 'control.sock');
    refusing = await startControlServer(refusingPath, { version: async () => ({ version: '9.9.9', protocol: 1 }) }, (m) => refusals.push(m), {
      groupName: 'staff',
      accounts,
    });
  });
  afterAll(async () => {
    await refusing.close();
    rmSync(refusingDir, { recursive: true, force: true });
  });

  it('gives the socket file to the group, 0660', () => {
    const stat = statSync(refusingPath);
    expect(stat.mode & 0o777).toBe(0o660);
    expect(stat.gid).toBe(process.getegid!());
  });

  it('answers a refused peer one forbidden error with id 0, then closes, its requests unanswered', async () => {
    const replies = await raw(JSON.stringify({ v: 1, id: 5, method: 'version', params: {} }) + '\n', 2, refusingPath);
    expect(replies).toEqual([
      {
        v: 1,
        id: 0,
        ok: false,
        error: { code: 'forbidden', message: 'user bob is not allowed to control Warren: ask an administrator to run `sudo usermod -aG staff bob`, then log out and in again' },
      },
    ]);
    const client = await ControlClient.connect(refusingPath);
    await expect(client.call('version', {})).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('usermod -aG staff bob') });
  });

  it('logs a refused uid once a minute, not once a connection', async () => {
    for (let i = 0; i < 3; i++) await raw('', 1, refusingPath);
    expect(refusals.filter((line) => line.includes('uid 1001 (pid 4321)'))).toHaveLength(1);
  });
});
