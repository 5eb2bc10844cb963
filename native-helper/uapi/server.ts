/*
 * The cross-platform UAPI socket, /var/run/wireguard/NAME.sock, so wg(8) works on a Warren tunnel:
 * the directory made 0755 when absent (as wireguard-go; one wg-quick made 0700 is left so), the socket root only
 * (get=1 reveals the private key), a stale socket replaced and a live
 * one refused (io/unix-socket.ts), and the socket file's deletion noticed (wireguard-go's convention for
 * "stop this device").
 *
 * One directory for every network namespace, as for wireguard-go: /var/run/wireguard is a path in the mount
 * namespace, which `ip netns exec` leaves shared (it bind-mounts /etc/netns/NAME only over /etc), and wg(8) looks
 * nowhere else (its socket directory is compiled in; an abstract socket, per network namespace, it would not
 * find). So two namespaces cannot both run a userspace tunnel called wg0: the second is refused with that said.
 * The kernel's WireGuard, reached over netlink, has no such limit.
 */
import { type FSWatcher, existsSync, watch } from 'node:fs';
import { type Socket, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { listenUnixSocket, unlinkQuietly } from '../io/unix-socket.js';
import { UapiSession } from './session.js';
import type { UapiTarget } from './set.js';

export const UAPI_DIRECTORY = '/var/run/wireguard';

export function uapiSocketPath(name: string, directory = UAPI_DIRECTORY): string {
  return join(directory, `${name}.sock`);
}

export interface UapiServer {
  readonly path: string;
  close(): Promise<void>;
}

export interface UapiServerOptions {
  directory?: string;
  /** Called once when the socket file is deleted from outside. */
  onRemoved?: () => void;
  log?: (message: string) => void;
}

export async function startUapiServer(
  name: string,
  target: UapiTarget,
  options: UapiServerOptions = {},
): Promise<UapiServer> {
  const path = uapiSocketPath(name, options.directory);

  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.setEncoding('latin1');
    const session = new UapiSession(target, {
      reply: (text) => socket.write(text),
      close: () => socket.destroy(),
      log: options.log,
    });
    socket.on('data', (chunk: string) => session.feed(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
  });

  try {
    await listenUnixSocket(server, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw Object.assign(
      new Error(
        `${path} is in use by a running process: a userspace WireGuard interface named ${name} runs here or in ` +
          'another network namespace (their UAPI sockets share one directory); choose another name',
      ),
      { code: 'EADDRINUSE' },
    );
  }
  let closing = false;
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    if (!closing && file === `${name}.sock` && !existsSync(path)) {
      closing = true;
      options.onRemoved?.();
    }
  });

  return {
    path,
    async close() {
      closing = true;
      watcher.close();
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      unlinkQuietly(path);
    },
  };
}
