/*
 * The suites that run the `warren` binary need build/ (tsc's output) to be the sources': ensureBuilt() builds it
 * when a source under shared/, native-helper/ or main/ is newer, once for all suites starting at the same time (a
 * lock directory beside it).
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './interop-inspect.js';
import { execute } from './interop-site.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds build/ unless it is up to date; tsc's type errors do not stop it (the typecheck reports them). */
export async function ensureBuilt(): Promise<void> {
  const stamp = join(ROOT, 'build', 'native-helper', 'cli', 'main.js');
  const lock = join(ROOT, 'build', '.build-lock');
  const stale = () => !existsSync(stamp) || newestSource() > statSync(stamp).mtimeMs;
  const deadline = Date.now() + 120_000;
  let built = false;
  while (!built && stale()) {
    mkdirSync(join(ROOT, 'build'), { recursive: true });
    try {
      mkdirSync(lock);
    } catch {
      // someone else builds; a lock older than two minutes is from a build that died
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 120_000) rmdirSync(lock);
      if (Date.now() > deadline) throw new Error(`${lock} held for too long`);
      await sleep(200);
      continue;
    }
    try {
      if (!stale()) break;
      const result = await execute(
        [
          process.execPath,
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          join(ROOT, 'tsconfig.build.json'),
        ],
        120_000,
      );
      // tsc emits despite type errors; those are the typecheck's business, a missing output is ours.
      if (!existsSync(stamp)) throw new Error(`npm run build failed: ${result.stdout}${result.stderr}`);
      built = true;
    } finally {
      rmdirSync(lock);
    }
  }
}

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'build') walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  for (const top of ['shared', 'native-helper', 'main']) {
    if (existsSync(join(ROOT, top))) walk(join(ROOT, top));
  }
  return newest;
}
