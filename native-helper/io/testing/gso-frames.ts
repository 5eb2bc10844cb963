// Hostile frames for the addon's segmentation (gso-split.c), as one read from a TUN opened with IFF_VNET_HDR
// returns them (a virtio_net_hdr, then a packet): header fields (csum_start, gso_size, the TCP data offset) at
// and past their limits, which once made its 16-bit header-length arithmetic wrap. gso-split.test.ts runs them
// through the addon, gso-split-asan.test.ts through the C code under AddressSanitizer.

const GSO_NONE = 0;
const GSO_TCPV4 = 1;
const GSO_TCPV6 = 4;
const GSO_UDP_L4 = 5;
const NEEDS_CSUM = 1;

export interface VnetHeader {
  flags: number;
  gsoType: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
}

/** The vnet header h in front of packet. Legacy virtio header, host byte order (little-endian here); hdr_len is
 * left 0, as the addon reads the header length from the packet instead. */
export function rawFrame(h: VnetHeader, packet: Uint8Array): Uint8Array {
  const frame = new Uint8Array(10 + packet.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, h.flags);
  view.setUint8(1, h.gsoType);
  view.setUint16(4, h.gsoSize, true);
  view.setUint16(6, h.csumStart, true);
  view.setUint16(8, h.csumOffset, true);
  frame.set(packet, 10);
  return frame;
}

function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
}

/** A packet of length bytes with only what the parser reads set: the IP version (IHL 5), the protocol, and a
 * TCP data offset of dataOffsetWords * 4 in the TCP header at tcp.at when given. */
function skeleton(
  version: 4 | 6,
  proto: 'tcp' | 'udp',
  length: number,
  tcp?: { at: number; dataOffsetWords: number },
): Uint8Array {
  const p = pattern(length);
  p[0] = version === 4 ? 0x45 : 0x60;
  p[version === 4 ? 9 : 6] = proto === 'tcp' ? 6 : 17;
  if (tcp) p[tcp.at + 12] = tcp.dataOffsetWords << 4;
  return p;
}

export interface HostileCase {
  name: string;
  frame: Uint8Array;
  /** 'EINVAL', or the segments a frame that is merely unusual (but valid) splits into. */
  expect: 'EINVAL' | { segments: number };
}

const gso = (gsoType: number, gsoSize: number, csumStart: number, csumOffset = 0): VnetHeader => ({
  flags: NEEDS_CSUM,
  gsoType,
  gsoSize,
  csumStart,
  csumOffset,
});

/** Frames whose header fields sit at or just past the limits; a TUN read is at most 65535 bytes of packet, but
 * gsoSplit takes any length, so a few go beyond. */
export function hostileCases(): HostileCase[] {
  return [
    {
      name: 'an ordinary TCP super-packet (5000 bytes in segments of 1200), for a baseline',
      frame: rawFrame(gso(GSO_TCPV6, 1200, 40), skeleton(6, 'tcp', 5060, { at: 40, dataOffsetWords: 5 })),
      expect: { segments: 5 },
    },
    {
      name: 'UDP, csum_start 65530 (csum_start + 8 wraps to 2 in 16 bits)',
      frame: rawFrame(gso(GSO_UDP_L4, 1000, 65530), skeleton(6, 'udp', 65535)),
      expect: 'EINVAL',
    },
    {
      name: 'UDP, csum_start 65535',
      frame: rawFrame(gso(GSO_UDP_L4, 1000, 65535), skeleton(6, 'udp', 65535)),
      expect: 'EINVAL',
    },
    {
      name: 'TCP, csum_start 65510 and data offset 15 in a full TUN read (the header length wraps to 34)',
      frame: rawFrame(gso(GSO_TCPV6, 1000, 65510), skeleton(6, 'tcp', 65535, { at: 65510, dataOffsetWords: 15 })),
      expect: 'EINVAL',
    },
    {
      name: 'TCP, csum_start 65530 and data offset 15, longer than a TUN read',
      frame: rawFrame(gso(GSO_TCPV6, 1000, 65530), skeleton(6, 'tcp', 65600, { at: 65530, dataOffsetWords: 15 })),
      expect: 'EINVAL',
    },
    {
      name: 'TCP, csum_start 65535',
      frame: rawFrame(gso(GSO_TCPV6, 1000, 65535), skeleton(6, 'tcp', 65535)),
      expect: 'EINVAL',
    },
    {
      name: 'TCP, data offset 15, one byte short of the 80-byte header',
      frame: rawFrame(gso(GSO_TCPV4, 100, 20), skeleton(4, 'tcp', 79, { at: 20, dataOffsetWords: 15 })),
      expect: 'EINVAL',
    },
    {
      name: 'TCP, data offset 15, exactly the 80-byte header',
      frame: rawFrame(gso(GSO_TCPV4, 100, 20), skeleton(4, 'tcp', 80, { at: 20, dataOffsetWords: 15 })),
      expect: { segments: 1 },
    },
    {
      name: 'TCP, data offset 15, one byte of payload',
      frame: rawFrame(gso(GSO_TCPV4, 100, 20), skeleton(4, 'tcp', 81, { at: 20, dataOffsetWords: 15 })),
      expect: { segments: 1 },
    },
    {
      name: 'TCP, data offset below 5',
      frame: rawFrame(gso(GSO_TCPV4, 100, 20), skeleton(4, 'tcp', 200, { at: 20, dataOffsetWords: 4 })),
      expect: 'EINVAL',
    },
    {
      name: 'UDP, one byte short of the 28-byte header',
      frame: rawFrame(gso(GSO_UDP_L4, 100, 20), skeleton(4, 'udp', 27)),
      expect: 'EINVAL',
    },
    {
      name: 'UDP, exactly the 28-byte header',
      frame: rawFrame(gso(GSO_UDP_L4, 100, 20), skeleton(4, 'udp', 28)),
      expect: { segments: 1 },
    },
    {
      name: 'gso_size 0',
      frame: rawFrame(gso(GSO_UDP_L4, 0, 20), skeleton(4, 'udp', 1000)),
      expect: 'EINVAL',
    },
    {
      name: 'gso_size 1',
      frame: rawFrame(gso(GSO_UDP_L4, 1, 20), skeleton(4, 'udp', 128)),
      expect: { segments: 100 },
    },
    {
      name: 'gso_size 65535 over a longer packet (a segment longer than an IP length can say)',
      frame: rawFrame(gso(GSO_UDP_L4, 65535, 40), skeleton(6, 'udp', 70000)),
      expect: 'EINVAL',
    },
    {
      name: 'no GSO, partial checksum at csum_start 65530 + csum_offset 65535',
      frame: rawFrame(gso(GSO_NONE, 0, 65530, 65535), skeleton(6, 'udp', 65535)),
      expect: 'EINVAL',
    },
    {
      name: 'no GSO, partial checksum field ending exactly at the end',
      frame: rawFrame(gso(GSO_NONE, 0, 40, 6), skeleton(6, 'udp', 48)),
      expect: { segments: 1 },
    },
    {
      name: 'a vnet header and no packet',
      frame: rawFrame(gso(GSO_UDP_L4, 100, 20), new Uint8Array(0)),
      expect: 'EINVAL',
    },
  ];
}
