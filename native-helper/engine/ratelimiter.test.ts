import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IpVersion } from './ip-packet.js';
import { Ratelimiter } from './ratelimiter.js';
import { parseIp } from './testing/ip-text.js';
import { createTwoDevices } from './testing/two-devices.js';

function allow(r: Ratelimiter, ip: string, nowMs: number): boolean {
  const p = parseIp(ip);
  return r.allow(p.family, p.bytes, 0, nowMs);
}

/** The kernel's timings test and wireguard-go's TestRatelimiter: burst, refill, and a two-packet burst. */
const EXPECTED: [boolean, number][] = [
  [true, 0],
  [true, 0],
  [true, 0],
  [true, 0],
  [true, 0],
  [false, 0],
  [true, 50],
  [false, 0],
  [true, 100],
  [true, 0],
  [false, 0],
];

describe('Ratelimiter', () => {
  it('follows the kernel timings for each of many sources independently', () => {
    const ips = [
      '127.0.0.1',
      '192.168.1.1',
      '172.167.2.3',
      '97.231.252.215',
      '2001:0db8:0a0b:12f0:0000:0000:0000:0001',
      'f5c2:818f:c052:655a:9860:b136:6894:25f0',
      'b2d7:15ab:48a7:b07c:a541:f144:a9fe:54fc',
    ];
    const r = new Ratelimiter();
    let now = 1_000;
    EXPECTED.forEach(([want, wait], i) => {
      now += wait;
      for (const ip of ips) expect(allow(r, ip, now), `step ${i} ${ip}`).toBe(want);
    });
  });

  it('does not let one source drain another', () => {
    const r = new Ratelimiter();
    for (let i = 0; i < 5; i++) expect(allow(r, '10.0.0.1', 0)).toBe(true);
    expect(allow(r, '10.0.0.1', 0)).toBe(false);
    expect(allow(r, '10.0.0.2', 0)).toBe(true);
  });

  it('keys IPv6 sources by their /64', () => {
    const r = new Ratelimiter();
    const results = Array.from({ length: 6 }, (_, i) => allow(r, `2001:db8:1:2:${i}::${i + 1}`, 0));
    expect(results).toEqual([true, true, true, true, true, false]);
    expect(allow(r, '2001:db8:1:3::1', 0)).toBe(true);
  });

  it('keeps IPv4 and IPv6 apart even when their leading bytes agree', () => {
    const r = new Ratelimiter();
    for (let i = 0; i < 5; i++) allow(r, '32.1.13.184', 0);
    expect(allow(r, '32.1.13.184', 0)).toBe(false);
    expect(allow(r, '2001:db8::', 0)).toBe(true);
  });

  it('caps the burst however long a source was idle', () => {
    const r = new Ratelimiter();
    allow(r, '10.0.0.1', 0);
    let allowed = 0;
    for (let i = 0; i < 10; i++) if (allow(r, '10.0.0.1', 900)) allowed++;
    expect(allowed).toBe(5);
  });

  it('survives a clock that steps backwards', () => {
    const r = new Ratelimiter();
    for (let i = 0; i < 5; i++) allow(r, '10.0.0.1', 10_000);
    expect(allow(r, '10.0.0.1', 5_000)).toBe(false);
    expect(allow(r, '10.0.0.1', 5_050)).toBe(true);
  });

  it('refuses new sources when full, and admits them again once idle entries expire (kernel capacity test)', () => {
    const r = new Ratelimiter({ capacity: 64 });
    const ip = new Uint8Array(4);
    for (let i = 0; i <= 64; i++) {
      new DataView(ip.buffer).setUint32(0, i);
      expect(r.allow(4, ip, 0, 0), `source ${i}`).toBe(i !== 64);
    }
    expect(r.size).toBe(64);
    expect(allow(r, '0.0.0.3', 500)).toBe(true);
    // entries idle for more than a second go at the next sweep; 0.0.0.3 was seen at 500 and stays
    expect(allow(r, '9.9.9.9', 1_001)).toBe(true);
    expect(r.size).toBe(2);
  });

  it('sweeps on its own at most once a second', () => {
    const r = new Ratelimiter();
    allow(r, '10.0.0.1', 0);
    allow(r, '10.0.0.2', 600);
    expect(r.size).toBe(2);
    // the sweep at 1100 drops 10.0.0.1 (idle 1100 ms) only
    allow(r, '10.0.0.3', 1_100);
    expect(r.size).toBe(2);
    // 10.0.0.2 has been idle over a second since 1600, but the next sweep is not due before 2100
    allow(r, '10.0.0.3', 2_000);
    expect(r.size).toBe(2);
    allow(r, '10.0.0.3', 2_200);
    expect(r.size).toBe(1);
  });

  it('tracks up to the kernel’s max_entries by default (8 x 8192), in a table that grows as sources come', () => {
    const r = new Ratelimiter({ seed: 7 });
    expect(r.capacity).toBe(65_536);
    expect(r.slots).toBe(16);
    const ip = new Uint8Array(4);
    const view = new DataView(ip.buffer);
    for (let i = 0; i < 65_536; i++) {
      view.setUint32(0, 0x0a000000 + i);
      if (!r.allow(4, ip, 0, 0)) throw new Error(`source ${i} refused`);
    }
    expect(r.size).toBe(65_536);
    expect(r.slots).toBe(131_072);
    view.setUint32(0, 0x0b000000);
    expect(r.allow(4, ip, 0, 0)).toBe(false);
    // Every source is still found after the table grew under it: each has spent one packet of its burst.
    for (const i of [0, 1, 4095, 65_535]) {
      view.setUint32(0, 0x0a000000 + i);
      for (let n = 0; n < 4; n++) expect(r.allow(4, ip, 0, 0)).toBe(true);
      expect(r.allow(4, ip, 0, 0)).toBe(false);
    }
    // A second later they are all idle and swept; the table keeps its size for the next flood.
    expect(allow(r, '10.255.255.255', 1_001)).toBe(true);
    expect(r.size).toBe(1);
  });

  it('is keyed per device: two devices hash the same sources differently', () => {
    const seeds = [createTwoDevices().a.device, createTwoDevices({ seed: 2 }).a.device].map(
      (device) => (device.ratelimiter as unknown as { seed: number }).seed,
    );
    expect(seeds[0]).not.toBe(seeds[1]);
    expect(seeds[0]).not.toBe(0x2545f491);
  });

  it('rejects a nonsensical capacity', () => {
    expect(() => new Ratelimiter({ capacity: 0 })).toThrow(RangeError);
    expect(() => new Ratelimiter({ capacity: 1.5 })).toThrow(RangeError);
  });

  it('clears', () => {
    const r = new Ratelimiter();
    for (let i = 0; i < 6; i++) allow(r, '10.0.0.1', 0);
    r.clear();
    expect(r.size).toBe(0);
    expect(allow(r, '10.0.0.1', 0)).toBe(true);
  });

  it('agrees with a Map-based model through collisions, deletions and a full table', () => {
    const source = fc.oneof(
      fc.tuple(
        fc.constant<IpVersion>(4),
        fc.constantFrom(...Array.from({ length: 24 }, (_, i) => [10, 0, i >> 3, i & 7])),
      ),
      fc.tuple(
        fc.constant<IpVersion>(6),
        fc.constantFrom(
          ...Array.from({ length: 8 }, (_, i) => [0x20, 1, 0xd, 0xb8, 0, 0, 0, i, ...new Array(8).fill(i)]),
        ),
      ),
    );
    // Mostly short waits, so that sweeps delete some entries from the middle of probe chains and keep others.
    const wait = fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 300 }) },
      { weight: 1, arbitrary: fc.integer({ min: 900, max: 1500 }) },
    );
    const step = fc.tuple(source, wait, fc.boolean());
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer(),
        fc.array(step, { maxLength: 500, size: 'max' }),
        (capacity, seed, steps) => {
          const r = new Ratelimiter({ capacity, seed });
          const model = new Map<string, { last: number; tokens: number }>();
          let lastSweep = -Infinity;
          let now = 0;
          for (const [[family, bytes], wait, explicitSweep] of steps) {
            now += wait;
            if (explicitSweep && wait > 0) {
              r.sweep(now);
              lastSweep = now;
              for (const [k, e] of model) if (now - e.last > 1000) model.delete(k);
            }
            if (now - lastSweep >= 1000) {
              lastSweep = now;
              for (const [k, e] of model) if (now - e.last > 1000) model.delete(k);
            }
            const key = `${family}:${bytes.slice(0, family === 4 ? 4 : 8).join('.')}`;
            let want: boolean;
            const e = model.get(key);
            if (e) {
              const tokens = Math.min(250, e.tokens + Math.max(0, now - e.last));
              e.last = now;
              want = tokens >= 50;
              e.tokens = want ? tokens - 50 : tokens;
            } else if (model.size >= capacity) {
              want = false;
            } else {
              model.set(key, { last: now, tokens: 200 });
              want = true;
            }
            expect(r.allow(family, Uint8Array.from(bytes), 0, now)).toBe(want);
            expect(r.size).toBe(model.size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
