// The boot-time clock against what the kernel says of the same clock (/proc/uptime is CLOCK_BOOTTIME in
// centiseconds), and against CLOCK_MONOTONIC, which it can only lead, by the machine's time asleep.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAddon } from './addon.js';
import { bootTime } from './boot-clock.js';
import { MemoryIo } from './memory-io.js';

const uptimeMs = (): number => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;

describe('bootTime', () => {
  it('is the kernel’s boot time in milliseconds, time asleep included', () => {
    const before = uptimeMs();
    const now = bootTime();
    const after = uptimeMs();
    // /proc/uptime is rounded down to 10 ms.
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThan(after + 10);
    // Never behind CLOCK_MONOTONIC (process.hrtime, also counted from boot on Linux): the difference is the time
    // this machine slept.
    const monotonic = Number(process.hrtime.bigint()) / 1e6;
    expect(bootTime()).toBeGreaterThanOrEqual(monotonic);
  });

  it('never goes back, and moves with real time', async () => {
    const first = bootTime();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = bootTime();
    expect(second - first).toBeGreaterThanOrEqual(29);
    expect(second - first).toBeLessThan(2000);
    let last = second;
    for (let i = 0; i < 1000; i++) {
      const t = bootTime();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
  });

  it('refuses anything but a Float64Array to write into', () => {
    const native = loadAddon();
    expect(() => native.clockBoottime(new Uint8Array(8) as unknown as Float64Array)).toThrow(TypeError);
    expect(() => native.clockBoottime(new Float64Array(0))).toThrow(TypeError);
  });
});

describe('MemoryIo clock', () => {
  it('jumps by the time asleep a test makes pass, and refuses a negative one', () => {
    const io = new MemoryIo();
    const before = io.clock();
    io.passTimeAsleep(8 * 3_600_000);
    expect(io.clock() - before).toBeGreaterThanOrEqual(8 * 3_600_000);
    expect(io.clock() - before).toBeLessThan(8 * 3_600_000 + 1000);
    expect(() => io.passTimeAsleep(-1)).toThrow(RangeError);
  });
});
