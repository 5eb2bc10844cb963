import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ICMP_REPLY_MAX_V4, ICMP_REPLY_MAX_V6, writeIcmpUnreachable } from './icmp.js';
import { parseIp } from './testing/ip-text.js';

/* An independent checker: sum every 16-bit word (checksum field included) with a BigInt and fold. */
function onesComplementSum(bytes: Uint8Array): number {
  let sum = 0n;
  for (let i = 0; i < bytes.length; i += 2) sum += BigInt((bytes[i]! << 8) | (bytes[i + 1] ?? 0));
  while (sum > 0xffffn) sum = (sum & 0xffffn) + (sum >> 16n);
  return Number(sum);
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const all = parts.flatMap((p) => [...p]);
  return Uint8Array.from(all);
}

function u16(n: number): number[] {
  return [n >>> 8, n & 0xff];
}

interface V4Options {
  src?: string;
  dst?: string;
  protocol?: number;
  payload?: Uint8Array;
  flags?: number;
  tos?: number;
  options?: number[];
}

function ipv4Packet(o: V4Options = {}): Uint8Array {
  const options = o.options ?? [];
  const headerLength = 20 + options.length;
  const payload = o.payload ?? Uint8Array.from({ length: 30 }, (_, i) => i);
  return concat(
    [0x40 | (headerLength / 4), o.tos ?? 0, ...u16(headerLength + payload.length), 0x12, 0x34, ...u16(o.flags ?? 0)],
    [63, o.protocol ?? 17, 0xab, 0xcd],
    parseIp(o.src ?? '10.0.0.2').bytes,
    parseIp(o.dst ?? '192.168.7.9').bytes,
    options,
    payload,
  );
}

function ipv6Packet(o: { src?: string; dst?: string; next?: number; payload?: Uint8Array } = {}): Uint8Array {
  const payload = o.payload ?? Uint8Array.from({ length: 30 }, (_, i) => 100 + i);
  return concat(
    [0x60, 0, 0, 0, ...u16(payload.length), o.next ?? 17, 64],
    parseIp(o.src ?? 'fd00::2').bytes,
    parseIp(o.dst ?? 'fd00:1::9').bytes,
    payload,
  );
}

function reply(packet: Uint8Array, outSize = 2000): Uint8Array {
  const out = new Uint8Array(outSize);
  const n = writeIcmpUnreachable(packet, 0, packet.length, out, 0);
  return out.subarray(0, n);
}

