/*
 * Test support: IPv4 and IPv6 packets with valid headers, framed the way Device.send() wants them (SEND_HEADROOM
 * before, SEND_TAILROOM after), and an independent checksum verifier (BigInt arithmetic, nothing shared with
 * internet-checksum.ts) for checking what the engine builds.
 */
import { SEND_HEADROOM, SEND_TAILROOM } from '../device-types.js';
import { parseIp } from './ip-text.js';

export const PROTO_ICMP = 1;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

export interface PacketOptions {
  src: string;
  dst: string;
  payload?: Uint8Array;
  /** IPv4 protocol or IPv6 next header; UDP unless told. */
  protocol?: number;
}

/** An IPv4 packet with a valid header checksum and the given payload (30 counting bytes by default). */
export function ipv4Packet(o: PacketOptions): Uint8Array {
  const payload = o.payload ?? Uint8Array.from({ length: 30 }, (_, i) => i);
  const packet = new Uint8Array(20 + payload.length);
  packet[0] = 0x45;
  packet[2] = packet.length >>> 8;
  packet[3] = packet.length & 0xff;
  packet[4] = 0x12;
  packet[5] = 0x34;
  packet[8] = 64;
  packet[9] = o.protocol ?? PROTO_UDP;
  packet.set(v4(o.src), 12);
  packet.set(v4(o.dst), 16);
  const sum = checksumOf(packet, 0, 20);
  packet[10] = sum >>> 8;
  packet[11] = sum & 0xff;
  packet.set(payload, 20);
  return packet;
}

/** An IPv6 packet (no extension headers) with the given payload (30 bytes by default). */
export function ipv6Packet(o: PacketOptions): Uint8Array {
  const payload = o.payload ?? Uint8Array.from({ length: 30 }, (_, i) => 100 + i);
  const packet = new Uint8Array(40 + payload.length);
  packet[0] = 0x60;
  packet[4] = payload.length >>> 8;
  packet[5] = payload.length & 0xff;
  packet[6] = o.protocol ?? PROTO_UDP;
  packet[7] = 64;
  packet.set(v6(o.src), 8);
  packet.set(v6(o.dst), 24);
  packet.set(payload, 40);
  return packet;
}

/** Payload bytes that differ per `tag`, so delivered packets can be told apart and checked byte for byte. */
export function payloadOf(tag: number, length = 64): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (tag * 131 + i * 7 + (tag >>> 8)) & 0xff);
}

export interface Framed {
  buf: Uint8Array;
  off: number;
  len: number;
}

/**
 * The packet in a buffer with SEND_HEADROOM before and SEND_TAILROOM after it, at an odd offset so that code
 * assuming offset 0 shows up; the room is filled with 0xa5 so that padding the device fails to zero shows up.
 */
export function framed(packet: Uint8Array, lead = 3): Framed {
  const buf = new Uint8Array(lead + SEND_HEADROOM + packet.length + SEND_TAILROOM).fill(0xa5);
  const off = lead + SEND_HEADROOM;
  buf.set(packet, off);
  return { buf, off, len: packet.length };
}

/** The ones' complement sum of 16-bit words, folded; 0xffff over a region with a correct checksum in it. */
export function onesComplementSum(bytes: Uint8Array, extra = 0n): number {
  let sum = extra;
  for (let i = 0; i < bytes.length; i += 2) sum += BigInt((bytes[i]! << 8) | (bytes[i + 1] ?? 0));
  while (sum > 0xffffn) sum = (sum & 0xffffn) + (sum >> 16n);
  return Number(sum);
}

/** True when an IPv4 header checksum verifies. */
export function ipv4HeaderChecksumOk(packet: Uint8Array): boolean {
  return onesComplementSum(packet.subarray(0, (packet[0]! & 0x0f) * 4)) === 0xffff;
}

/** True when the ICMPv4 message after a 20-byte header verifies. */
export function icmpv4ChecksumOk(packet: Uint8Array): boolean {
  return onesComplementSum(packet.subarray(20)) === 0xffff;
}

/** True when the ICMPv6 message after the fixed header verifies, pseudo-header included (RFC 8200 8.1). */
export function icmpv6ChecksumOk(packet: Uint8Array): boolean {
  const upper = packet.subarray(40);
  const pseudo = onesComplementSum(packet.subarray(8, 40), BigInt(upper.length) + BigInt(PROTO_ICMPV6));
  return onesComplementSum(upper, BigInt(pseudo)) === 0xffff;
}

function checksumOf(bytes: Uint8Array, off: number, len: number): number {
  return ~onesComplementSum(bytes.subarray(off, off + len)) & 0xffff;
}

function v4(text: string): Uint8Array {
  const ip = parseIp(text);
  if (ip.family !== 4) throw new Error(`not IPv4: ${text}`);
  return ip.bytes;
}

function v6(text: string): Uint8Array {
  const ip = parseIp(text);
  if (ip.family !== 6) throw new Error(`not IPv6: ${text}`);
  return ip.bytes;
}
