/*
 * The Noise symmetric-state steps as WireGuard runs them. Every handshake key encrypts exactly one
 * message, so the AEAD nonce is always 0 and the additional data is always the running hash.
 * Chaining key, hash and key are caller-owned 32-byte arrays updated in place.
 */
import { isZero } from '../crypto/bytes.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';

const EMPTY = new Uint8Array(0);
// Secrets that live for one step only; wiped before the step returns. The steps never call each other while one
// of these is in use, and nothing here is re-entered.
const dhResult = new Uint8Array(32);
const tau = new Uint8Array(32);

/** h = HASH(h || data) */
export function mixHash(crypto: CryptoPrimitives, hash: Uint8Array, data: Uint8Array): void {
  crypto.hash(hash, hash, data);
}

/** The `e` token with a PSK pattern: the ephemeral public key enters both hash and chaining key. */
export function mixEphemeral(
  crypto: CryptoPrimitives,
  chainingKey: Uint8Array,
  hash: Uint8Array,
  ephemeral: Uint8Array,
): void {
  mixHash(crypto, hash, ephemeral);
  crypto.kdf1(chainingKey, chainingKey, ephemeral);
}

/**
 * ck, key = KDF2(ck, DH(private, public)), or ck = KDF1(...) when key is null.
 * False when the public key is of low order; nothing is mixed then.
 */
export function mixDh(
  crypto: CryptoPrimitives,
  chainingKey: Uint8Array,
  key: Uint8Array | null,
  privateKey: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  const ok = crypto.x25519(dhResult, privateKey, publicKey);
  if (ok) mixSharedSecret(crypto, chainingKey, key, dhResult);
  crypto.wipe(dhResult);
  return ok;
}

/** mixDh for a DH result computed earlier (the static-static secret); all zero means unusable. */
export function mixPrecomputedDh(
  crypto: CryptoPrimitives,
  chainingKey: Uint8Array,
  key: Uint8Array,
  shared: Uint8Array,
): boolean {
  if (isZero(shared)) return false;
  mixSharedSecret(crypto, chainingKey, key, shared);
  return true;
}

function mixSharedSecret(
  crypto: CryptoPrimitives,
  chainingKey: Uint8Array,
  key: Uint8Array | null,
  shared: Uint8Array,
): void {
  if (key === null) crypto.kdf1(chainingKey, chainingKey, shared);
  else crypto.kdf2(chainingKey, key, chainingKey, shared);
}

/** The `psk` token: ck, tau, key = KDF3(ck, psk); h = HASH(h || tau). */
export function mixPsk(
  crypto: CryptoPrimitives,
  chainingKey: Uint8Array,
  hash: Uint8Array,
  key: Uint8Array,
  psk: Uint8Array,
): void {
  crypto.kdf3(chainingKey, tau, key, chainingKey, psk);
  mixHash(crypto, hash, tau);
  crypto.wipe(tau);
}

/** Seals src into out[outOffset..] under key with AD = hash, then mixes the ciphertext into hash. */
export function encryptAndHash(
  crypto: CryptoPrimitives,
  key: Uint8Array,
  hash: Uint8Array,
  out: Uint8Array,
  outOffset: number,
  src: Uint8Array,
): void {
  const written = crypto.seal(out, outOffset, key, 0, src, 0, src.length, hash);
  crypto.hash(hash, hash, out, outOffset, written);
}

/**
 * Opens `length` bytes of ciphertext at src[srcOffset] into out (which must not alias src: the
 * ciphertext is hashed afterwards). The hash is left untouched on failure.
 */
export function decryptAndHash(
  crypto: CryptoPrimitives,
  key: Uint8Array,
  hash: Uint8Array,
  out: Uint8Array,
  src: Uint8Array,
  srcOffset: number,
  length: number,
): boolean {
  if (crypto.open(out, 0, key, 0, src, srcOffset, length, hash) < 0) return false;
  crypto.hash(hash, hash, src, srcOffset, length);
  return true;
}

/** Split(): the two transport keys, KDF2(ck, empty). */
export function split(crypto: CryptoPrimitives, first: Uint8Array, second: Uint8Array, chainingKey: Uint8Array): void {
  crypto.kdf2(first, second, chainingKey, EMPTY);
}
