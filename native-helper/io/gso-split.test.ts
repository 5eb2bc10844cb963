// The addon's segmentation of virtio-net super-packets (gso-split.c), fed crafted frames: every segment must be
// a valid packet (lengths, IPv4 id and header checksum, TCP/UDP checksum), TCP sequence numbers and flags as
// the kernel's own GSO sets them, and the payloads must add up to the original.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPacket, onesSum } from '../../test/netns/packets.js';
import { loadAddon } from './addon.js';
import { hostileCases } from './testing/gso-frames.js';

const GSO_NONE = 0;
const GSO_TCPV4 = 1;
const GSO_TCPV6 = 4;
const GSO_UDP_L4 = 5;
const NEEDS_CSUM = 1;
const TCP_FIN = 0x01;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const TCP_CWR = 0x80;

interface Frame {
  version: 4 | 6;
  proto: 'tcp' | 'udp';
  payload: Uint8Array;
  gsoSize: number;
  gsoType?: number;
  tcpOptions?: number;
  flags?: number;
}

function vnetHeader(
  view: DataView,
  flags: number,
  gsoType: number,
  gsoSize: number,
  csumStart: number,
  csumOffset: number,
): void {
  // Legacy virtio header, host byte order (little-endian here).
  view.setUint8(0, flags);
  view.setUint8(1, gsoType);
  view.setUint16(2, 0, true); // hdr_len: the addon reads the header length from the packet instead
  view.setUint16(4, gsoSize, true);
  view.setUint16(6, csumStart, true);
  view.setUint16(8, csumOffset, true);
}

/** A vnet header plus one super-packet, with the pseudo-header sum in the checksum field as the kernel leaves it. */
function buildFrame(f: Frame): Uint8Array {
  const ipLength = f.version === 4 ? 20 : 40;
  const l4Length = f.proto === 'tcp' ? 20 + (f.tcpOptions ?? 0) : 8;
  const packetLength = ipLength + l4Length + f.payload.length;
  const frame = new Uint8Array(10 + packetLength);
  const view = new DataView(frame.buffer);
  const gsoType = f.gsoType ?? (f.proto === 'udp' ? GSO_UDP_L4 : f.version === 4 ? GSO_TCPV4 : GSO_TCPV6);
  vnetHeader(view, NEEDS_CSUM, gsoType, f.gsoSize, ipLength, f.proto === 'tcp' ? 16 : 6);
  const p = frame.subarray(10);
  const pv = new DataView(p.buffer, p.byteOffset);
  const proto = f.proto === 'tcp' ? 6 : 17;
  if (f.version === 4) {
    pv.setUint8(0, 0x45);
    pv.setUint16(2, packetLength);
    pv.setUint16(4, 0xfff0); // id: wraps while segments are numbered
    pv.setUint16(6, 0x4000);
    pv.setUint8(8, 64);
    pv.setUint8(9, proto);
    p.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
    pv.setUint16(10, ~onesSum(p, 0, 20) & 0xffff);
  } else {
    pv.setUint32(0, 0x60000000);
    pv.setUint16(4, packetLength - 40);
    pv.setUint8(6, proto);
    pv.setUint8(7, 64);
    p.set([0xfd, 0, 0, 0x7b, ...new Array<number>(11).fill(0), 1], 8);
    p.set([0xfd, 0, 0, 0x7b, ...new Array<number>(11).fill(0), 2], 24);
  }
  const l4 = ipLength;
  pv.setUint16(l4, 40000);
  pv.setUint16(l4 + 2, 51820);
  if (f.proto === 'tcp') {
    pv.setUint32(l4 + 4, 0xfffff000); // seq: wraps while segments are numbered
    pv.setUint32(l4 + 8, 77);
    pv.setUint8(l4 + 12, (l4Length / 4) << 4);
    pv.setUint8(l4 + 13, f.flags ?? TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR);
    pv.setUint16(l4 + 14, 512);
    for (let i = 20; i < l4Length; i++) p[l4 + i] = 1; // NOPs
  } else {
    pv.setUint16(l4 + 4, l4Length + f.payload.length);
  }
  p.set(f.payload, ipLength + l4Length);
  const [from, to] = f.version === 4 ? [12, 20] : [8, 40];
  pv.setUint16(l4 + (f.proto === 'tcp' ? 16 : 6), onesSum(p, from, to, proto + l4Length + f.payload.length));
  return frame;
}

function split(frame: Uint8Array, headroom = 16, tailroom = 32) {
  const out = { buffer: new Uint8Array(256 << 10), offsets: new Uint32Array(1024), lengths: new Uint32Array(1024) };
  const count = loadAddon().gsoSplit(frame, headroom, tailroom, out);
  return Array.from({ length: count }, (_, i) => ({
    offset: out.offsets[i]!,
    packet: out.buffer.slice(out.offsets[i]!, out.offsets[i]! + out.lengths[i]!),
  }));
}

function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
}

