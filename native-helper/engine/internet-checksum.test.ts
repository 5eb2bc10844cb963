import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksumAdd, checksumFinish, internetChecksum } from './internet-checksum.js';

describe('internetChecksum', () => {
  it('matches the RFC 1071 example', () => {
    // words 0001 f203 f4f5 f6f7 sum to 0x2ddf0, fold to 0xddf2, complement 0x220d
    expect(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7), 0, 8)).toBe(0x220d);
  });

  it('computes a known IPv4 header checksum', () => {
    const header = Uint8Array.from(
      '450000730000400040110000c0a80001c0a800c7'.match(/../g)!.map((h) => parseInt(h, 16)),
    );
    expect(internetChecksum(header, 0, 20)).toBe(0xb861);
  });

  it('pads an odd final byte with zero, and honours the offset', () => {
    expect(internetChecksum(Uint8Array.of(0xff, 0x12, 0x34, 0x56), 1, 3)).toBe(~(0x1234 + 0x5600) & 0xffff);
  });

  it('sums in pieces as in one go, and verifies to zero once stored', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 3000, size: 'max' }), fc.nat(), (bytes, cut) => {
        const even = (cut % bytes.length) & ~1;
        const whole = internetChecksum(bytes, 0, bytes.length);
        const pieces = checksumFinish(checksumAdd(checksumAdd(0, bytes, 0, even), bytes, even, bytes.length - even));
        expect(pieces).toBe(whole);
        const withSum = new Uint8Array(bytes.length + (bytes.length & 1) + 2);
        withSum.set(bytes);
        withSum[withSum.length - 2] = whole >>> 8;
        withSum[withSum.length - 1] = whole & 0xff;
        expect(internetChecksum(withSum, 0, withSum.length)).toBe(0);
      }),
    );
  });
});
