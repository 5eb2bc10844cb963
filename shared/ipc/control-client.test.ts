// ControlClient against scripted helpers: an error with id 0 concerns the connection (a refusal), not a call.
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notAllowedMessage } from './access.js';
import { ControlCallError, ControlClient, connectFailure } from './control-client.js';
import { encodeFrame } from './framing.js';

const FORBIDDEN_FRAME = encodeFrame({
  v: 1,
  id: 0,
  ok: false,
  error: { code: 'forbidden', message: 'user bob is not allowed' },
});

let dir: string;
let path: string;
let server: Server | undefined;
const sockets = new Set<Socket>();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-client-'));
  path = join(dir, 'control.sock');
});
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function helper(onConnection: (socket: Socket) => void): Promise<void> {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server!.listen(path, resolve));
}

describe('ControlClient and connection errors', () => {
  it('rejects a pending call with a refusal that arrives unasked, not with "closed the connection"', async () => {
    // As the helper does: the refusal as soon as it accepts, then the end, whatever the client sent.
    await helper((socket) => socket.end(FORBIDDEN_FRAME));
    const client = await ControlClient.connect(path);
    const error = await client.call('version', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlCallError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'user bob is not allowed' });
  });

  it('rejects every call made after the refusal with it, at once', async () => {
    await helper((socket) => socket.end(FORBIDDEN_FRAME));
    const client = await ControlClient.connect(path);
    await expect(client.call('version', {})).rejects.toMatchObject({ code: 'forbidden' });
    await expect(client.call('list', {})).rejects.toMatchObject({
      code: 'forbidden',
      message: 'user bob is not allowed',
    });
  });

  it('rejects all pending calls when the refusal comes after they were sent', async () => {
    let requests = 0;
    await helper((socket) =>
      socket.on('data', (chunk) => {
        requests += chunk.toString().split('\n').filter(Boolean).length;
        if (requests === 2) socket.end(FORBIDDEN_FRAME);
      }),
    );
    const client = await ControlClient.connect(path);
    const results = await Promise.allSettled([client.call('version', {}), client.call('list', {})]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as ControlCallError).code)).toEqual([
      'forbidden',
      'forbidden',
    ]);
  });

  it('still reports a plain close as unavailable, and rejects later calls instead of hanging', async () => {
    await helper((socket) => socket.end());
    const client = await ControlClient.connect(path);
    await expect(client.call('version', {})).rejects.toMatchObject({ code: 'unavailable' });
    await expect(client.call('version', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('turns EACCES on connect into the forbidden message, and leaves other errors alone', async () => {
    const denied = Object.assign(new Error('connect EACCES /run/warren/control.sock'), { code: 'EACCES' });
    const error = connectFailure(denied, 'alice');
    expect(error).toBeInstanceOf(ControlCallError);
    expect(error).toMatchObject({
      code: 'forbidden',
      message:
        'user alice is not allowed to control Warren: ask an administrator to run `sudo usermod -aG warren alice`, then log out and in again',
    });
    const missing = Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' });
    expect(connectFailure(missing)).toBe(missing);
    await expect(ControlClient.connect(join(dir, 'absent.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('notAllowedMessage', () => {
  it('names the command that grants access, creating the group first when there is none', () => {
    expect(notAllowedMessage('alice', 'warren')).toBe(
      'user alice is not allowed to control Warren: ask an administrator to run `sudo usermod -aG warren alice`, then log out and in again',
    );
    expect(notAllowedMessage('alice', 'vpn', false)).toBe(
      'user alice is not allowed to control Warren: ask an administrator to run `sudo groupadd --system vpn && sudo usermod -aG vpn alice` and restart the Warren helper, then log out and in again',
    );
  });
});
