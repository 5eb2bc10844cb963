/*
 * Just enough of an IP header to route a packet: version, the length the header claims, where the addresses
 * are. Reads straight from a packet buffer at an offset, allocating nothing. A header is plausible when its
 * fixed part fits in the bytes we hold and the length it claims is neither shorter than that fixed part nor
 * longer than what we hold (the kernel's receive path treats either as a dishonest packet size). Anything we
 * hold past the claimed length is padding to be trimmed.
 */

export type IpVersion = 4 | 6;

export const IPV4_HEADER_MIN = 20;
export const IPV6_HEADER_SIZE = 40;
export const IPV4_ADDRESS_SIZE = 4;
export const IPV6_ADDRESS_SIZE = 16;

const IPV4_SOURCE = 12;
const IPV4_DESTINATION = 16;
const IPV6_SOURCE = 8;
const IPV6_DESTINATION = 24;

/** 4 or 6 when the fixed header of that version fits in `len`, else 0. Says nothing yet of the length fields. */
export function ipVersion(buf: Uint8Array, off: number, len: number): IpVersion | 0 {
  if (len < IPV4_HEADER_MIN) return 0;
  // buf[off, off + len) is the caller's packet and len >= 20, so the fixed header's bytes read here exist.
  const version = buf[off]! >>> 4;
  if (version === 4) return 4;
  if (version === 6 && len >= IPV6_HEADER_SIZE) return 6;
  return 0;
}

/**
 * The packet's real length according to its header, or -1 when the header is implausible: an unknown version,
 * a fixed header that does not fit, an IPv4 header length under 20 bytes or beyond the total length, or a
 * claimed length beyond `len`.
 */
export function ipPacketLength(buf: Uint8Array, off: number, len: number): number {
  const version = ipVersion(buf, off, len);
  if (version === 4) {
    const headerLength = (buf[off]! & 0x0f) * 4;
    const total = (buf[off + 2]! << 8) | buf[off + 3]!;
    if (headerLength < IPV4_HEADER_MIN || total < headerLength || total > len) return -1;
    return total;
  }
  if (version === 6) {
    const total = IPV6_HEADER_SIZE + ((buf[off + 4]! << 8) | buf[off + 5]!);
    return total > len ? -1 : total;
  }
  return -1;
}

/** Offset of the source address of a packet of `version` starting at `off`. */
export function ipSourceOffset(version: IpVersion, off: number): number {
  return off + (version === 4 ? IPV4_SOURCE : IPV6_SOURCE);
}

/** Offset of the destination address of a packet of `version` starting at `off`. */
export function ipDestinationOffset(version: IpVersion, off: number): number {
  return off + (version === 4 ? IPV4_DESTINATION : IPV6_DESTINATION);
}

export function ipAddressSize(version: IpVersion): number {
  return version === 4 ? IPV4_ADDRESS_SIZE : IPV6_ADDRESS_SIZE;
}

/** IPv4 header length in bytes from IHL; only meaningful once ipPacketLength accepted the packet. */
export function ipv4HeaderLength(buf: Uint8Array, off: number): number {
  return (buf[off]! & 0x0f) * 4;
}
