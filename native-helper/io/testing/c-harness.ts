// Builds a C test harness from the addon's sources with the system's compiler (test/setup-machine.mjs installs
// gcc), for tests that run the addon's C under AddressSanitizer and UBSan or in builds the addon itself is not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ADDON_SRC = fileURLToPath(new URL('../../addon/src/', import.meta.url));
export const ADDON_TEST = fileURLToPath(new URL('../../addon/test/', import.meta.url));

/** Every read or write outside a buffer, and undefined behaviour, stops the program with a report on stderr. */
export const SANITIZE = [
  '-g',
  '-O1',
  '-fno-omit-frame-pointer',
  '-fsanitize=address,undefined',
  '-fno-sanitize-recover=all',
];
/** Leaks are not what these look for, and LeakSanitizer cannot run under every container's ptrace rules. */
export const SANITIZER_ENV = { ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' };

/** Where node_api.h is (reader.h includes it): beside this node, or where node-gyp downloaded the headers. */
export function nodeIncludeDir(): string {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (!found) throw new Error(`node_api.h not found in ${candidates.join(', ')}`);
  return found;
}

/** A scratch directory for harness binaries, removed by dispose(). */
export class HarnessBuilds {
  private dir = '';

  /** Compiles `sources` with `flags` into a fresh binary and returns its path; throws with the compiler's output. */
  build(name: string, sources: string[], flags: string[]): string {
    if (!this.dir) this.dir = mkdtempSync(join(tmpdir(), 'warren-c-harness-'));
    const out = join(this.dir, name);
    const cc = spawnSync('cc', ['-std=gnu11', '-Wall', '-Wextra', ...flags, ...sources, '-o', out], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (cc.error || cc.status !== 0)
      throw new Error(`cc failed (run test/setup-machine.mjs): ${cc.error?.message ?? cc.stderr}`);
    return out;
  }

  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
