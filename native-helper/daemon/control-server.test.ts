import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlCallError, ControlClient } from '../../shared/ipc/control-client.js';
import { MAX_CONTROL_MESSAGE_BYTES, type ControlEvent } from '../../shared/ipc/control.js';
import { LineFramer } from '../../shared/ipc/framing.js';
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
  server = await startControlServer(
    path,
    {
      version: async () => ({ version: '9.9.9', protocol: 1 }),
      down: async ({ name }) => {
        if (name === 'missing') throw new ControlFailure('not-found', 'no such tunnel');
        if (name === 'boom') throw new TypeError('a bug');
        const mine = ++order;
        await new Promise((r) => setTimeout(r, name === 'slow' ? 50 : 0));
        return { name: `${name}#${mine}` };
      },
    },
    (m) => log.push(m),
  );
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
    socket.on('close', () =>
      resolve(
        data
          .split('\n')
          .filter(Boolean)
          .map((r) => JSON.parse(r) as unknown),
      ),
    );
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
    await expect(client.call('down', { name: 'missing' })).rejects.toMatchObject({
      code: 'not-found',
      message: 'no such tunnel',
    });
    await expect(client.call('down', { name: 'boom' })).rejects.toMatchObject({ code: 'internal' });
    expect(log.some((l) => l.includes('a bug'))).toBe(true);
    await expect(client.call('list', {})).rejects.toMatchObject({ code: 'unsupported' });
    client.close();
  });

  it('answers garbage, unknown methods, bad params and other versions with errors and lives on', async () => {
    const replies = await raw(
      [
        'not json',
        JSON.stringify({ v: 1, id: 7, method: 'frobnicate', params: {} }),
        JSON.stringify({ v: 1, id: 8, method: 'down', params: { name: 'no spaces allowed' } }),
        JSON.stringify({ v: 2, id: 9, method: 'version', params: {} }),
        JSON.stringify([1, 2, 3]),
        JSON.stringify({ v: 1, id: 10, method: 'version', params: {} }),
      ].join('\n') + '\n',
      6,
    );
    expect(replies).toHaveLength(6);
    expect(replies[0]).toMatchObject({
      id: 0,
      ok: false,
      error: { code: 'invalid-request', message: 'message is not JSON' },
    });
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

  it("runs different connections' requests side by side: a slow one holds up nobody else", async () => {
    const a = await ControlClient.connect(path);
    const b = await ControlClient.connect(path);
    const slow = a.call('down', { name: 'slow' });
    const started = Date.now();
    expect((await b.call('version', {})).version).toBe('9.9.9');
    expect(Date.now() - started).toBeLessThan(45);
    expect((await slow).name).toBe('slow#1');
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
    refusing = await startControlServer(
      refusingPath,
      { version: async () => ({ version: '9.9.9', protocol: 1 }) },
      (m) => refusals.push(m),
      {
        groupName: 'staff',
        accounts,
      },
    );
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
        error: {
          code: 'forbidden',
          message:
            'user bob is not allowed to control Warren: ask an administrator to run `sudo usermod -aG staff bob`, then log out and in again',
        },
      },
    ]);
    const client = await ControlClient.connect(refusingPath);
    await expect(client.call('version', {})).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('usermod -aG staff bob'),
    });
  });

  it('logs a refused uid once a minute, not once a connection', async () => {
    for (let i = 0; i < 3; i++) await raw('', 1, refusingPath);
    expect(refusals.filter((line) => line.includes('uid 1001 (pid 4321)'))).toHaveLength(1);
  });
});

