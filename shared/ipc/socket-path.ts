/*
 * Where a network namespace's helper listens. One helper per network namespace: the path carries the
 * namespace's identity (the inode of /proc/self/ns/net), so the CLI and the app always reach the helper of
 * their own namespace, never another's. The runtime directory (/run/warren, emptied at every boot) also holds
 * the helper's boot marker and its journal of running tunnels; WARREN_RUNTIME_DIR moves all of it and
 * WARREN_CONTROL_SOCKET the socket alone (tests).
 */
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';

export const CONTROL_DIRECTORY = '/run/warren';

export function networkNamespaceId(): string {
  try {
    // "net:[4026531840]"
    const match = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'));
    if (match) return match[1]!;
  } catch {
    // not Linux, or no /proc: one namespace only
  }
  return 'default';
}

export function runtimeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.WARREN_RUNTIME_DIR || CONTROL_DIRECTORY;
}

export function controlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.WARREN_CONTROL_SOCKET || join(runtimeDirectory(env), `control-${networkNamespaceId()}.sock`);
}
