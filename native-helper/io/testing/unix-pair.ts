// Both ends of one unix stream connection in this process, for tests of what a connection's descriptor says
// (peer credentials, authorization).
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface UnixPair {
  /** The server's end. */
  accepted: Socket;
  /** The connecting end. */
  client: Socket;
  close(): Promise<void>;
}

export async function unixPair(): Promise<UnixPair> {
  const dir = mkdtempSync(join(tmpdir(), 'warren-unix-pair-'));
  let server!: Server;
  const accepted = new Promise<Socket>((resolve) => (server = createServer(resolve)));
  await new Promise<void>((resolve) => server.listen(join(dir, 's.sock'), resolve));
  const client = connect(join(dir, 's.sock'));
  await new Promise((resolve) => client.once('connect', resolve));
  const serverEnd = await accepted;
  return {
    accepted: serverEnd,
    client,
    async close() {
      client.destroy();
      serverEnd.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
