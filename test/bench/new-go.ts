/*
 * Upstream wireguard-go's current release (0.0.20250522: batched I/O, TUN TSO/GRO, UDP GSO/GRO), the engine a
 * user who picks a userspace WireGuard today gets, built offline from the source vendored in
 * ../shared/reference/wireguard-go by its build.sh (which installs Go from Debian's backports when missing).
 * Debian's wireguard-go (0.0.20220316) predates all of that work, so the bench compares against both.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { run } from './topology.js';

export const NEW_GO_VERSION = '0.0.20250522';
/** Where build.sh puts it unless told otherwise (and where a build from an earlier run is found). */
export const NEW_GO_DEFAULT_PATH = `/opt/wireguard-go-${NEW_GO_VERSION}/wireguard-go`;

export interface NewGo {
  path: string;
  /** What `--version` printed. */
  version: string;
}

/** The build script: beside the repository, in the workspace's shared reference folder. */
export function buildScript(root: string): string {
  return resolve(root, '../shared/reference/wireguard-go/build.sh');
}

/**
 * Builds (or finds the earlier build of) upstream's wireguard-go; rejects saying why when it cannot (no script,
 * no Go to install, a failed build). A first build takes a few minutes; later calls return at once.
 */
export async function buildNewGo(root: string): Promise<NewGo> {
  const script = buildScript(root);
  if (!existsSync(script)) throw new Error(`${script} is missing`);
  const path = (await run(['bash', script], { timeoutMs: 15 * 60_000 })).stdout.trim().split('\n').pop() ?? '';
  const version = (await run([path, '--version'], { timeoutMs: 10_000 })).stdout.trim().split('\n')[0] ?? '';
  if (!version.includes(NEW_GO_VERSION)) throw new Error(`${path} says "${version}", not ${NEW_GO_VERSION}`);
  return { path, version };
}
