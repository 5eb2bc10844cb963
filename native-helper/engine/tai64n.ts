/*
 * TAI64N timestamps for handshake initiations: 8 bytes of seconds (Unix seconds + 2^62 + 10) and 4 bytes of
 * nanoseconds, both big-endian, so that byte order is time order. Nanoseconds are rounded down to a multiple of
 * 2^24 (about 16.8 ms), as wireguard-go does, so that a timestamp does not leak a fine clock to an observer who
 * can decrypt it; a responder only needs them to increase.
 *
 * The wall clock comes in as milliseconds since the Unix epoch, possibly fractional (Date.now() or
 * performance.timeOrigin + performance.now()); sub-millisecond precision is lost to whitening anyway.
 */

export const TAI64N_SIZE = 12;

const TAI64_BASE_HI = 0x4000_0000;
const TAI64_BASE_LO = 10;
const WHITENER_MASK = 0xff_ffff;
const TWO_32 = 0x1_0000_0000;

export function writeTai64n(out: Uint8Array, off: number, unixMs: number): void {
  const seconds = Math.floor(unixMs / 1000);
  const nanos = Math.min(999_999_999, Math.floor((unixMs - seconds * 1000) * 1_000_000));
  writeTai64nParts(out, off, seconds, nanos);
}

/** From whole Unix seconds and nanoseconds in [0, 10^9), for a caller holding a finer clock. */
export function writeTai64nParts(out: Uint8Array, off: number, unixSeconds: number, nanoseconds: number): void {
  const tai = unixSeconds + TAI64_BASE_LO;
  const hi = TAI64_BASE_HI + Math.floor(tai / TWO_32);
  writeU32BE(out, off, hi);
  writeU32BE(out, off + 4, tai >>> 0);
  writeU32BE(out, off + 8, (nanoseconds & ~WHITENER_MASK) >>> 0);
}

/** True when timestamp `a` is strictly later than `b`: a byte-wise comparison, since both fields are big-endian. */
export function tai64nIsAfter(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < TAI64N_SIZE; i++) {
    // Callers pass two TAI64N_SIZE-byte fields, so both reads are in range.
    const x = a[aOff + i]!;
    const y = b[bOff + i]!;
    if (x !== y) return x > y;
  }
  return false;
}

function writeU32BE(out: Uint8Array, off: number, value: number): void {
  out[off] = value >>> 24;
  out[off + 1] = value >>> 16;
  out[off + 2] = value >>> 8;
  out[off + 3] = value;
}
