/*
 * Listening on a unix socket the way a root service must: the socket is bound under umask 077 (never, even
 * briefly, reachable by others; callers widen it deliberately: the group is given before the mode is widened),
 * and a socket file left by a crash (nobody answers) is replaced while a live one is refused as in use.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { type Server, connect } from 'node:net';
import { dirname } from 'node:path';

/** group: the gid the socket file is given (its owner stays), before its mode is set. */
export async function listenUnixSocket(server: Server, path: string, mode = 0o600, group?: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  await removeStaleSocket(path);
  const previous = process.umask(0o077);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  try {
    if (group !== undefined) chownSync(path, -1, group);
    chmodSync(path, mode);
  } catch (error) {
    server.close();
    unlinkQuietly(path);
    throw error;
  }
}

async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw Object.assign(new Error(`${path} is in use by a running process`), { code: 'EADDRINUSE' });
  unlinkSync(path);
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
