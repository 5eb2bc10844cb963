/*
 * Reaching this network namespace's helper from the CLI: connect to its control socket, or (for `up`) start
 * one in the background first. The background helper is this same program (`warren daemon --exit-when-idle`),
 * in its own session so it outlives the terminal, logging to a file beside its socket.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { controlSocketPath, networkNamespaceId } from '../../shared/ipc/socket-path.js';
import { packageRoot } from './version.js';

const START_TIMEOUT_MS = 10_000;

export function helperLogPath(socketPath = controlSocketPath()): string {
  return join(dirname(socketPath), `helper-${networkNamespaceId()}.log`);
}

/**
 * The helper's client, or null when no helper runs in this namespace. Other errors are thrown: a user the socket
 * refuses gets a 'forbidden' ControlCallError that says how to get access (the helper's own refusal arrives as
 * the first call's error).
 */
export async function connectHelper(path = controlSocketPath()): Promise<ControlClient | null> {
  try {
    return await ControlClient.connect(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return null;
    throw error;
  }
}

/**
 * V8 flags for the helper's runtime (Node, or Electron under ELECTRON_RUN_AS_NODE, which takes them the same way),
 * as the systemd unit's ExecStart has them (packaging/systemd/unit.test.ts holds the two together):
 * - a 1 MiB semi-space: the packet path allocates next to nothing, so a large young generation only held garbage
 *   between scavenges (less RSS, same throughput);
 * - type feedback from a function's first call rather than after it has run a while: a lightly used tunnel's
 *   packet path then reaches V8's baseline tier within a few packets, and its idle ping falls by a sixth (the
 *   packet path's objects keep one map from birth for this to cost no throughput: engine/double-fields.ts,
 *   io/packet-batch.ts).
 * Both measured in test/bench/RESULTS.md.
 */
export const HELPER_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--no-lazy-feedback-allocation'];

export async function connectOrStartHelper(path = controlSocketPath()): Promise<ControlClient> {
  const existing = await connectHelper(path);
  if (existing) return existing;
  const logPath = helperLogPath(path);
  mkdirSync(dirname(logPath), { recursive: true, mode: 0o755 });
  const log = openSync(logPath, 'a', 0o600);
  const entry = join(packageRoot(), 'bin', 'warren.js');
  const child = spawn(process.execPath, [...HELPER_RUNTIME_FLAGS, entry, 'daemon', '--exit-when-idle'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, WARREN_CONTROL_SOCKET: path },
  });
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`the helper exited at start (status ${exited}); see ${logPath}`);
    const client = await connectHelper(path);
    if (client) return client;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the helper did not start within ${START_TIMEOUT_MS / 1000} s; see ${logPath}`);
}
