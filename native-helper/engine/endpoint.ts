/*
 * A UDP endpoint as a fixed 40-byte record, so the packet path can compare, copy and hand endpoints around
 * without allocating (equal endpoints are equal bytes):
 *
 *   [0] family, 4 or 6 (0: none)   [1] 0   [2..3] port, big-endian   [4..7] IPv6 scope id, little-endian
 *   [8..23] address: IPv4 in the first 4 bytes and zeros after, or the 16 IPv6 bytes
 *   [24..39] local address, same family: the one a received datagram came to, and the one to send from (zeros:
 *            none, the route decides)
 *
 * The local address is the kernel's sticky source (socket.c: wg_socket_endpoint_from_skb records a packet's
 * destination beside its source, send4/send6 send from it): on a host with several addresses, replies leave
 * from the address the peer wrote to, so a peer behind a stateful firewall, or one that only knows that
 * address, gets them. A peer's record takes it from every authenticated datagram (receive.ts), and forgets it
 * when a handshake goes unanswered (Device.tick, as the kernel's timers.c) and at a change of network
 * (Device.announce); the addon resends without it when the kernel says the address is no longer the host's.
 *
 * The one home of this layout. The I/O layer gives each received datagram's source in this form and takes
 * destinations in it (io/packet-batch.ts's endpoints; the addon's addon/src/endpoint.c, which must agree byte
 * for byte: endpoint.test.ts pins the bytes, test/netns/udp.test.ts the addon's); a peer keeps its endpoint in one.
 */
import {
  formatEndpoint as formatEndpointText,
  parseEndpoint as parseEndpointText,
} from '../../shared/config/endpoint.js';
import { addressFromBytes, addressToBytes, formatIpAddress, parseIpAddress } from '../../shared/config/ip.js';

export const ENDPOINT_SIZE = 40;
const FAMILY = 0;
const PORT = 2;
const ADDRESS = 8;
const LOCAL = 24;

export function newEndpoint(): Uint8Array {
  return new Uint8Array(ENDPOINT_SIZE);
}

export function endpointFamily(record: Uint8Array, off = 0): 0 | 4 | 6 {
  const family = record[off + FAMILY];
  return family === 4 || family === 6 ? family : 0;
}

// Records are ENDPOINT_SIZE bytes from `off`, so the fixed offsets below are in range.

export function endpointPort(record: Uint8Array, off = 0): number {
  return (record[off + PORT]! << 8) | record[off + PORT + 1]!;
}

/** Offset of the address bytes of the record at `off`. */
export function endpointAddressOffset(off = 0): number {
  return off + ADDRESS;
}

export function endpointEquals(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < ENDPOINT_SIZE; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/** Whether two records name the same remote end, whatever local address each holds. */
export function endpointRemoteEquals(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < LOCAL; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

export function copyEndpoint(to: Uint8Array, toOff: number, from: Uint8Array, fromOff: number): void {
  for (let i = 0; i < ENDPOINT_SIZE; i++) to[toOff + i] = from[fromOff + i]!;
}

export function writeEndpoint(record: Uint8Array, off: number, family: 4 | 6, address: Uint8Array, port: number): void {
  record.fill(0, off, off + ENDPOINT_SIZE);
  record[off + FAMILY] = family;
  record[off + PORT] = port >>> 8;
  record[off + PORT + 1] = port & 0xff;
  record.set(address.subarray(0, family === 4 ? 4 : 16), off + ADDRESS);
}

/** Sets the local address (of the record's family) to send from, as the addon does on receive. */
export function writeEndpointLocal(record: Uint8Array, off: number, address: Uint8Array): void {
  clearEndpointLocal(record, off);
  record.set(address.subarray(0, endpointFamily(record, off) === 4 ? 4 : 16), off + LOCAL);
}

/** Forget the local address to send from: the route chooses again. */
export function clearEndpointLocal(record: Uint8Array, off = 0): void {
  record.fill(0, off + LOCAL, off + ENDPOINT_SIZE);
}

/** The local address to send from, as text; null when the record names none. */
export function formatEndpointLocal(record: Uint8Array, off = 0): string | null {
  const family = endpointFamily(record, off);
  if (family === 0) return null;
  const length = family === 4 ? 4 : 16;
  let any = false;
  for (let i = 0; i < length; i++) any ||= record[off + LOCAL + i] !== 0;
  return any ? formatIpAddress(addressFromBytes(family, record, off + LOCAL)) : null;
}

/** `ip:port` or `[v6]:port`, as wg(8) prints endpoints; null for an empty record. */
export function formatEndpoint(record: Uint8Array, off = 0): string | null {
  const family = endpointFamily(record, off);
  if (family === 0) return null;
  const host = formatIpAddress(addressFromBytes(family, record, off + ADDRESS));
  return formatEndpointText({ host, port: endpointPort(record, off) });
}

/** A numeric `ip:port` or `[v6]:port` as a record; null otherwise (names are resolved before the engine). */
export function parseEndpoint(text: string): Uint8Array | null {
  const parsed = parseEndpointText(text);
  if (!parsed.ok) return null;
  const address = parseIpAddress(parsed.value.host);
  if (!address.ok) return null;
  const record = newEndpoint();
  writeEndpoint(record, 0, address.value.family, addressToBytes(address.value), parsed.value.port);
  return record;
}
