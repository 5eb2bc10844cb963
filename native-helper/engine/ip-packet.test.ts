import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ipAddressSize,
  ipDestinationOffset,
  ipPacketLength,
  ipSourceOffset,
  ipVersion,
  ipv4HeaderLength,
} from './ip-packet.js';

function ipv4(total: number, ihl = 5, held = total, at = 0): Uint8Array {
  const buf = new Uint8Array(at + Math.max(held, 20));
  buf[at] = 0x40 | ihl;
  buf[at + 2] = total >>> 8;
  buf[at + 3] = total & 0xff;
  buf.set([10, 0, 0, 1], at + 12);
  buf.set([10, 0, 0, 2], at + 16);
  return buf;
}

function ipv6(payload: number, held = 40 + payload, at = 0): Uint8Array {
  const buf = new Uint8Array(at + Math.max(held, 40));
  buf[at] = 0x60;
  buf[at + 4] = payload >>> 8;
  buf[at + 5] = payload & 0xff;
  buf[at + 8] = 0xfd;
  buf[at + 23] = 1;
  buf[at + 24] = 0xfd;
  buf[at + 39] = 2;
  return buf;
}

describe('ipVersion', () => {
  it('recognises 4 and 6 only when the fixed header fits', () => {
    expect(ipVersion(ipv4(20), 0, 20)).toBe(4);
    expect(ipVersion(ipv4(20), 0, 19)).toBe(0);
    expect(ipVersion(ipv6(0), 0, 40)).toBe(6);
    expect(ipVersion(ipv6(0), 0, 39)).toBe(0);
    const other = ipv4(20);
    other[0] = 0x55;
    expect(ipVersion(other, 0, 20)).toBe(0);
  });
});

describe('ipPacketLength', () => {
  it('returns the IPv4 total length, ignoring trailing padding', () => {
    expect(ipPacketLength(ipv4(60, 5, 64), 0, 64)).toBe(60);
    expect(ipPacketLength(ipv4(20), 0, 20)).toBe(20);
  });

  it('rejects IPv4 lengths that lie', () => {
    expect(ipPacketLength(ipv4(65, 5, 64), 0, 64)).toBe(-1);
    expect(ipPacketLength(ipv4(19, 5, 20), 0, 20)).toBe(-1);
    expect(ipPacketLength(ipv4(40, 4, 40), 0, 40)).toBe(-1);
    expect(ipPacketLength(ipv4(40, 15, 40), 0, 40)).toBe(-1);
    expect(ipPacketLength(ipv4(60, 15, 60), 0, 60)).toBe(60);
  });

  it('returns the IPv6 header plus payload length', () => {
    expect(ipPacketLength(ipv6(0), 0, 40)).toBe(40);
    expect(ipPacketLength(ipv6(100, 150), 0, 150)).toBe(140);
    expect(ipPacketLength(ipv6(111, 150), 0, 150)).toBe(-1);
  });

  it('reads at an offset', () => {
    expect(ipPacketLength(ipv4(28, 5, 28, 9), 9, 28)).toBe(28);
    expect(ipPacketLength(ipv6(8, 48, 3), 3, 48)).toBe(48);
  });

  it('never claims more than it holds, nor less than a header, on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        const n = ipPacketLength(bytes, 0, bytes.length);
        if (n === -1) return;
        expect(n).toBeLessThanOrEqual(bytes.length);
        const version = bytes[0]! >>> 4;
        expect([4, 6]).toContain(version);
        expect(n).toBeGreaterThanOrEqual(version === 4 ? ipv4HeaderLength(bytes, 0) : 40);
        expect(n).toBeGreaterThanOrEqual(20);
      }),
    );
  });
});

describe('address positions', () => {
  it('points at the addresses', () => {
    const v4 = ipv4(20, 5, 20, 4);
    expect([...v4.subarray(ipSourceOffset(4, 4), ipSourceOffset(4, 4) + ipAddressSize(4))]).toEqual([10, 0, 0, 1]);
    expect(v4[ipDestinationOffset(4, 4) + 3]).toBe(2);
    const v6 = ipv6(0, 40, 2);
    expect(v6[ipSourceOffset(6, 2)]).toBe(0xfd);
    expect(v6[ipSourceOffset(6, 2) + ipAddressSize(6) - 1]).toBe(1);
    expect(v6[ipDestinationOffset(6, 2)]).toBe(0xfd);
    expect(v6[ipDestinationOffset(6, 2) + 15]).toBe(2);
  });
});
