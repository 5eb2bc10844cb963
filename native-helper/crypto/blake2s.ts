/*
 * BLAKE2s (RFC 7693), keyed BLAKE2s, HMAC-BLAKE2s (RFC 2104, 64-byte blocks) and WireGuard's KDF1..3 (HKDF,
 * RFC 5869, over HMAC-BLAKE2s). Shared by both CryptoPrimitives implementations: libsodium has no BLAKE2s.
 *
 * Written for the handshake's fixed, small inputs: nothing is allocated per call. One hashing state lives at
 * module level (the functions never call out, so they cannot be re-entered), the compression function
 * (blake2s-compress.ts) keeps its working vector in locals, and whole blocks are read straight from the caller's
 * bytes. An HMAC key's inner and
 * outer pad states are computed once and reused for every HKDF-Expand block under that key. Every scratch array
 * that held key material is wiped before a function returns. Outputs are written last, so they may alias any
 * input (mixHash and mixKey update the hash and chaining key in place).
 *
 * Checked against @noble/hashes on random inputs and against the RFC 7693 self-test (blake2s.test.ts).
 */
import { IV, compress as compressInto } from './blake2s-compress.js';
import { checkRegion } from './bytes.js';
import { HASH_LENGTH } from './primitives.js';

const BLOCK = 64;

// ---- the running hash: chaining value, pending block, bytes compressed so far ----
const h = new Int32Array(8);
const pending = new Uint8Array(BLOCK);
let pendingLength = 0;
let compressed = 0;
let digestLength = HASH_LENGTH;

// ---- HMAC: the states after the ipad and opad blocks, and the inner digest ----
const innerPad = new Int32Array(8);
const outerPad = new Int32Array(8);
const padBlock = new Uint8Array(BLOCK);
/** The key xor ipad itself, for an empty message: that block is then the final one, which innerPad is not. */
const innerPadBlock = new Uint8Array(BLOCK);
const innerDigest = new Uint8Array(HASH_LENGTH);

// ---- HKDF: the PRK, and T(i) || i ----
const prk = new Uint8Array(HASH_LENGTH);
const expandBlock = new Uint8Array(HASH_LENGTH + 1);

/** Starts a hash with an `outLength`-byte digest; a key (1..32 bytes) makes it keyed (RFC 7693 §3.3). */
function start(outLength: number, key: Uint8Array | null): void {
  const keyLength = key === null ? 0 : key.length;
  h.set(IV);
  h[0]! ^= 0x01010000 ^ (keyLength << 8) ^ outLength;
  digestLength = outLength;
  compressed = 0;
  pendingLength = 0;
  if (key !== null && keyLength > 0) {
    pending.set(key);
    pending.fill(0, keyLength);
    pendingLength = BLOCK;
  }
}

/** Compresses 64 bytes at src[off]; `compressed` already counts them. */
function compress(src: Uint8Array, off: number, last: boolean): void {
  compressInto(h, src, off, compressed, last);
}

/** Continues a hash from a saved chaining value after `blocks` whole blocks (HMAC's pad states). */
function resume(saved: Int32Array, blocks: number): void {
  h.set(saved);
  digestLength = HASH_LENGTH;
  compressed = blocks * BLOCK;
  pendingLength = 0;
}

/**
 * Absorbs data[off, off + len). The last block must be compressed with the final flag, so a full pending block
 * is only compressed once more input arrives.
 */
function update(data: Uint8Array, off: number, len: number): void {
  const end = off + len;
  while (off < end) {
    if (pendingLength === BLOCK) {
      compressed += BLOCK;
      compress(pending, 0, false);
      pendingLength = 0;
    }
    if (pendingLength === 0) {
      // Whole blocks straight from the input, keeping at least one byte back for the final block.
      while (end - off > BLOCK) {
        compressed += BLOCK;
        compress(data, off, false);
        off += BLOCK;
      }
    }
    const take = Math.min(BLOCK - pendingLength, end - off);
    // off + i < end, and every caller's region was checked (or is the whole array): the reads are in range.
    for (let i = 0; i < take; i++) pending[pendingLength + i] = data[off + i]!;
    pendingLength += take;
    off += take;
  }
}

/** Finishes the hash into out[outOff, outOff + digestLength) and wipes the state. */
function finish(out: Uint8Array, outOff: number): void {
  compressed += pendingLength;
  pending.fill(0, pendingLength);
  compress(pending, 0, true);
  for (let i = 0; i < digestLength; i++) out[outOff + i] = h[i >> 2]! >>> (8 * (i & 3));
  h.fill(0);
  pending.fill(0);
  pendingLength = 0;
}

