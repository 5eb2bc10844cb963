/*
 * Test support: runs a module script in a child Node with V8's natives syntax (%HaveSameMap,
 * %OptimizeFunctionOnNextCall, %GetOptimizationStatus) and the helper's own runtime flags, so that a test sees
 * V8 treat the packet path's objects as it does in the helper, and returns what the script printed as JSON.
 * `fileUrl(path)` names a repository file for the script's imports.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { HELPER_RUNTIME_FLAGS } from '../../cli/helper-connection.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** %GetOptimizationStatus's bit for code from TurboFan (V8's runtime-test.cc, OptimizationStatus). */
export const TURBOFANNED = 1 << 6;

export function fileUrl(path: string): string {
  return pathToFileURL(join(ROOT, path)).href;
}

export async function runWithNatives(script: string): Promise<unknown> {
  const { stdout } = await run(
    process.execPath,
    [
      ...HELPER_RUNTIME_FLAGS,
      '--allow-natives-syntax',
      '--import',
      join(ROOT, 'test/netns/register-ts.mjs'),
      '--input-type=module',
      '--eval',
      `const TURBOFANNED = ${TURBOFANNED};\n${script}`,
    ],
    { timeout: 30_000 },
  );
  return JSON.parse(stdout) as unknown;
}
