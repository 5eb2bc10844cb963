/*
 * "Destination unreachable" for a packet the device cannot send: no peer's allowed IPs match its destination,
 * or the peer has no endpoint. The kernel answers both with ICMP_HOST_UNREACH (type 3 code 1) and
 * ICMPV6_ADDR_UNREACH (type 1 code 3) through icmp_ndo_send (device.c, wg_xmit); a userspace device has to build
 * the reply itself and write it back to the TUN. The reply comes from the unreachable destination and goes to
 * the packet's source. (The kernel's comes from the interface's own address; ours cannot: it is received on the
 * TUN, and a received packet whose source is a local address is a martian, dropped unless accept_local is set.
 * The unreachable destination, which ping then names, is true and not local.) It quotes as much of the packet as
 * the RFCs allow: an IPv4 reply stays within 576 bytes (RFC 1812 4.3.2.3), an IPv6 reply within the minimum MTU
 * of 1280 (RFC 4443 2.4 c).
 *
 * No reply is built (0 is returned) when the RFCs forbid one (RFC 1122 3.2.2, RFC 4443 2.4 e): the packet is an
 * ICMP error itself, or an IPv4 fragment other than the first, or its source is not one host (unspecified,
 * loopback, multicast, broadcast, class E), or its destination is multicast or broadcast. Where the packet is
 * too damaged to tell (a truncated header chain), we stay silent too: a missing courtesy is harmless, an error
 * answering an error is not.
 */

import { checksumAdd, checksumFinish } from './internet-checksum.js';
import { IPV6_HEADER_SIZE, ipPacketLength, ipVersion, ipv4HeaderLength } from './ip-packet.js';

export const ICMP_DEST_UNREACH = 3;
export const ICMP_HOST_UNREACH = 1;
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_ADDR_UNREACH = 3;

/** Largest reply of each family: make `out` this big to quote as much as the RFCs allow. */
export const ICMP_REPLY_MAX_V4 = 576;
export const ICMP_REPLY_MAX_V6 = 1280;

const ICMP_HEADER_SIZE = 8;
const IPV4_REPLY_HEADERS = 20 + ICMP_HEADER_SIZE;
const IPV6_REPLY_HEADERS = IPV6_HEADER_SIZE + ICMP_HEADER_SIZE;
const PROTO_ICMP = 1;
const PROTO_ICMPV6 = 58;
const REPLY_TTL = 64;

/** ICMPv4 types that are queries or answers, never errors; anything else (errors, unassigned) gets no reply. */
const ICMP_INFORMATIONAL = new Uint8Array(256);
for (const t of [0, 8, 9, 10, 13, 14, 15, 16, 17, 18]) ICMP_INFORMATIONAL[t] = 1;

/**
 * Writes the unreachable reply to the IP packet at `packet[off, off+len)` into `out` from `outOff`, and returns
 * its length, or 0 when no reply may be sent or `out` cannot hold the headers plus the minimum quotation. The
 * two regions must not overlap.
 */
export function writeIcmpUnreachable(
  packet: Uint8Array,
  off: number,
  len: number,
  out: Uint8Array,
  outOff: number,
): number {
  const total = ipPacketLength(packet, off, len);
  if (total < 0) return 0;
  return ipVersion(packet, off, len) === 4
    ? writeV4(packet, off, total, out, outOff)
    : writeV6(packet, off, total, out, outOff);
}

function writeV4(p: Uint8Array, off: number, total: number, out: Uint8Array, o: number): number {
  const headerLength = ipv4HeaderLength(p, off);
  if (!mayAnswerV4(p, off, total, headerLength)) return 0;
  const quote = quoteLength(
    total,
    headerLength + 8,
    ICMP_REPLY_MAX_V4 - IPV4_REPLY_HEADERS,
    out.length - o - IPV4_REPLY_HEADERS,
  );
  if (quote < 0) return 0;
  const size = IPV4_REPLY_HEADERS + quote;
  assertDisjoint(p, off, total, out, o, size);

  out[o] = 0x45;
  // RFC 1812 4.3.2.5: precedence internetwork control; the kernel keeps the original's TOS bits.
  out[o + 1] = 0xc0 | (p[off + 1]! & 0x1e);
  out[o + 2] = size >>> 8;
  out[o + 3] = size & 0xff;
  // ID 0 with DF: an atomic datagram (RFC 6864), the reply is small enough for any link we write it to.
  out[o + 4] = 0;
  out[o + 5] = 0;
  out[o + 6] = 0x40;
  out[o + 7] = 0;
  out[o + 8] = REPLY_TTL;
  out[o + 9] = PROTO_ICMP;
  out[o + 10] = 0;
  out[o + 11] = 0;
  copy(p, off + 16, out, o + 12, 4);
  copy(p, off + 12, out, o + 16, 4);
  writeU16(out, o + 10, checksumFinish(checksumAdd(0, out, o, 20)));

  const icmp = o + 20;
  out[icmp] = ICMP_DEST_UNREACH;
  out[icmp + 1] = ICMP_HOST_UNREACH;
  for (let i = 2; i < ICMP_HEADER_SIZE; i++) out[icmp + i] = 0;
  copy(p, off, out, icmp + ICMP_HEADER_SIZE, quote);
  writeU16(out, icmp + 2, checksumFinish(checksumAdd(0, out, icmp, ICMP_HEADER_SIZE + quote)));
  return size;
}

