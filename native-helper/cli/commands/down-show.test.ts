// What `warren show` and `warren down` say when the helper refuses this user: its message, not a stack trace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../../shared/ipc/framing.js';
import { runCli } from '../run.js';
import { memoryIo } from '../testing/memory-io.js';

const MESSAGE =
  'user bob is not allowed to control Warren: ask an administrator to run `sudo usermod -aG warren bob`, then log out and in again';

let dir: string;
let server: Server;
const sockets = new Set<Socket>();
const previous = process.env.WARREN_CONTROL_SOCKET;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warren-cli-forbidden-'));
  process.env.WARREN_CONTROL_SOCKET = join(dir, 'control.sock');
  // As the helper answers a user it refuses: one error with id 0, then the end.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.end(encodeFrame({ v: 1, id: 0, ok: false, error: { code: 'forbidden', message: MESSAGE } }));
  });
  await new Promise<void>((resolve) => server.listen(process.env.WARREN_CONTROL_SOCKET, resolve));
});
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  if (previous === undefined) delete process.env.WARREN_CONTROL_SOCKET;
  else process.env.WARREN_CONTROL_SOCKET = previous;
  rmSync(dir, { recursive: true, force: true });
});

describe('a helper this user may not use', () => {
  for (const args of [['show'], ['down', 'wg0']]) {
    it(`makes \`warren ${args.join(' ')}\` print how to get access and exit 1`, async () => {
      const io = memoryIo();
      expect(await runCli(args, io, '1.2.3')).toBe(1);
      expect(io.err).toBe(`warren: ${MESSAGE}\n`);
      expect(io.out).toBe('');
    });
  }

  it('reports a connect error other than "no helper" (EACCES becomes the same message) instead of crashing', async () => {
    writeFileSync(join(dir, 'file'), '');
    process.env.WARREN_CONTROL_SOCKET = join(dir, 'file', 'control.sock');
    const io = memoryIo();
    expect(await runCli(['show'], io, '1.2.3')).toBe(1);
    expect(io.err).toMatch(/^warren: connect ENOTDIR /);
  });
});
