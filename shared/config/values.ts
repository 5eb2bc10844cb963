// Scalar values of the [Interface] and [Peer] keys, read as wg(8), wg-quick(8) and ip(8) read them, except where
// a comment says we are stricter and why.
import { quote } from './diagnostics.js';
import type { Parsed } from './ip.js';

const DECIMAL = /^[0-9]+$/;
const HEX = /^[0-9a-fA-F]+$/;

/** A decimal that fits below `max`, or null; long digit strings are cut off before they become floats. */
function decimal(text: string, max: number): number | null {
  if (!DECIMAL.test(text)) return null;
  const digits = text.replace(/^0+(?=.)/, '');
  if (digits.length > String(max).length) return null;
  const n = Number(digits);
  return n <= max ? n : null;
}

/** 0 asks the kernel for a random port, as when ListenPort is absent. */
export function parseListenPort(text: string): Parsed<number> {
  const port = decimal(text, 65535);
  return port === null
    ? { ok: false, error: `ListenPort ${quote(text)} is not a number in 0-65535` }
    : { ok: true, value: port };
}

/** wg's rule: `off`, a decimal, or `0x` (lowercase x) and hex digits, up to 0xffffffff. */
export function parseFwMark(text: string): Parsed<number> {
  if (text.toLowerCase() === 'off') return { ok: true, value: 0 };
  let mark: number | null = null;
  if (text.length > 2 && text.startsWith('0x')) {
    const hex = text.slice(2).replace(/^0+(?=.)/, '');
    if (HEX.test(hex) && hex.length <= 8) mark = parseInt(hex, 16);
  } else {
    mark = decimal(text, 0xffffffff);
  }
  return mark === null
    ? { ok: false, error: `FwMark ${quote(text)} is neither \`off\` nor a number in 0-0xffffffff (decimal or 0x hex)` }
    : { ok: true, value: mark };
}

// MTU limits, ours. Linux would set smaller values, but IPv4 stops working on a link below 68 bytes and
// ordinary traffic already breaks below 576, the datagram size every IPv4 host must accept (RFC 791). Above
// 9000, a jumbo frame, the path under the tunnel would need more than 9080 bytes, which no path a desktop sees
// provides, so such a value is a typo (14200 for 1420). 576-1279 is legal for IPv4 only: the kernel turns IPv6
// off below 1280, and the parser refuses it when the tunnel uses IPv6 (up-rules.ts).
export const MIN_MTU = 576;
export const MAX_MTU = 9000;

/** Why a decimal with a leading zero is refused: ip(8) reads numbers with strtoul(..., 0), so `01420` is octal
 *  784, and `0149` no number at all. Says what wg-quick would set through ip(8), and what to write. */
function octalError(key: string, text: string, what: string): string {
  const octal = /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
  const reading = Number.isSafeInteger(octal)
    ? `ip(8), which wg-quick sets it with, reads it as octal: ${what} ${octal}`
    : 'ip(8), which wg-quick sets it with, rejects it (it reads a leading zero as octal)';
  return `${key} ${quote(text)} has a leading zero: ${reading}; write ${quote(text.replace(/^0+(?=.)/, ''))}`;
}

export function parseMtu(text: string): Parsed<number> {
  // Refused rather than guessed: the writer meant decimal, ip(8) reads octal.
  if (text.length > 1 && text.startsWith('0') && DECIMAL.test(text)) {
    return { ok: false, error: octalError('MTU', text, 'MTU') };
  }
  const mtu = decimal(text, Number.MAX_SAFE_INTEGER);
  if (mtu === null) return { ok: false, error: `MTU ${quote(text)} is not a number` };
  if (mtu < MIN_MTU || mtu > MAX_MTU) return { ok: false, error: `MTU ${mtu} is outside ${MIN_MTU}-${MAX_MTU}` };
  return { ok: true, value: mtu };
}

/** `off`, `auto`, a table number (1-4294967295, no leading zero: ip(8) reads it as octal) or a table name. */
export function parseTable(text: string): Parsed<string> {
  const lower = text.toLowerCase();
  if (lower === 'off' || lower === 'auto') return { ok: true, value: lower };
  if (/^[0-9]/.test(text)) {
    if (text.length > 1 && text.startsWith('0') && DECIMAL.test(text)) {
      return { ok: false, error: octalError('Table', text, 'table') };
    }
    const table = decimal(text, 0xffffffff);
    if (table === null || table === 0) {
      return {
        ok: false,
        error: `Table ${quote(text)} is not \`off\`, \`auto\`, a table number in 1-4294967295 or a name`,
      };
    }
    return { ok: true, value: text };
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(text) || text.length > 64) {
    return {
      ok: false,
      error: `Table ${quote(text)} is not \`off\`, \`auto\`, a number or a table name (letters, digits, \`_\`, \`.\`, \`-\`)`,
    };
  }
  return { ok: true, value: text };
}

/** wg's rule: `off` or 0-65535 seconds. */
export function parseKeepalive(text: string): Parsed<number> {
  if (text.toLowerCase() === 'off') return { ok: true, value: 0 };
  const seconds = decimal(text, 65535);
  return seconds === null
    ? { ok: false, error: `PersistentKeepalive ${quote(text)} is neither \`off\` nor a number of seconds in 0-65535` }
    : { ok: true, value: seconds };
}

/** wg-quick compares case-insensitively. */
export function parseBool(key: string, text: string): Parsed<boolean> {
  const lower = text.toLowerCase();
  if (lower === 'true') return { ok: true, value: true };
  if (lower === 'false') return { ok: true, value: false };
  return { ok: false, error: `${key} ${quote(text)} is neither \`true\` nor \`false\`` };
}
