// "The packet path allocates nothing per packet": two real devices behind DataPaths, traffic both ways and
// keepalives, measured in a child process (test/bench/allocation-probe.ts) whose young generation is large enough
// that no GC runs during a measurement, so the heap's growth is what the packets allocated. Run twice: with the
// optimizer's defaults, and with inlining off, where every call boundary is real and a number boxed to cross
// one shows up deterministically (a per-packet boxed double was 16 bytes a packet, ~2100 bytes a round).
// Failed before the fix at 24.7 (as usual) and 33.4 (no inlining) bytes a packet; about 0.4 and 1 since.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import type { AllocationResult } from '../../test/bench/allocation-probe.js';

const run = promisify(execFile);

/** Bytes a packet may leave on the heap: what is per batch (a timer deadline, a keepalive now and then) spread out. */
const MAX_BYTES_PER_PACKET = 4;

async function probe(v8Flags: string[]): Promise<AllocationResult> {
  const { stdout } = await run(
    process.execPath,
    [
      '--expose-gc',
      '--max-semi-space-size=64',
      '--min-semi-space-size=64',
      // Optimized code installed on this thread, as soon as it is ready: on a busy machine the background
      // compiler can otherwise deliver it in the middle of a measurement, whose first rounds then ran unoptimized
      // (the code is the same; only when it arrives changes).
      '--no-concurrent-recompilation',
      ...v8Flags,
      '--import',
      './test/netns/register-ts.mjs',
      'test/bench/allocation-probe.ts',
      '500',
    ],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as AllocationResult;
}

describe('DataPath allocation', () => {
  for (const [name, flags] of [
    ['optimized as usual', []],
    ['with inlining off', ['--no-turbo-inlining']],
  ] as const) {
    it(`allocates nothing per packet, ${name}`, async () => {
      const result = await probe([...flags]);
      expect(result.gcDuringMeasurement).toBe(false);
      // Traffic really flowed both ways through seal, send, receive, open and the TUN write.
      expect(result.delivered.a).toBeGreaterThan(100_000);
      expect(result.delivered.b).toBe(result.delivered.a);
      // Over N rounds and over 4N rounds alike: what is allocated does not grow with the packets.
      expect(result.bytesPerRoundShort / result.packetsPerRound).toBeLessThan(MAX_BYTES_PER_PACKET);
      expect(result.bytesPerRoundLong / result.packetsPerRound).toBeLessThan(MAX_BYTES_PER_PACKET);
    }, 90_000);
  }
});
