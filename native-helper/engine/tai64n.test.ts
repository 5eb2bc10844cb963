import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TAI64N_SIZE, tai64nIsAfter, writeTai64n, writeTai64nParts } from './tai64n.js';

function stamp(unixMs: number): Uint8Array {
  const out = new Uint8Array(TAI64N_SIZE);
  writeTai64n(out, 0, unixMs);
  return out;
}

function fields(ts: Uint8Array): { seconds: bigint; nanos: number } {
  const view = new DataView(ts.buffer, ts.byteOffset, ts.byteLength);
  return { seconds: view.getBigUint64(0, false), nanos: view.getUint32(8, false) };
}

describe('writeTai64n', () => {
  it('encodes the epoch as 2^62 + 10 seconds', () => {
    expect([...stamp(0)]).toEqual([0x40, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0]);
  });

  it('encodes seconds and whitened nanoseconds big-endian', () => {
    // 2020-01-01T00:00:00.123456789Z: 123456789 ns & ~0xffffff = 117440512 (0x07000000)
    const out = new Uint8Array(TAI64N_SIZE);
    writeTai64nParts(out, 0, 1_577_836_800, 123_456_789);
    expect(fields(out)).toEqual({ seconds: (1n << 62n) + 10n + 1_577_836_800n, nanos: 0x0700_0000 });
  });

  it('matches a bigint reference for any millisecond time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), (ms) => {
        const { seconds, nanos } = fields(stamp(ms));
        const secs = BigInt(Math.floor(ms / 1000));
        expect(seconds).toBe((1n << 62n) + 10n + secs);
        expect(nanos).toBe(((ms % 1000) * 1_000_000) & ~0xffffff);
        expect(nanos % 2 ** 24).toBe(0);
      }),
    );
  });

  it('carries seconds past 2^32 into the high word', () => {
    const out = new Uint8Array(TAI64N_SIZE);
    writeTai64nParts(out, 0, 2 ** 32 - 10, 0);
    expect(fields(out).seconds).toBe((1n << 62n) + (1n << 32n));
  });

  it('writes at an offset and leaves neighbours alone', () => {
    const out = new Uint8Array(16).fill(0xaa);
    writeTai64n(out, 2, 1_000);
    expect(out[0]).toBe(0xaa);
    expect(out[1]).toBe(0xaa);
    expect(out[14]).toBe(0xaa);
    expect(fields(out.subarray(2, 14)).seconds).toBe((1n << 62n) + 11n);
  });
});

describe('tai64nIsAfter (wireguard-go TestMonotonic)', () => {
  // 123456789 ns past the epoch: a nontrivial bit pattern
  const start = 123.456789;
  for (const [name, deltaMs, after] of [
    ['10 ns', 0.00001, false],
    ['10 us', 0.01, false],
    ['1 ms', 1, false],
    ['10 ms', 10, false],
    ['20 ms', 20, true],
  ] as const) {
    it(`after ${name}: ${after}`, () => {
      expect(tai64nIsAfter(stamp(start + deltaMs), 0, stamp(start), 0)).toBe(after);
    });
  }

  it('is strict, and orders by seconds before nanoseconds', () => {
    const a = stamp(5_000);
    expect(tai64nIsAfter(a, 0, a, 0)).toBe(false);
    expect(tai64nIsAfter(stamp(6_000), 0, stamp(5_999), 0)).toBe(true);
    expect(tai64nIsAfter(stamp(5_999), 0, stamp(6_000), 0)).toBe(false);
  });

  it('agrees with time order, never claiming an earlier time is later', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 }), (x, y) => {
        const later = tai64nIsAfter(stamp(x), 0, stamp(y), 0);
        if (later) expect(x).toBeGreaterThan(y);
        if (x - y >= 17) expect(later).toBe(true);
      }),
    );
  });

  it('compares at offsets', () => {
    const buf = new Uint8Array(30);
    writeTai64n(buf, 1, 10_000);
    writeTai64n(buf, 17, 20_000);
    expect(tai64nIsAfter(buf, 17, buf, 1)).toBe(true);
    expect(tai64nIsAfter(buf, 1, buf, 17)).toBe(false);
  });
});
