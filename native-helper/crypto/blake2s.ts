/*
 * BLAKE2s, keyed BLAKE2s, HMAC-BLAKE2s and WireGuard's KDF1..3 (HKDF, RFC 5869, over HMAC-BLAKE2s).
 * Shared by both CryptoPrimitives implementations: libsodium has no BLAKE2s.
 */
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';

import { HASH_LENGTH } from './primitives.js';

// @noble's digestInto wants a 4-byte-aligned target; callers hand us views anywhere in a
// message, so digests land here first and are wiped once copied out.
const digest = new Uint8Array(HASH_LENGTH);
const hmacOut = new Uint8Array(HASH_LENGTH);
const kdfSecret = new Uint8Array(HASH_LENGTH);
// T(i) || i, the HKDF-Expand input for the next output block.
const kdfBlock = new Uint8Array(HASH_LENGTH + 1);

export function hash(out: Uint8Array, a: Uint8Array, b?: Uint8Array): void {
  const state = blake2s.create();
  state.update(a);
  if (b !== undefined) state.update(b);
  state.digestInto(digest);
  out.set(digest.subarray(0, HASH_LENGTH));
  digest.fill(0);
}

export function mac(out: Uint8Array, key: Uint8Array, data: Uint8Array): void {
  const state = blake2s.create({ key, dkLen: out.length });
  state.update(data);
  state.digestInto(digest);
  out.set(digest.subarray(0, out.length));
  digest.fill(0);
}

export function hmac(out: Uint8Array, key: Uint8Array, data: Uint8Array): void {
  const state = nobleHmac.create(blake2s, key);
  state.update(data);
  state.digestInto(hmacOut);
  state.destroy();
  out.set(hmacOut);
  hmacOut.fill(0);
}

function expand(out: Uint8Array, previousLength: number, index: number): void {
  kdfBlock[previousLength] = index;
  hmac(kdfBlock, kdfSecret, kdfBlock.subarray(0, previousLength + 1));
  out.set(kdfBlock.subarray(0, HASH_LENGTH));
}

// The extract step runs before any output is written, so t0 may be the chaining key itself.
function kdf(t0: Uint8Array, t1: Uint8Array | null, t2: Uint8Array | null, chainingKey: Uint8Array, input: Uint8Array): void {
  hmac(kdfSecret, chainingKey, input);
  expand(t0, 0, 1);
  if (t1 !== null) expand(t1, HASH_LENGTH, 2);
  if (t2 !== null) expand(t2, HASH_LENGTH, 3);
  kdfSecret.fill(0);
  kdfBlock.fill(0);
}

export function kdf1(t0: Uint8Array, chainingKey: Uint8Array, input: Uint8Array): void {
  kdf(t0, null, null, chainingKey, input);
}

export function kdf2(t0: Uint8Array, t1: Uint8Array, chainingKey: Uint8Array, input: Uint8Array): void {
  kdf(t0, t1, null, chainingKey, input);
}

export function kdf3(t0: Uint8Array, t1: Uint8Array, t2: Uint8Array, chainingKey: Uint8Array, input: Uint8Array): void {
  kdf(t0, t1, t2, chainingKey, input);
}
