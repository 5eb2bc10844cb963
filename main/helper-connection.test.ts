// HelperConnection against a real helper (in-process, temporary socket and store) and, for refusals, against a
// scripted socket that answers as the helper does.
import { type Server, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../shared/ipc/control-client.js';
import { encodeFrame } from '../shared/ipc/framing.js';
import type { ConnectionState } from '../shared/bridge/types.js';
import { HelperConnection } from './helper-connection.js';
import { type RealHelper, realHelper, testConfig } from './testing/real-helper.js';

let helper: RealHelper | undefined;
let connection: HelperConnection | undefined;
let scripted: Server | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  connection?.stop();
  connection = undefined;
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  if (scripted) await new Promise((resolve) => scripted!.close(resolve));
  scripted = undefined;
  await helper?.dispose();
  helper = undefined;
});

function connectTo(path: string): HelperConnection {
  connection = new HelperConnection({
    connect: () => ControlClient.connect(path),
    initialRetryMs: 20,
    maxRetryMs: 80,
    heartbeatMs: 30,
  });
  return connection;
}

function stateReached(conn: HelperConnection, kind: ConnectionState['kind']): Promise<ConnectionState> {
  if (conn.state.kind === kind) return Promise.resolve(conn.state);
  return new Promise((resolve) => {
    const off = conn.onState((state) => {
      if (state.kind !== kind) return;
      off();
      resolve(state);
    });
  });
}

describe('HelperConnection with the real helper', () => {
  it('connects, reports the helper version, and answers typed calls', async () => {
    helper = realHelper();
    await helper.start();
    const conn = connectTo(helper.socketPath);
    conn.start();
    expect(await stateReached(conn, 'connected')).toEqual({ kind: 'connected', helperVersion: '0.0.0-test' });
    expect(await conn.call('list', {})).toEqual([]);
  });

  it('says how to start a missing helper, then connects by itself once it runs', async () => {
    helper = realHelper();
    const conn = connectTo(helper.socketPath);
    conn.start();
    expect(await stateReached(conn, 'helper-missing')).toEqual({
      kind: 'helper-missing',
      message: 'The Warren helper is not running.',
      hint: 'Start it with `sudo systemctl start warren`.',
    });
    await expect(conn.call('list', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('sudo systemctl start warren'),
    });
    await helper.start();
    await stateReached(conn, 'connected');
  });

  it('hears the helper stop at once, without waiting for a heartbeat', async () => {
    helper = realHelper();
    await helper.start();
    connection = new HelperConnection({
      connect: () => ControlClient.connect(helper!.socketPath),
      initialRetryMs: 20,
      maxRetryMs: 80,
      heartbeatMs: 60_000,
    });
    const conn = connection;
    conn.start();
    await stateReached(conn, 'connected');
    const stoppedAt = Date.now();
    await helper.stop();
    await stateReached(conn, 'helper-missing');
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    await helper.start();
    await stateReached(conn, 'connected');
  });

  it('notices the helper going away and finds it again when it restarts, with events flowing again', async () => {
    helper = realHelper();
    await helper.start();
    const conn = connectTo(helper.socketPath);
    let connections = 0;
    conn.onConnected(() => connections++);
    conn.start();
    await stateReached(conn, 'connected');
    await helper.stop();
    await stateReached(conn, 'helper-missing');
    await helper.start();
    await stateReached(conn, 'connected');
    expect(connections).toBe(2);
    // The new connection subscribed: an import makes a `tunnels` event. The helper may also broadcast the list it
    // changed at its own start-up (still empty) one turn later, so wait for the event that carries the import.
    const event = new Promise((resolve) =>
      conn.onEvent((e) => e.type === 'tunnels' && e.tunnels.length > 0 && resolve(e)),
    );
    await conn.call('import', { files: [{ filename: 'home.conf', text: testConfig() }] });
    expect(await event).toMatchObject({ type: 'tunnels', tunnels: [{ name: 'home', state: 'down' }] });
  });
});

describe('HelperConnection refused', () => {
  it("shows the helper's refusal (the group to join) and keeps trying", async () => {
    helper = realHelper(); // for its folder only
    const message =
      'user bob is not allowed to control Warren: ask an administrator to run `sudo usermod -aG warren bob`, then log out and in again';
    let attempts = 0;
    scripted = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      attempts++;
      socket.end(encodeFrame({ v: 1, id: 0, ok: false, error: { code: 'forbidden', message } }));
    });
    await new Promise<void>((resolve) => scripted!.listen(helper!.socketPath, resolve));
    const conn = connectTo(helper.socketPath);
    conn.start();
    expect(await stateReached(conn, 'not-allowed')).toEqual({ kind: 'not-allowed', message });
    await expect.poll(() => attempts).toBeGreaterThan(1);
  });

  it('turns EACCES on the socket file into the group message', async () => {
    const conn = new HelperConnection({
      connect: () => Promise.reject(Object.assign(new Error('connect EACCES'), { code: 'EACCES' })),
      initialRetryMs: 1000,
    });
    connection = conn;
    conn.start();
    const state = await stateReached(conn, 'not-allowed');
    expect(state).toMatchObject({
      kind: 'not-allowed',
      message: expect.stringMatching(/is not allowed to control Warren: .*sudo usermod -aG warren /),
    });
  });
});
