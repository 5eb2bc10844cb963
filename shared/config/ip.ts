// IP addresses and prefixes as wg(8) reads them (glibc inet_pton: no leading zeros in IPv4 octets, IPv6 with an
// optional dotted IPv4 tail), printed canonically (RFC 5952 for IPv6). Values are bigints so that one code path
// masks and compares both families.
import { quote } from './diagnostics.js';
import type { IpPrefix } from './model.js';

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const BITS = { 4: 32, 6: 128 } as const;

export function familyBits(family: 4 | 6): number {
  return BITS[family];
}

function fail<T>(error: string): Parsed<T> {
  return { ok: false, error };
}

/** Strict dotted quad, as inet_pton reads it. A leading zero is refused: inet_pton refuses it, while ip(8) and
 *  inet_aton read it as octal (ipv4-readings.ts says how, for each key's message). */
export function parseIpv4(text: string): Parsed<bigint> {
  const parts = text.split('.');
  if (parts.length !== 4)
    return fail(`${quote(text)} is not an IPv4 address (expected four numbers separated by dots)`);
  let value = 0n;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3 || !isDigits(part)) {
      return fail(`${quote(text)} is not an IPv4 address`);
    }
    if (part.length > 1 && part[0] === '0') {
      return fail(`${quote(text)} has a leading zero in \`${part}\`; write \`${Number(part)}\``);
    }
    const octet = Number(part);
    if (octet > 255) return fail(`${quote(text)} is not an IPv4 address (\`${part}\` is greater than 255)`);
    value = (value << 8n) | BigInt(octet);
  }
  return { ok: true, value };
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return text.length > 0;
}

function isHexGroup(text: string): boolean {
  if (text.length === 0 || text.length > 4) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Groups of one side of `::`, a dotted IPv4 tail counting as two groups. Null when malformed. */
function parseGroups(text: string, mayEndWithIpv4: boolean): number[] | null {
  if (text === '') return [];
  const pieces = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (mayEndWithIpv4 && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIpv4(piece);
      if (!v4.ok) return null;
      groups.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
    } else if (isHexGroup(piece)) {
      groups.push(parseInt(piece, 16));
    } else {
      return null;
    }
  }
  return groups;
}

export function parseIpv6(text: string): Parsed<bigint> {
  const bad = (): Parsed<bigint> => fail(`${quote(text)} is not an IPv6 address`);
  if (text.includes('%')) return fail(`${quote(text)} has a zone id (\`%...\`); zone ids are not allowed here`);
  // The longest valid form is 45 characters; refusing longer text bounds the work on hostile input.
  if (text.length > 45) return bad();
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap < 0) {
    const all = parseGroups(text, true);
    if (all === null || all.length !== 8) return bad();
    groups = all;
  } else {
    const rest = text.slice(gap + 2);
    if (rest.includes('::')) return fail(`${quote(text)} has \`::\` more than once`);
    const head = parseGroups(text.slice(0, gap), false);
    const tail = parseGroups(rest, true);
    // inet_pton refuses a `::` that stands for no group at all.
    if (head === null || tail === null || head.length + tail.length > 7) return bad();
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return { ok: true, value };
}