describe('gsoSplit', () => {
  it('splits an IPv4 TCP super-packet as the kernel would', () => {
    const payload = pattern(3500);
    const segments = split(buildFrame({ version: 4, proto: 'tcp', payload, gsoSize: 1000, tcpOptions: 12 }));
    expect(segments.map((s) => s.packet.length)).toEqual([1052, 1052, 1052, 552]);
    segments.forEach(({ packet }, i) => {
      expect(checkPacket(packet)).toBeNull();
      const v = new DataView(packet.buffer);
      expect(v.getUint16(4)).toBe((0xfff0 + i) & 0xffff);
      expect(v.getUint32(24)).toBe((0xfffff000 + i * 1000) >>> 0);
      const flags = packet[33]!;
      expect(flags & TCP_ACK).toBe(TCP_ACK);
      expect((flags & (TCP_FIN | TCP_PSH)) !== 0).toBe(i === 3);
      expect((flags & TCP_CWR) !== 0).toBe(i === 0);
    });
    const joined = Buffer.concat(segments.map((s) => s.packet.subarray(52)));
    expect(joined.equals(Buffer.from(payload))).toBe(true);
  });

  it('splits IPv6 TCP and IPv4/IPv6 UDP (USO)', () => {
    for (const [version, proto] of [
      [6, 'tcp'],
      [4, 'udp'],
      [6, 'udp'],
    ] as const) {
      const payload = pattern(4000);
      const segments = split(buildFrame({ version, proto, payload, gsoSize: 1200 }));
      expect(segments).toHaveLength(4);
      for (const { packet } of segments) expect(checkPacket(packet)).toBeNull();
      const header = (version === 4 ? 20 : 40) + (proto === 'tcp' ? 20 : 8);
      expect(Buffer.concat(segments.map((s) => s.packet.subarray(header))).equals(Buffer.from(payload))).toBe(true);
    }
  });

  it('leaves headroom and tailroom around 16-byte-aligned packets', () => {
    const segments = split(buildFrame({ version: 4, proto: 'udp', payload: pattern(5000), gsoSize: 1000 }), 16, 32);
    let end = 0;
    for (const { offset, packet } of segments) {
      expect(offset % 16).toBe(0);
      expect(offset - end).toBeGreaterThanOrEqual(16 + (end === 0 ? 0 : 32));
      end = offset + packet.length;
    }
  });

  it('finishes a partial checksum on a single packet (NEEDS_CSUM, no GSO)', () => {
    const frame = buildFrame({ version: 4, proto: 'udp', payload: pattern(333), gsoSize: 0, gsoType: GSO_NONE });
    const [only, ...rest] = split(frame);
    expect(rest).toHaveLength(0);
    expect(only!.packet.length).toBe(frame.length - 10);
    expect(checkPacket(only!.packet)).toBeNull();
  });

  it('refuses frames it cannot trust, by errno name', () => {
    const wrongVersion = buildFrame({
      version: 6,
      proto: 'tcp',
      payload: pattern(3000),
      gsoSize: 1000,
      gsoType: GSO_TCPV4,
    });
    expect(() => split(wrongVersion)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'gsoSplit' }));
    const noSize = buildFrame({ version: 4, proto: 'tcp', payload: pattern(3000), gsoSize: 0 });
    expect(() => split(noSize)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const ufo = buildFrame({ version: 4, proto: 'udp', payload: pattern(3000), gsoSize: 1000, gsoType: 3 });
    expect(() => split(ufo)).toThrow(expect.objectContaining({ code: 'EPROTONOSUPPORT' }));
    const big = buildFrame({ version: 4, proto: 'tcp', payload: pattern(60000), gsoSize: 100 });
    const small = { buffer: new Uint8Array(4096), offsets: new Uint32Array(8), lengths: new Uint32Array(8) };
    expect(() => loadAddon().gsoSplit(big, 16, 32, small)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
  });

  it('refuses hostile header fields (csum_start, data offset, gso_size at their limits) without touching memory outside', () => {
    // gso-split-asan.test.ts runs the same frames through the C code under AddressSanitizer.
    for (const { name, frame, expect: want } of hostileCases()) {
      if (want === 'EINVAL') {
        expect(() => split(frame), name).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'gsoSplit' }));
      } else {
        expect(split(frame), name).toHaveLength(want.segments);
      }
    }
  });

  it('produces valid segments that add up, for any size', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<4 | 6>(4, 6),
        fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
        fc.integer({ min: 0, max: 20000 }),
        fc.integer({ min: 64, max: 1460 }),
        (version, proto, length, gsoSize) => {
          const payload = pattern(length);
          const segments = split(buildFrame({ version, proto, payload, gsoSize }));
          const header = (version === 4 ? 20 : 40) + (proto === 'tcp' ? 20 : 8);
          expect(segments).toHaveLength(Math.max(1, Math.ceil(length / gsoSize)));
          for (const { packet } of segments) {
            expect(checkPacket(packet)).toBeNull();
            expect(packet.length).toBeLessThanOrEqual(header + gsoSize);
          }
          expect(Buffer.concat(segments.map((s) => s.packet.subarray(header))).equals(Buffer.from(payload))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
