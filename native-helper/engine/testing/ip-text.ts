/*
 * Test support: IP addresses from and to text, so that tests read like configurations. Not for production
 * parsing (shared/config owns that); it accepts the usual forms and throws on anything else.
 */

import type { IpVersion } from '../ip-packet.js';

export interface ParsedIp {
  family: IpVersion;
  bytes: Uint8Array;
}

export function parseIp(text: string): ParsedIp {
  if (text.includes(':')) return { family: 6, bytes: parseIpv6(text) };
  return { family: 4, bytes: parseIpv4(text) };
}

export function parseCidr(text: string): ParsedIp & { cidr: number } {
  const [ip, cidr] = text.split('/');
  // split always returns at least one element.
  const parsed = parseIp(ip!);
  return { ...parsed, cidr: cidr === undefined ? parsed.bytes.length * 8 : Number(cidr) };
}

function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`bad IPv4 address ${text}`);
  }
  return Uint8Array.from(parts);
}

function parseIpv6(text: string): Uint8Array {
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) throw new Error(`bad IPv6 address ${text}`);
  const groups = (s: string | undefined): number[] => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) throw new Error(`bad IPv6 address ${text}`);
  const all = [...left, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    if (!(g >= 0 && g <= 0xffff)) throw new Error(`bad IPv6 address ${text}`);
    bytes[i * 2] = g >>> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) throw new Error(`not an IP address: ${bytes.length} bytes`);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