/** A bare address; which family is decided as wg decides it: a `:` means IPv6. */
export function parseIpAddress(text: string): Parsed<IpAddress> {
  if (text.includes(':') || text.includes('%')) {
    const v6 = parseIpv6(text);
    return v6.ok ? { ok: true, value: { family: 6, value: v6.value } } : v6;
  }
  const v4 = parseIpv4(text);
  return v4.ok ? { ok: true, value: { family: 4, value: v4.value } } : v4;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lowercase, no leading zeros, the longest run (first on a tie) of two or more zero groups as `::`,
 *  and IPv4-mapped addresses in mixed notation (section 5). */
function formatIpv6(value: bigint): string {
  if (value >> 32n === 0xffffn) return `::ffff:${formatIpv4(value & 0xffffffffn)}`;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function formatIpAddress(address: IpAddress): string {
  return address.family === 4 ? formatIpv4(address.value) : formatIpv6(address.value);
}

/** The canonical text of an address written any valid way, or null. */
export function canonicalIp(text: string): string | null {
  const parsed = parseIpAddress(text);
  return parsed.ok ? formatIpAddress(parsed.value) : null;
}

function hostMask(family: 4 | 6, prefix: number): bigint {
  return (1n << BigInt(familyBits(family) - prefix)) - 1n;
}

export function maskAddress(address: IpAddress, prefix: number): IpAddress {
  return { family: address.family, value: address.value & ~hostMask(address.family, prefix) };
}

export interface ParsedPrefix {
  address: IpAddress;
  prefix: number;
  /** Whether bits below the prefix are set (normal for an interface Address, a slip in AllowedIPs). */
  hostBitsSet: boolean;
}

/** `address[/prefix]`; a missing prefix means a single host (/32 or /128), as wg and ip(8) read it. */
export function parsePrefix(text: string): Parsed<ParsedPrefix> {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const parsed = parseIpAddress(addressText);
  if (!parsed.ok) return parsed;
  const address = parsed.value;
  const bits = familyBits(address.family);
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!isDigits(prefixText)) {
      return fail(`${quote(text)} has a prefix length ${quote('/' + prefixText)} that is not a number`);
    }
    // wg reads the number with strtoul, so leading zeros are fine; a thousand digits must not become a float.
    const digits = prefixText.replace(/^0+(?=.)/, '');
    prefix = digits.length > 3 ? Infinity : Number(digits);
    if (prefix > bits) {
      const family = `IPv${address.family}`;
      return fail(
        `${quote(text)} has prefix length ${quote('/' + prefixText)}; an ${family} prefix is at most /${bits}`,
      );
    }
  }
  const hostBitsSet = (address.value & hostMask(address.family, prefix)) !== 0n;
  return { ok: true, value: { address, prefix, hostBitsSet } };
}

export function toIpPrefix(address: IpAddress, prefix: number): IpPrefix {
  return { family: address.family, address: formatIpAddress(address), prefix };
}

export function fromIpPrefix(prefix: IpPrefix): IpAddress {
  const parsed = parseIpAddress(prefix.address);
  if (!parsed.ok || parsed.value.family !== prefix.family) {
    throw new RangeError(`not a valid IPv${prefix.family} address: ${prefix.address}`);
  }
  return parsed.value;
}

/** A prefix with the bits below its length cleared, as the kernel and wg hold it (10.1.2.3/8 is 10.0.0.0/8). */
export function networkOf(prefix: IpPrefix): IpPrefix {
  return toIpPrefix(maskAddress(fromIpPrefix(prefix), prefix.prefix), prefix.prefix);
}

export function formatPrefix(prefix: IpPrefix): string {
  return `${prefix.address}/${prefix.prefix}`;
}

/** Whether `outer` contains every address of `inner` (equal prefixes contain each other). */
export function prefixContains(outer: IpPrefix, inner: IpPrefix): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const a = maskAddress(fromIpPrefix(outer), outer.prefix).value;
  const b = maskAddress(fromIpPrefix(inner), outer.prefix).value;
  return a === b;
}

/** Two prefixes overlap exactly when one contains the other. */
export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}

/** The address in network byte order (4 or 16 bytes), as sockets and packet headers carry it. */
export function addressToBytes(address: IpAddress): Uint8Array {
  const size = address.family === 4 ? 4 : 16;
  const bytes = new Uint8Array(size);
  let value = address.value;
  for (let i = size - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

/** The address whose 4 or 16 bytes `bytes` holds at `off` (a record the engine made, so they are all there). */
export function addressFromBytes(family: 4 | 6, bytes: Uint8Array, off = 0): IpAddress {
  let value = 0n;
  for (let i = 0; i < (family === 4 ? 4 : 16); i++) value = (value << 8n) | BigInt(bytes[off + i]!);
  return { family, value };
}
