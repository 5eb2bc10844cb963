// Where the store lives: `--state-dir DIR`, else $WARREN_STATE_DIR, else /etc/warren (beside /etc/wireguard,
// where people look for tunnel configs). Tests always pass their own directory.
import { resolve } from 'node:path';

export const DEFAULT_STATE_DIR = '/etc/warren';

export function resolveStateDir({ flag, env = process.env }: { flag?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const chosen = nonEmpty(flag) ?? nonEmpty(env.WARREN_STATE_DIR) ?? DEFAULT_STATE_DIR;
  // Absolute now: a service may change its working directory later.
  return resolve(chosen);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
