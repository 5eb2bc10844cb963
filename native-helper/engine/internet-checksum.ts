/*
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit big-endian
 * words. Sums are kept unfolded in a plain number (exact far beyond any packet size) so that a pseudo-header and
 * a payload can be summed in pieces and folded once.
 */

/** Adds the bytes [off, off+len) as big-endian 16-bit words to `sum`; an odd last byte is padded with zero. */
export function checksumAdd(sum: number, buf: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let i = off;
  // Callers sum regions of their own buffers, so every index below `end` exists.
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/** Folds a sum to 16 bits and complements it: the value to store in a checksum field. */
export function checksumFinish(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function internetChecksum(buf: Uint8Array, off: number, len: number): number {
  return checksumFinish(checksumAdd(0, buf, off, len));
}