describe('control server bounds', () => {
  let bounded: ControlServer;
  let boundedDir: string;
  let boundedPath: string;
  let gate: { promise: Promise<void>; open: () => void };
  let calls: Record<string, number>;
  let callers: unknown[];
  /** The uid the next connection is said to come from (scripted accounts: 0 is root, 1000 and 1001 members). */
  let nextUid = 1000;
  const accounts: Accounts = {
    peerCredentials: () => ({ pid: 4321, uid: nextUid, gid: nextUid }),
    userName: (uid) => (uid === 0 ? 'root' : `user${uid}`),
    groupId: () => 900,
    groupMembership: (_uid, gid) => [gid, 900],
  };
  const newGate = () => {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    return { promise, open };
  };
  const count = (what: string) => (calls[what] = (calls[what] ?? 0) + 1);

  beforeEach(async () => {
    boundedDir = mkdtempSync(join(tmpdir(), 'warren-control-bounds-'));
    boundedPath = join(boundedDir, 'control.sock');
    gate = newGate();
    calls = {};
    callers = [];
    nextUid = 1000;
    bounded = await startControlServer(
      boundedPath,
      {
        version: async (_params, caller) => {
          callers.push(caller);
          return { version: '9.9.9', protocol: 1 };
        },
        down: async ({ name }) => {
          count(name);
          if (name === 'gate') await gate.promise;
          // Over the message bound once encoded.
          if (name === 'huge') return { name: 'x'.repeat(MAX_CONTROL_MESSAGE_BYTES) };
          // JSON cannot encode a BigInt.
          if (name === 'odd') return { name: 1n } as never;
          return { name };
        },
        get: async ({ name }) => {
          count('get');
          return { name, text: 'y'.repeat(256 * 1024), publicKey: 'k', options: {} as never };
        },
      },
      (m) => log.push(m),
      {
        accounts,
        limits: {
          connectionsPerUser: 3,
          connections: 5,
          requestsInFlight: 4,
          writeBufferBytes: 1024 * 1024,
          bytesPerUser: 100_000,
          bytes: 150_000,
        },
      },
    );
  });
  afterEach(async () => {
    gate.open();
    await bounded.close();
    rmSync(boundedDir, { recursive: true, force: true });
  });

  const connectAs = async (uid: number): Promise<ControlClient> => {
    nextUid = uid;
    const client = await ControlClient.connect(boundedPath);
    // A round trip: the helper has judged this connection before the next one is made.
    await client.call('version', {}).catch(() => {});
    return client;
  };

  it('tells every handler who is calling', async () => {
    const member = await connectAs(1000);
    const root = await connectAs(0);
    expect(callers).toEqual([
      { uid: 1000, gid: 1000, pid: 4321, username: 'user1000', groups: [1000, 900], admin: false },
      { uid: 0, gid: 0, pid: 4321, username: 'root', groups: [0, 900], admin: true },
    ]);
    member.close();
    root.close();
  });

  it("answers another connection while one connection's request waits", async () => {
    const a = await connectAs(1000);
    const b = await connectAs(1001);
    const waiting = a.call('down', { name: 'gate' });
    expect(await b.call('version', {})).toMatchObject({ version: '9.9.9' });
    gate.open();
    expect(await waiting).toEqual({ name: 'gate' });
    a.close();
    b.close();
  });

  it('runs at most requestsInFlight requests of one connection at once; the rest wait', async () => {
    const client = await connectAs(1000);
    const all = Array.from({ length: 10 }, () => client.call('down', { name: 'gate' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.gate).toBe(4);
    gate.open();
    await Promise.all(all);
    expect(calls.gate).toBe(10);
    client.close();
  });

  it('turns a reply over the size bound, or one JSON cannot encode, into an error reply, and lives on', async () => {
    const client = await connectAs(1000);
    await expect(client.call('down', { name: 'huge' })).rejects.toMatchObject({ code: 'too-large' });
    await expect(client.call('down', { name: 'odd' })).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('could not be encoded'),
    });
    expect(await client.call('down', { name: 'fine' })).toEqual({ name: 'fine' });
    client.close();
  });

  it('stops working for a client that sends and never reads: one buffer of replies, not one per request', async () => {
    const socket = connect(boundedPath);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    const request = (id: number) => JSON.stringify({ v: 1, id, method: 'get', params: { name: 'wg0' } }) + '\n';
    socket.write(Array.from({ length: 400 }, (_, i) => request(i + 1)).join(''));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 256 KiB replies: what the socket buffers take (the kernel's and the helper's bound of 1 MiB), and no more.
    const handled = calls.get ?? 0;
    expect(handled).toBeGreaterThan(0);
    expect(handled).toBeLessThan(40);
    // Reading again, every request is answered, in order.
    const ids: number[] = [];
    const framer = new LineFramer();
    socket.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: string) => {
        for (const frame of framer.push(chunk)) if (frame.ok) ids.push((frame.value as { id: number }).id);
        if (ids.length === 400) resolve();
      });
      socket.resume();
    });
    expect(ids).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    socket.destroy();
  });

  it('bounds connections per member and for all members, never for root', async () => {
    const open = [await connectAs(1000), await connectAs(1000), await connectAs(1000)];
    const fourth = await connectAs(1000);
    await expect(fourth.call('version', {})).rejects.toMatchObject({
      code: 'too-many-connections',
      message: expect.stringContaining('user user1000 already has 3 connections to the Warren helper open'),
    });
    // Another member still gets in, up to the total.
    open.push(await connectAs(1001), await connectAs(1001));
    const sixth = await connectAs(1002);
    await expect(sixth.call('version', {})).rejects.toMatchObject({
      code: 'too-many-connections',
      message: expect.stringContaining('serves 5 connections'),
    });
    // Root always.
    const roots = await Promise.all(Array.from({ length: 8 }, () => connectAs(0)));
    for (const root of roots) expect(await root.call('version', {})).toMatchObject({ version: '9.9.9' });
    // A closed connection frees its place.
    open[0]!.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await connectAs(1000);
    expect(await again.call('version', {})).toMatchObject({ version: '9.9.9' });
    for (const client of [...open, ...roots, again]) client.close();
  });

  it("closes the connection that takes a member, or all members, over the characters of requests held; never root's", async () => {
    /** A connection that has sent the start of a version request padded to `size` characters, no newline yet. */
    const partial = async (uid: number, size: number) => {
      nextUid = uid;
      const socket = connect(boundedPath);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.setEncoding('utf8');
      let data = '';
      socket.on('data', (chunk: string) => (data += chunk));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(`{"v":1,"id":1,"method":"version","params":{},"pad":"${'p'.repeat(size)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return {
        socket,
        closed,
        replies: () =>
          data
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>),
      };
    };
    const finish = (connection: { socket: ReturnType<typeof connect> }) => connection.socket.write('"}\n');

    const a = await partial(1000, 60_000);
    const b = await partial(1000, 60_000);
    await b.closed;
    expect(b.replies()).toEqual([
      {
        v: 1,
        id: 0,
        ok: false,
        error: {
          code: 'too-much',
          message:
            'user user1000 has more than 100000 characters of requests in the Warren helper at once; send less at a time',
        },
      },
    ]);
    // The first is still served, and what the second held is released.
    finish(a);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.replies()).toMatchObject([{ id: 1, ok: true }]);

    const c = await partial(1000, 80_000);
    const d = await partial(1001, 80_000);
    await d.closed;
    expect(d.replies()[0]).toMatchObject({
      error: {
        code: 'too-much',
        message: expect.stringContaining("holds more than 150000 characters of its members' requests"),
      },
    });
    const rootsLine = await partial(0, 500_000);
    finish(rootsLine);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rootsLine.replies()).toMatchObject([{ id: 1, ok: true }]);
    for (const connection of [a, c, rootsLine]) connection.socket.destroy();
  });
});