describe('ICMPv4 host unreachable', () => {
  it('answers a UDP packet: fields, addresses swapped, quote, checksums', () => {
    const packet = ipv4Packet({ tos: 0x1c });
    const r = reply(packet);
    expect(r.length).toBe(28 + packet.length);
    expect(r[0]).toBe(0x45);
    expect(r[1]).toBe(0xc0 | 0x1c);
    expect((r[2]! << 8) | r[3]!).toBe(r.length);
    expect(r[8]).toBe(64);
    expect(r[9]).toBe(1);
    expect([...r.subarray(12, 16)]).toEqual([192, 168, 7, 9]);
    expect([...r.subarray(16, 20)]).toEqual([10, 0, 0, 2]);
    expect(onesComplementSum(r.subarray(0, 20))).toBe(0xffff);
    expect(r[20]).toBe(3);
    expect(r[21]).toBe(1);
    expect([...r.subarray(24, 28)]).toEqual([0, 0, 0, 0]);
    expect(onesComplementSum(r.subarray(20))).toBe(0xffff);
    expect([...r.subarray(28)]).toEqual([...packet]);
  });

  it('quotes at most what keeps the reply within 576 bytes', () => {
    const packet = ipv4Packet({ payload: new Uint8Array(1380).fill(7) });
    const r = reply(packet);
    expect(r.length).toBe(ICMP_REPLY_MAX_V4);
    expect([...r.subarray(28)]).toEqual([...packet.subarray(0, 548)]);
    expect(onesComplementSum(r.subarray(20))).toBe(0xffff);
  });

  it('quotes IP options and all of a short packet', () => {
    const packet = ipv4Packet({ options: [1, 1, 1, 0], payload: new Uint8Array(0) });
    const r = reply(packet);
    expect(r.length).toBe(28 + 24);
    expect([...r.subarray(28)]).toEqual([...packet]);
  });

  it('quotes only the packet, not bytes past its total length', () => {
    const packet = concat(ipv4Packet(), [9, 9, 9, 9]);
    const r = reply(packet);
    expect(r.length).toBe(28 + packet.length - 4);
  });

  it('answers ICMP queries but never ICMP errors or unknown types', () => {
    const icmp = (type: number): Uint8Array =>
      ipv4Packet({ protocol: 1, payload: Uint8Array.of(type, 0, 0, 0, 0, 0, 0, 0) });
    for (const query of [0, 8, 13]) expect(reply(icmp(query)).length).toBeGreaterThan(0);
    for (const error of [3, 4, 5, 11, 12, 200]) expect(reply(icmp(error)).length).toBe(0);
    expect(reply(ipv4Packet({ protocol: 1, payload: new Uint8Array(0) })).length).toBe(0);
  });

  it('answers only the first fragment', () => {
    expect(reply(ipv4Packet({ flags: 0x2000 })).length).toBeGreaterThan(0);
    expect(reply(ipv4Packet({ flags: 0x4000 })).length).toBeGreaterThan(0);
    expect(reply(ipv4Packet({ flags: 0x2001 })).length).toBe(0);
    expect(reply(ipv4Packet({ flags: 0x0100 })).length).toBe(0);
  });

  it('never answers a source that is not one host', () => {
    for (const src of ['0.0.0.0', '0.1.2.3', '127.0.0.1', '224.0.0.1', '239.1.1.1', '240.0.0.1', '255.255.255.255']) {
      expect(reply(ipv4Packet({ src })).length, src).toBe(0);
    }
  });

  it('never answers a packet to a multicast or broadcast destination', () => {
    for (const dst of ['224.0.0.251', '239.255.255.250', '255.255.255.255']) {
      expect(reply(ipv4Packet({ dst })).length, dst).toBe(0);
    }
  });

  it('ignores damaged packets', () => {
    const packet = ipv4Packet();
    expect(writeIcmpUnreachable(packet, 0, packet.length - 1, new Uint8Array(600), 0)).toBe(0);
    expect(writeIcmpUnreachable(new Uint8Array(20), 0, 20, new Uint8Array(600), 0)).toBe(0);
  });
});

