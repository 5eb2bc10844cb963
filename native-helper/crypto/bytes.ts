/*
 * Byte helpers that must not leak timing or leave secrets behind. Their loops index below the lengths they
 * test, so the `!` on each read only tells the type checker what the bounds already guarantee.
 */

/** Constant-time in the contents; only the lengths may short-circuit. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Constant-time all-zero test, for X25519 outputs and unset keys. */
export function isZero(buf: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < buf.length; i++) acc |= buf[i]!;
  return acc === 0;
}

export function wipe(buf: Uint8Array): void {
  buf.fill(0);
}

/** RFC 7748 §5 decodeScalar25519 clamping, in place, as wg(8) stores private keys. */
export function clampPrivateKey(key: Uint8Array): void {
  // Callers pass a 32-byte private key (the CryptoPrimitives contract), so bytes 0 and 31 exist.
  key[0]! &= 248;
  key[31] = (key[31]! & 127) | 64;
}

/**
 * Throws unless buf[offset, offset + length) exists. Views would silently clamp a bad region and
 * turn a caller's bug into a failed authentication; this keeps it a loud programming error.
 */
export function checkRegion(buf: Uint8Array, offset: number, length: number): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= buf.length)) {
    throw new RangeError(`region [${offset}, ${offset + length}) outside a ${buf.length}-byte buffer`);
  }
}
