// The addon's segmentation (gso-split.c) under AddressSanitizer and UBSan: a small harness
// (native-helper/addon/test/gso-split-harness.c) runs one frame through parse, cost and split with every buffer
// sized exactly, so hostile header fields that reach outside the frame or the slot are reported, not silently
// absorbed by a large neighbour as in the addon itself. Needs a C compiler (test/setup-machine.mjs installs gcc).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_SRC, ADDON_TEST, HarnessBuilds, SANITIZE, SANITIZER_ENV, nodeIncludeDir } from './testing/c-harness.js';
import { hostileCases } from './testing/gso-frames.js';

const EINVAL = 22;
const builds = new HarnessBuilds();
let harness = '';

beforeAll(() => {
  const sources = [
    join(ADDON_TEST, 'gso-split-harness.c'),
    join(ADDON_SRC, 'gso-split.c'),
    join(ADDON_SRC, 'checksum.c'),
  ];
  harness = builds.build('gso-split', sources, [...SANITIZE, `-I${nodeIncludeDir()}`]);
}, 70_000);

afterAll(() => builds.dispose());

function run(frame: Uint8Array): { rc: number; segments: number; written: number } {
  const r = spawnSync(harness, {
    input: frame,
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, ...SANITIZER_ENV },
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