// Reads below stay inside the packet that ipPacketLength accepted: the fixed header's fields, and bytes before
// `total` (or `end`) as each branch checks. The `!`s say so to the type checker at no cost per packet.

function mayAnswerV4(p: Uint8Array, off: number, total: number, headerLength: number): boolean {
  const fragmentOffset = ((p[off + 6]! & 0x1f) << 8) | p[off + 7]!;
  if (fragmentOffset !== 0) return false;
  const src = p[off + 12]!;
  if (src === 0 || src === 127 || src >= 224) return false;
  const dst = p[off + 16]!;
  if ((dst >= 224 && dst <= 239) || isAllOnes(p, off + 16, 4)) return false;
  if (p[off + 9] === PROTO_ICMP) {
    if (headerLength >= total) return false;
    if (ICMP_INFORMATIONAL[p[off + headerLength]!] === 0) return false;
  }
  return true;
}

function writeV6(p: Uint8Array, off: number, total: number, out: Uint8Array, o: number): number {
  if (!mayAnswerV6(p, off, total)) return 0;
  const quote = quoteLength(
    total,
    IPV6_HEADER_SIZE + 8,
    ICMP_REPLY_MAX_V6 - IPV6_REPLY_HEADERS,
    out.length - o - IPV6_REPLY_HEADERS,
  );
  if (quote < 0) return 0;
  const size = IPV6_REPLY_HEADERS + quote;
  assertDisjoint(p, off, total, out, o, size);
  const upperLength = ICMP_HEADER_SIZE + quote;

  out[o] = 0x60;
  out[o + 1] = 0;
  out[o + 2] = 0;
  out[o + 3] = 0;
  writeU16(out, o + 4, upperLength);
  out[o + 6] = PROTO_ICMPV6;
  out[o + 7] = REPLY_TTL;
  copy(p, off + 24, out, o + 8, 16);
  copy(p, off + 8, out, o + 24, 16);

  const icmp = o + IPV6_HEADER_SIZE;
  out[icmp] = ICMPV6_DEST_UNREACH;
  out[icmp + 1] = ICMPV6_ADDR_UNREACH;
  for (let i = 2; i < ICMP_HEADER_SIZE; i++) out[icmp + i] = 0;
  copy(p, off, out, icmp + ICMP_HEADER_SIZE, quote);
  // Pseudo-header (RFC 8200 8.1): both addresses, the upper-layer length, and the next header value.
  let sum = checksumAdd(0, out, o + 8, 32);
  sum += upperLength + PROTO_ICMPV6;
  sum = checksumAdd(sum, out, icmp, upperLength);
  writeU16(out, icmp + 2, checksumFinish(sum));
  return size;
}

function mayAnswerV6(p: Uint8Array, off: number, total: number): boolean {
  if (isAllZero(p, off + 8, 16) || p[off + 8] === 0xff || p[off + 24] === 0xff) return false;
  // Walk the extension headers to the upper-layer protocol, to see whether it is an ICMPv6 error.
  const end = off + total;
  let next = p[off + 6];
  let pos = off + IPV6_HEADER_SIZE;
  for (;;) {
    switch (next) {
      case 0: // hop-by-hop options
      case 43: // routing
      case 60: // destination options
        if (pos + 2 > end) return false;
        next = p[pos];
        pos += (p[pos + 1]! + 1) * 8;
        break;
      case 51: // authentication header: length in 4-octet units, minus 2
        if (pos + 2 > end) return false;
        next = p[pos];
        pos += (p[pos + 1]! + 2) * 4;
        break;
      case 44: {
        if (pos + 8 > end) return false;
        next = p[pos];
        const fragmentOffset = ((p[pos + 2]! << 8) | p[pos + 3]!) & 0xfff8;
        pos += 8;
        // A later fragment carries no upper-layer header: fine unless it is ICMPv6, which we cannot classify.
        if (fragmentOffset !== 0) return next !== PROTO_ICMPV6;
        break;
      }
      case PROTO_ICMPV6:
        return pos < end && p[pos]! >= 128;
      default:
        return true;
    }
    if (pos > end) return false;
  }
}

/** Bytes of the original to quote: all that fits, or -1 when even the minimum does not. */
function quoteLength(total: number, minimum: number, rfcMax: number, room: number): number {
  const quote = Math.min(total, rfcMax, room);
  return quote < Math.min(total, minimum) ? -1 : quote;
}

function assertDisjoint(p: Uint8Array, off: number, len: number, out: Uint8Array, o: number, size: number): void {
  if (p.buffer !== out.buffer) return;
  const a = p.byteOffset + off;
  const b = out.byteOffset + o;
  if (a < b + size && b < a + len) throw new RangeError('ICMP reply would overwrite the packet it quotes');
}

/** Callers copy only regions they have bounded (header fields, a quote no longer than the packet). */
function copy(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 8;
  buf[off + 1] = value & 0xff;
}

function isAllZero(buf: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[off + i] !== 0) return false;
  return true;
}

function isAllOnes(buf: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[off + i] !== 0xff) return false;
  return true;
}