/** BLAKE2s-256 of a || b[bOffset, bOffset + bLength) (all of b by default) into out (32 bytes). */
export function hash(out: Uint8Array, a: Uint8Array, b?: Uint8Array, bOffset = 0, bLength?: number): void {
  if (out.length < HASH_LENGTH) throw new RangeError(`hash output must hold ${HASH_LENGTH} bytes`);
  const length = b === undefined ? 0 : (bLength ?? b.length - bOffset);
  // Reads past the end would be `undefined`, hashed as zeros: refuse instead.
  if (b !== undefined) checkRegion(b, bOffset, length);
  start(HASH_LENGTH, null);
  update(a, 0, a.length);
  if (b !== undefined) update(b, bOffset, length);
  finish(out, 0);
}

/** Keyed BLAKE2s of data's first `length` bytes with an out.length-byte digest (1..32); an empty key hashes unkeyed. */
export function mac(out: Uint8Array, key: Uint8Array, data: Uint8Array, length = data.length): void {
  if (out.length < 1 || out.length > HASH_LENGTH)
    throw new RangeError(`BLAKE2s digests are 1..32 bytes, not ${out.length}`);
  if (key.length > HASH_LENGTH) throw new RangeError(`BLAKE2s keys are at most 32 bytes, not ${key.length}`);
  checkRegion(data, 0, length);
  start(out.length, key);
  update(data, 0, length);
  finish(out, 0);
}

/** Computes innerPad and outerPad for an HMAC key (a key longer than a block is hashed first). */
function hmacKey(key: Uint8Array): void {
  if (key.length > BLOCK) {
    start(HASH_LENGTH, null);
    update(key, 0, key.length);
    finish(padBlock, 0);
    padBlock.fill(0, HASH_LENGTH);
  } else {
    padBlock.set(key);
    padBlock.fill(0, key.length);
  }
  for (let i = 0; i < BLOCK; i++) padBlock[i]! ^= 0x36;
  innerPadBlock.set(padBlock);
  padState(innerPad);
  for (let i = 0; i < BLOCK; i++) padBlock[i]! ^= 0x36 ^ 0x5c;
  padState(outerPad);
  padBlock.fill(0);
}

/** The chaining value after hashing padBlock as the first of several blocks. */
function padState(saved: Int32Array): void {
  start(HASH_LENGTH, null);
  compressed = BLOCK;
  compress(padBlock, 0, false);
  saved.set(h);
}

/** HMAC of data[off, off + len) under the key last given to hmacKey, into out[outOff, outOff + 32). */
function hmacWithPads(out: Uint8Array, outOff: number, data: Uint8Array, off: number, len: number): void {
  if (len === 0) {
    start(HASH_LENGTH, null);
    update(innerPadBlock, 0, BLOCK);
  } else {
    resume(innerPad, 1);
    update(data, off, len);
  }
  finish(innerDigest, 0);
  resume(outerPad, 1);
  update(innerDigest, 0, HASH_LENGTH);
  finish(out, outOff);
  innerDigest.fill(0);
}

function wipePads(): void {
  innerPadBlock.fill(0);
  innerPad.fill(0);
  outerPad.fill(0);
}

/** HMAC-BLAKE2s(key, data) into out (32 bytes). */
export function hmac(out: Uint8Array, key: Uint8Array, data: Uint8Array): void {
  if (out.length < HASH_LENGTH) throw new RangeError(`HMAC output must hold ${HASH_LENGTH} bytes`);
  hmacKey(key);
  hmacWithPads(out, 0, data, 0, data.length);
  wipePads();
}

// HKDF-Extract, then as many HKDF-Expand blocks as outputs, all under the PRK's pads. The extract step reads
// the chaining key before any output is written, so t0 may be the chaining key itself.
function kdf(
  t0: Uint8Array,
  t1: Uint8Array | null,
  t2: Uint8Array | null,
  chainingKey: Uint8Array,
  input: Uint8Array,
): void {
  hmacKey(chainingKey);
  hmacWithPads(prk, 0, input, 0, input.length);
  hmacKey(prk);
  prk.fill(0);
  expandBlock[0] = 1;
  hmacWithPads(expandBlock, 0, expandBlock, 0, 1);
  copyHash(t0, expandBlock);
  if (t1 !== null) {
    expandBlock[HASH_LENGTH] = 2;
    hmacWithPads(expandBlock, 0, expandBlock, 0, HASH_LENGTH + 1);
    copyHash(t1, expandBlock);
  }
  if (t2 !== null) {
    expandBlock[HASH_LENGTH] = 3;
    hmacWithPads(expandBlock, 0, expandBlock, 0, HASH_LENGTH + 1);
    copyHash(t2, expandBlock);
  }
  expandBlock.fill(0);
  wipePads();
}

function copyHash(out: Uint8Array, from: Uint8Array): void {
  if (out.length < HASH_LENGTH) throw new RangeError(`KDF outputs must hold ${HASH_LENGTH} bytes`);
  for (let i = 0; i < HASH_LENGTH; i++) out[i] = from[i]!;
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
