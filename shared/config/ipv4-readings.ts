// IPv4 text that is not a plain dotted quad, and what the program behind each key makes of it. A leading zero
// (`010`, octal), a `0x` number or fewer than four numbers (`10.1`) mean different addresses to different readers,
// so Warren refuses them all; its message says what the reader of that key would have done instead:
//   Address     wg-quick hands it to ip(8): iproute2's get_addr_ipv4, strtoul(..., 0) per number, missing
//               numbers zero at the end (`10.9.2` is 10.9.2.0)
//   Endpoint    wg resolves it with getaddrinfo, and DNS servers go to the resolver (glibc): inet_aton, whose
//               last number fills the bytes left (`10.1` is 10.0.0.1)
//   AllowedIPs  wg reads it with inet_pton, which refuses every such form
import { quote } from './diagnostics.js';
import { formatIpAddress } from './ip.js';

export type Ipv4Reader = 'ip' | 'inet_aton' | 'inet_pton';

/** One number as strtoul(..., 0) reads all of `part`, or null when it stops early (an `8` after a leading zero). */
function number(part: string): number | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(part)) return parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return parseInt(part, 10);
  return null;
}

/** The four bytes `reader` makes of `text` as one number, or null when it refuses the text. */
export function readIpv4(text: string, reader: Ipv4Reader): number | null {
  if (reader === 'inet_pton') return null;
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.length - 1;
  if (reader === 'ip') {
    // Every number is one byte, from the left; bytes not given stay zero.
    if (numbers.some((n) => n > 255)) return null;
    return numbers.reduce((value, n, i) => value + n * 2 ** (8 * (3 - i)), 0);
  }
  // inet_aton: every number but the last is one byte; the last fills the bytes that are left.
  if (numbers.slice(0, last).some((n) => n > 255)) return null;
  const room = 2 ** (8 * (4 - last));
  if (numbers[last]! >= room) return null;
  return numbers.slice(0, last).reduce((value, n, i) => value + n * 2 ** (8 * (3 - i)), 0) + numbers[last]!;
}

function dotted(value: number): string {
  return formatIpAddress({ family: 4, value: BigInt(value) });
}

/** What makes `text` an IPv4 form other than a plain dotted quad, or null when it is no such form (a plain quad,
 *  a name, a number too large for any reader, garbage): then the ordinary message says what is wrong. */
function oddities(text: string): string[] | null {
  // The longest form worth explaining, `0x000000ff.0x000000ff.0x000000ff.0x000000ff`, is 43 characters; longer
  // text would only make a longer message.
  if (text.length > 43 || !/^[0-9a-fA-FxX.]+$/.test(text)) return null;
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((part) => !/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(part))) return null;
  const zeros = parts.filter((part) => /^0[0-9]/.test(part));
  const hex = parts.filter((part) => /^0[xX]/.test(part));
  const found: string[] = [];
  if (zeros.length > 0) found.push(`${zeros.length === 1 ? 'a leading zero in' : 'leading zeros in'} ${quoted(zeros)}`);
  if (hex.length > 0) found.push(`${hex.length === 1 ? 'the hex number' : 'the hex numbers'} ${quoted(hex)}`);
  if (parts.length < 4) found.push(`only ${parts.length} of 4 numbers`);
  return found.length === 0 ? null : found;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function quoted(parts: readonly string[]): string {
  return listed(parts.map((part) => `\`${part}\``));
}

/** The dotted quad a person most likely meant by four decimal numbers with leading zeros, or null. */
function decimalReading(text: string): string | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^[0-9]+$/.test(part) && Number(part) <= 255)) return null;
  return parts.map(Number).join('.');
}

/**
 * For IPv4 text in a form Warren refuses, the message: what is odd about it, what `who` (the program behind the
 * key, reading as `reader`) does with it, and what to write instead. Null for any other text, and for a form
 * inet_aton refuses too, which the ordinary parser messages cover.
 */
export function ipv4FormError(text: string, reader: Ipv4Reader, who: string): string | null {
  const odd = oddities(text);
  if (odd === null) return null;
  const what = `${quote(text)} has ${listed(odd)}`;
  const meant = decimalReading(text);
  const read = readIpv4(text, reader);
  if (read === null) {
    // What inet_aton refuses, getaddrinfo looks up as a name and the resolver skips: nothing to say about it here.
    if (reader === 'inet_aton') return null;
    return `${what}; ${who} rejects it${meant === null ? '' : `, write \`${meant}\``}`;
  }
  const reading = dotted(read);
  const advice =
    meant === null || meant === reading
      ? `write \`${reading}\``
      : `write \`${meant}\`, or \`${reading}\` if that is what you mean`;
  return `${what}: ${who} reads it as ${reading}; ${advice}`;
}
