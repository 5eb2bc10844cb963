// Packet checks for the data-plane tests: is an IP packet whole and are its checksums right, and an ICMP echo
// responder that rewrites a request into its reply in place.

/** The byte at `i`, read as 0 past the end (as JavaScript's bit operators read a missing one): a truncated
 * packet then fails its checks instead of throwing. */
function byte(data: Uint8Array, i: number): number {
  return data[i] ?? 0;
}

/** The one's-complement sum of data[start, end), folded to 16 bits, not complemented. */
export function onesSum(data: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i + 1 < end; i += 2) sum += (byte(data, i) << 8) | byte(data, i + 1);
  if ((end - start) % 2 === 1) sum += byte(data, end - 1) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

function pseudoSum(packet: Uint8Array, proto: number, l4Length: number): number {
  const v6 = byte(packet, 0) >> 4 === 6;
  const [from, to] = v6 ? [8, 40] : [12, 20];
  return onesSum(packet, from, to, proto + l4Length);
}

export interface PacketInfo {
  version: 4 | 6;
  proto: number;
  l4: number;
}

/** null for a packet whose lengths and checksums are right; otherwise what is wrong. */
export function checkPacket(packet: Uint8Array): string | null {
  const version = byte(packet, 0) >> 4;
  let proto: number;
  let l4: number;
  if (version === 4) {
    l4 = (byte(packet, 0) & 0x0f) * 4;
    if (((byte(packet, 2) << 8) | byte(packet, 3)) !== packet.length)
      return `IPv4 total length ${(byte(packet, 2) << 8) | byte(packet, 3)} != ${packet.length}`;
    if (onesSum(packet, 0, l4) !== 0xffff) return 'IPv4 header checksum';
    proto = byte(packet, 9);
  } else if (version === 6) {
    l4 = 40;
    if (((byte(packet, 4) << 8) | byte(packet, 5)) !== packet.length - 40) return 'IPv6 payload length';
    proto = byte(packet, 6);
  } else {
    return `IP version ${version}`;
  }
  const l4Length = packet.length - l4;
  if (proto === 6 || proto === 17 || proto === 58) {
    if (proto === 17 && ((byte(packet, l4 + 4) << 8) | byte(packet, l4 + 5)) !== l4Length) return 'UDP length';
    if (onesSum(packet, l4, packet.length, pseudoSum(packet, proto, l4Length)) !== 0xffff)
      return `checksum of protocol ${proto}`;
  } else if (proto === 1) {
    if (onesSum(packet, l4, packet.length) !== 0xffff) return 'ICMP checksum';
  }
  return null;
}

export function packetInfo(packet: Uint8Array): PacketInfo {
  const version = (byte(packet, 0) >> 4) as 4 | 6;
  return version === 4
    ? { version, proto: byte(packet, 9), l4: (byte(packet, 0) & 0x0f) * 4 }
    : { version, proto: byte(packet, 6), l4: 40 };
}

/** Turns an ICMP or ICMPv6 echo request into its reply, in place; false for anything else. */
export function echoReply(packet: Uint8Array): boolean {
  const { version, proto, l4 } = packetInfo(packet);
  const [from, length] = version === 4 ? [12, 4] : [8, 16];
  if (!((version === 4 && proto === 1 && packet[l4] === 8) || (version === 6 && proto === 58 && packet[l4] === 128))) {
    return false;
  }
  const source = packet.slice(from, from + length);
  packet.copyWithin(from, from + length, from + 2 * length);
  packet.set(source, from + length);
  packet[l4] = version === 4 ? 0 : 129;
  packet[l4 + 2] = 0;
  packet[l4 + 3] = 0;
  const initial = version === 4 ? 0 : pseudoSum(packet, 58, packet.length - l4);
  const sum = ~onesSum(packet, l4, packet.length, initial) & 0xffff;
  packet[l4 + 2] = sum >> 8;
  packet[l4 + 3] = sum & 0xff;
  return true;
}