describe('ICMPv6 address unreachable', () => {
  function verifyIcmpv6(r: Uint8Array): void {
    const upper = r.subarray(40);
    const pseudo = concat(r.subarray(8, 40), [0, 0, ...u16(upper.length), 0, 0, 0, 58], upper);
    expect(onesComplementSum(pseudo)).toBe(0xffff);
  }

  it('answers a UDP packet: fields, addresses swapped, quote, checksum', () => {
    const packet = ipv6Packet();
    const r = reply(packet);
    expect(r.length).toBe(48 + packet.length);
    expect([...r.subarray(0, 4)]).toEqual([0x60, 0, 0, 0]);
    expect((r[4]! << 8) | r[5]!).toBe(8 + packet.length);
    expect(r[6]).toBe(58);
    expect(r[7]).toBe(64);
    expect([...r.subarray(8, 24)]).toEqual([...parseIp('fd00:1::9').bytes]);
    expect([...r.subarray(24, 40)]).toEqual([...parseIp('fd00::2').bytes]);
    expect(r[40]).toBe(1);
    expect(r[41]).toBe(3);
    expect([...r.subarray(44, 48)]).toEqual([0, 0, 0, 0]);
    expect([...r.subarray(48)]).toEqual([...packet]);
    verifyIcmpv6(r);
  });

  it('quotes at most what keeps the reply within 1280 bytes', () => {
    const packet = ipv6Packet({ payload: new Uint8Array(1400).fill(3) });
    const r = reply(packet);
    expect(r.length).toBe(ICMP_REPLY_MAX_V6);
    expect([...r.subarray(48)]).toEqual([...packet.subarray(0, 1232)]);
    verifyIcmpv6(r);
  });

  it('answers ICMPv6 informational messages, never errors', () => {
    const icmp = (type: number): Uint8Array =>
      ipv6Packet({ next: 58, payload: Uint8Array.of(type, 0, 0, 0, 0, 0, 0, 0) });
    expect(reply(icmp(128)).length).toBeGreaterThan(0);
    expect(reply(icmp(129)).length).toBeGreaterThan(0);
    for (const error of [1, 2, 3, 4, 127]) expect(reply(icmp(error)).length).toBe(0);
    expect(reply(ipv6Packet({ next: 58, payload: new Uint8Array(0) })).length).toBe(0);
  });

  it('looks through extension headers for an ICMPv6 error', () => {
    const hopByHop = (next: number): number[] => [next, 0, 1, 4, 0, 0, 0, 0];
    const error = Uint8Array.of(...hopByHop(60), 58, 0, 1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
    expect(reply(ipv6Packet({ next: 0, payload: error })).length).toBe(0);
    const echo = Uint8Array.of(...hopByHop(58), 128, 0, 0, 0, 0, 0, 0, 0);
    expect(reply(ipv6Packet({ next: 0, payload: echo })).length).toBeGreaterThan(0);
    const truncated = Uint8Array.of(58, 1, 0, 0, 0, 0, 0, 0);
    expect(reply(ipv6Packet({ next: 0, payload: truncated })).length).toBe(0);
  });

  it('treats later fragments by what they may hold', () => {
    const fragment = (next: number, offset: number): Uint8Array =>
      Uint8Array.of(next, 0, ...u16(offset << 3), 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0);
    expect(reply(ipv6Packet({ next: 44, payload: fragment(17, 100) })).length).toBeGreaterThan(0);
    expect(reply(ipv6Packet({ next: 44, payload: fragment(58, 100) })).length).toBe(0);
    // a first fragment carries the ICMPv6 header: 0xaa is informational
    expect(reply(ipv6Packet({ next: 44, payload: fragment(58, 0) })).length).toBeGreaterThan(0);
  });

  it('never answers an unspecified or multicast source, nor a multicast destination', () => {
    expect(reply(ipv6Packet({ src: '::' })).length).toBe(0);
    expect(reply(ipv6Packet({ src: 'ff02::1' })).length).toBe(0);
    expect(reply(ipv6Packet({ dst: 'ff02::fb' })).length).toBe(0);
    expect(reply(ipv6Packet({ src: 'fe80::1' })).length).toBeGreaterThan(0);
  });
});

describe('output buffer', () => {
  it('writes at an offset', () => {
    const packet = ipv4Packet();
    const out = new Uint8Array(700).fill(0xee);
    const n = writeIcmpUnreachable(packet, 0, packet.length, out, 100);
    expect(n).toBe(28 + packet.length);
    expect(out[99]).toBe(0xee);
    expect(out[100 + n]).toBe(0xee);
    expect(out[100]).toBe(0x45);
  });

  it('reads the packet at an offset', () => {
    const packet = ipv6Packet();
    const framed = concat([1, 2, 3], packet);
    const out = new Uint8Array(1280);
    expect(writeIcmpUnreachable(framed, 3, packet.length, out, 0)).toBe(48 + packet.length);
    expect([...out.subarray(48, 48 + packet.length)]).toEqual([...packet]);
  });

  it('quotes less when the buffer is smaller, but refuses below header + 8 bytes', () => {
    const packet = ipv4Packet({ payload: new Uint8Array(100) });
    expect(writeIcmpUnreachable(packet, 0, packet.length, new Uint8Array(60), 0)).toBe(60);
    expect(writeIcmpUnreachable(packet, 0, packet.length, new Uint8Array(56), 0)).toBe(56);
    expect(writeIcmpUnreachable(packet, 0, packet.length, new Uint8Array(55), 0)).toBe(0);
  });

  it('refuses to overwrite the packet it quotes', () => {
    const buf = new Uint8Array(2000);
    const packet = ipv4Packet();
    buf.set(packet, 0);
    expect(() => writeIcmpUnreachable(buf, 0, packet.length, buf, 10)).toThrow(RangeError);
    expect(writeIcmpUnreachable(buf, 0, packet.length, buf, 1000)).toBe(28 + packet.length);
  });
});

describe('any unicast packet', () => {
  it('gets a well-formed reply of bounded size with valid checksums', () => {
    const v4 = fc
      .tuple(fc.integer({ min: 1, max: 223 }), fc.uint8Array({ minLength: 3, maxLength: 3 }), fc.nat(1500))
      .filter(([first]) => first !== 127)
      .map(([first, rest, size]) =>
        ipv4Packet({ src: [first, ...rest].join('.'), payload: new Uint8Array(size).fill(size & 0xff) }),
      );
    fc.assert(
      fc.property(v4, (packet) => {
        const r = reply(packet);
        expect(r.length).toBe(Math.min(576, 28 + packet.length));
        expect(onesComplementSum(r.subarray(0, 20))).toBe(0xffff);
        expect(onesComplementSum(r.subarray(20))).toBe(0xffff);
      }),
    );
  });
});
