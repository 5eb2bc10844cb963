// The addon's Internet checksum (checksum.c), which sums words as the machine loads them rather than byte by
// byte, against the definition: its harness (native-helper/addon/test/checksum-harness.c) tries every length to
// 2100 bytes at every alignment, whole and in two parts, and prints the first case that differs. Built three
// ways, because each takes a different path through the code: under AddressSanitizer and UBSan (every buffer is
// exactly its data, so a read past the end is reported), optimised as the addon is, and (on x86-64) without
// SSE2, which takes the portable loop other machines run.
import { spawnSync } from 'node:child_process';
import { arch } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADDON_SRC, ADDON_TEST, HarnessBuilds, SANITIZE, SANITIZER_ENV } from './testing/c-harness.js';

const builds = new HarnessBuilds();
afterAll(() => builds.dispose());

const WAYS: [string, string[]][] = [
  ['under AddressSanitizer and UBSan', SANITIZE],
  ['optimised as the addon is (-O2)', ['-O2']],
  ...(arch() === 'x64'
    ? ([['in portable C (x86-64 without SSE2)', ['-O2', '-mno-sse2']]] as [string, string[]][])
    : []),
];

describe('checksum.c against RFC 1071', () => {
  it.each(WAYS)(
    '%s',
    (name, flags) => {
      const sources = [join(ADDON_TEST, 'checksum-harness.c'), join(ADDON_SRC, 'checksum.c')];
      const harness = builds.build(name.replace(/\W+/g, '-'), sources, flags);
      const r = spawnSync(harness, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...SANITIZER_ENV } });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('ok 201696\n'); // 2 fills x 2101 lengths x 16 alignments x 3 ways of summing
      expect(r.status).toBe(0);
    },
    70_000,
  );
});
