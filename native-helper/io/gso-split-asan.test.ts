// The addon's segmentation (gso-split.c) under AddressSanitizer and UBSan: a small harness
// (native-helper/addon/test/gso-split-harness.c) runs one frame through parse, cost and split with every buffer
// sized exactly, so hostile header fields that reach outside the frame or the slot are reported, not silently
// absorbed by a large neighbour as in the addon itself. Needs a C compiler (test/setup-machine.mjs installs gcc).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileCases } from './testing/gso-frames.js';

const ADDON_SRC = fileURLToPath(new URL('../addon/src/', import.meta.url));
const HARNESS = fileURLToPath(new URL('../addon/test/gso-split-harness.c', import.meta.url));
const EINVAL = 22;

/** Where node_api.h is (reader.h includes it): beside this node, or where node-gyp downloaded the headers. */
function nodeIncludeDir(): string {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (!found) throw new Error(`node_api.h not found in ${candidates.join(', ')}`);
  return found;
}

let dir = '';
let harness = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-gso-asan-'));
  harness = join(dir, 'harness');
  const sources = [HARNESS, join(ADDON_SRC, 'gso-split.c'), join(ADDON_SRC, 'checksum.c')];
  const flags = [
    '-std=gnu11',
    '-g',
    '-O1',
    '-fno-omit-frame-pointer',
    '-fsanitize=address,undefined',
    '-fno-sanitize-recover=all',
  ];
  const cc = spawnSync('cc', [...flags, `-I${nodeIncludeDir()}`, ...sources, '-o', harness], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (cc.error || cc.status !== 0)
    throw new Error(`cc failed (run test/setup-machine.mjs): ${cc.error?.message ?? cc.stderr}`);
}, 70_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(frame: Uint8Array): { rc: number; segments: number; written: number } {
  const r = spawnSync(harness, {
    input: frame,
    encoding: 'utf8',
    timeout: 10_000,
    // Leaks are not what this looks for, and LeakSanitizer cannot run under every container's ptrace rules.
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' },
  });
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe(''); // a sanitizer report goes here
  expect(r.status).toBe(0);
  const [rc, segments, written] = r.stdout.trim().split(' ').map(Number);
  return { rc: rc!, segments: segments!, written: written! }; // the harness prints three numbers
}

describe('gso-split.c under AddressSanitizer', () => {
  for (const { name, frame, expect: want } of hostileCases()) {
    it(name, () => {
      const result = run(frame);
      if (want === 'EINVAL') expect(result.rc).toBe(-EINVAL);
      else expect(result).toEqual({ rc: 0, segments: want.segments, written: want.segments });
    });
  }
});
