// `warren import FILE...` against a helper stand-in that records each request line as it arrives: the files are
// read within the config bound and sent in requests the helper accepts (import-batches.ts), the results in order.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from '../../../shared/config/index.js';
import { MAX_CONTROL_MESSAGE_BYTES } from '../../../shared/ipc/control.js';
import { LineFramer, encodeFrame } from '../../../shared/ipc/framing.js';
import { runCli } from '../run.js';
import { memoryIo } from '../testing/memory-io.js';

let dir: string;
let server: Server;
const sockets = new Set<Socket>();
/** The UTF-8 length of each request line received, and the filenames it carried. */
let requests: { bytes: number; filenames: string[] }[];
const previous = process.env.WARREN_CONTROL_SOCKET;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warren-cli-import-'));
  process.env.WARREN_CONTROL_SOCKET = join(dir, 'control.sock');
  requests = [];
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.setEncoding('utf8');
    // Far above the real bound, so that a request over it is seen here rather than dropped.
    const framer = new LineFramer(64 * 1024 * 1024);
    socket.on('data', (chunk: string) => {
      for (const frame of framer.push(chunk)) {
        const request = (frame as { value: { id: number; params: { files: { filename: string }[] } } }).value;
        const filenames = request.params.files.map((f) => f.filename);
        requests.push({ bytes: Buffer.byteLength(JSON.stringify(request)) + 1, filenames });
        const result = filenames.map((filename) => ({
          filename,
          ok: true,
          name: filename.replace(/^.*\//, '').replace(/\.conf$/, ''),
          errors: [],
          warnings: [],
        }));
        socket.write(encodeFrame({ v: 1, id: request.id, ok: true, result }));
      }
    });
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

describe('warren import', () => {
  it('sends files in requests within the message bound, and prints the results in order', async () => {
    // Each file is at the config bound and all control characters: 1.5 MiB as JSON, so four are 6 MiB.
    const paths = [0, 1, 2, 3].map((i) => join(dir, `t${i}.conf`));
    for (const path of paths) writeFileSync(path, Buffer.alloc(MAX_CONFIG_BYTES, 1));
    const io = memoryIo();
    expect(await runCli(['import', ...paths], io, 'v')).toBe(0);
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) expect(request.bytes).toBeLessThanOrEqual(MAX_CONTROL_MESSAGE_BYTES);
    expect(requests.flatMap((r) => r.filenames)).toEqual(paths);
    expect(io.out).toBe(paths.map((path, i) => `${path}: stored as t${i}\n`).join(''));
  });

  it('refuses a file over the config bound, a FIFO and a directory without sending them (or hanging)', async () => {
    writeFileSync(join(dir, 'big.conf'), Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x23));
    execFileSync('mkfifo', [join(dir, 'pipe.conf')]);
    writeFileSync(join(dir, 'ok.conf'), '[Interface]\n');
    const io = memoryIo();
    expect(
      await runCli(['import', join(dir, 'big.conf'), join(dir, 'pipe.conf'), dir, join(dir, 'ok.conf')], io, 'v'),
    ).toBe(1);
    expect(io.err).toBe(
      [
        `${join(dir, 'big.conf')}: larger than ${MAX_CONFIG_BYTES} bytes, not a WireGuard configuration`,
        `${join(dir, 'pipe.conf')}: cannot read: is a FIFO (a pipe), not a regular file`,
        `${dir}: cannot read: is a directory, not a regular file`,
        '',
      ].join('\n'),
    );
    expect(requests.map((r) => r.filenames)).toEqual([[join(dir, 'ok.conf')]]);
  });
});
