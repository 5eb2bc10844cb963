/*
 * A private copy of the Warren build for one bench run, so a rebuild of build/ while the bench runs (others work
 * in this tree) cannot change or break what is measured halfway:
 *
 *   DIR/package.json, DIR/bin/warren.js, DIR/build/, DIR/native-helper/addon/build/Release/warren_io.node,
 *   DIR/node_modules -> the repository's node_modules
 *
 * The CLI finds its package root from package.json and starts its helper from there, and io/addon.ts finds the
 * addon relative to build/, so the copy runs as the original does.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ADDON = 'native-helper/addon/build/Release/warren_io.node';

/** Copies the build under `dir` and returns the copy's entry point; throws if the copy does not start. */
export function snapshotWarren(root: string, dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  cpSync(join(root, 'bin/warren.js'), join(dir, 'bin/warren.js'));
  cpSync(join(root, 'build'), join(dir, 'build'), { recursive: true });
  mkdirSync(dirname(join(dir, ADDON)), { recursive: true });
  cpSync(join(root, ADDON), join(dir, ADDON));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const entry = join(dir, 'bin/warren.js');
  try {
    // Every static import links at start: a build caught halfway through fails here, not in the middle of the run.
    execFileSync(process.execPath, [entry, '--version'], { stdio: 'pipe', timeout: 20_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(
      `the copy of build/ does not run (a rebuild in progress? run \`npm run build\`): ${stderr.split('\n').slice(0, 6).join('\n')}`,
      { cause: error },
    );
  }
  return entry;
}
