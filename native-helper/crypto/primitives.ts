/*
 * The one crypto surface the engine sees. Three implementations sit behind it (@noble reference,
 * sodium-native, and sodium-native with OpenSSL's ChaCha20-Poly1305 for the data path: openssl.ts);
 * BLAKE2s, HMAC and the KDF are our own (blake2s.ts) in all.
 *
 * AEAD calls address regions of caller-owned buffers by offset and length instead of taking
 * views, so the data path can seal and open packets in place inside one big batch buffer without
 * slicing it per packet; results come back as lengths, never as new arrays. Sealing in place means
 * `out === src` and `outOffset === srcOffset`; any other overlap between the regions is unsupported.
 */

export const KEY_LENGTH = 32;
export const TAG_LENGTH = 16;
export const HASH_LENGTH = 32;
export const MAC_LENGTH = 16;
export const XNONCE_LENGTH = 24;

/** Largest transport counter the AEAD accepts: counters travel as doubles, exact below 2^53. */
export const MAX_AEAD_COUNTER = Number.MAX_SAFE_INTEGER;

export interface CryptoPrimitives {
  readonly name: 'noble' | 'sodium' | 'openssl';

  /**
   * ChaCha20-Poly1305 (RFC 8439) with nonce = 4 zero bytes || counter as u64 LE.
   * Reads `length` plaintext bytes at src[srcOffset], writes `length + 16` bytes at out[outOffset].
   * Returns the number of bytes written.
   */
  seal(
    out: Uint8Array,
    outOffset: number,
    key: Uint8Array,
    counter: number,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    ad?: Uint8Array | null,
  ): number;

  /**
   * Inverse of seal: `length` counts ciphertext plus tag. Returns the plaintext length written at
   * out[outOffset], or -1 when authentication fails (the out region's contents are then unspecified).
   */
  open(
    out: Uint8Array,
    outOffset: number,
    key: Uint8Array,
    counter: number,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    ad?: Uint8Array | null,
  ): number;

  /** seal with an explicit 12-byte RFC 8439 nonce, for published vectors (Wycheproof, RFC 8439). */
  sealWithNonce(
    out: Uint8Array,
    outOffset: number,
    key: Uint8Array,
    nonce: Uint8Array,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    ad?: Uint8Array | null,
  ): number;

  /** open with an explicit 12-byte nonce. */
  openWithNonce(
    out: Uint8Array,
    outOffset: number,
    key: Uint8Array,
    nonce: Uint8Array,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    ad?: Uint8Array | null,
  ): number;

  /** XChaCha20-Poly1305 with a 24-byte nonce; same conventions as seal. */
  xseal(
    out: Uint8Array,
    outOffset: number,
    key: Uint8Array,
    nonce: Uint8Array,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    ad?: Uint8Array | null,
  ): number;

  /** XChaCha20-Poly1305 open; same conventions as open. */
  xopen(
    out: Uint8Array,
    outOffset: number,
    key: Uint8Array,
    nonce: Uint8Array,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    ad?: Uint8Array | null,
  ): number;

  /**
   * X25519(scalar, point) into out (32 bytes). Returns false, with out zeroed, when the point is
   * of low order (the shared secret would be all zero) so the caller can refuse the handshake.
   */
  x25519(out: Uint8Array, scalar: Uint8Array, point: Uint8Array): boolean;

  /** Public key for a private key: X25519(scalar, 9). */
  x25519Base(out: Uint8Array, scalar: Uint8Array): void;

  /** Fills buf from the system CSPRNG. */
  randomFill(buf: Uint8Array): void;

  /**
   * BLAKE2s-256 of a || b into out (32 bytes); of a || b[bOffset, bOffset + bLength) when a region is
   * given (a ciphertext inside a message, hashed without a view of it). out may alias a or b.
   */
  hash(out: Uint8Array, a: Uint8Array, b?: Uint8Array, bOffset?: number, bLength?: number): void;

  /**
   * Keyed BLAKE2s of data's first `length` bytes (all of it by default), digest length = out.length
   * (16 for MAC1/MAC2 and cookies; 1..32). A key of 0..32 bytes; an empty key hashes unkeyed.
   */
  mac(out: Uint8Array, key: Uint8Array, data: Uint8Array, length?: number): void;

  /** HMAC-BLAKE2s(key, data) into out (32 bytes). */
  hmac(out: Uint8Array, key: Uint8Array, data: Uint8Array): void;

  /** WireGuard KDF_n (HKDF over HMAC-BLAKE2s); outputs may alias the chaining key. */
  kdf1(t0: Uint8Array, chainingKey: Uint8Array, input: Uint8Array): void;
  kdf2(t0: Uint8Array, t1: Uint8Array, chainingKey: Uint8Array, input: Uint8Array): void;
  kdf3(t0: Uint8Array, t1: Uint8Array, t2: Uint8Array, chainingKey: Uint8Array, input: Uint8Array): void;

  /** Clamps an X25519 private key in place (RFC 7748 §5). */
  clampPrivateKey(key: Uint8Array): void;

  /** Constant-time comparison of equal-length arrays; different lengths compare unequal. */
  equal(a: Uint8Array, b: Uint8Array): boolean;

  /** Overwrites buf with zeros. */
  wipe(buf: Uint8Array): void;

  /**
   * Drops any copy of AEAD keys the implementation keeps beyond a call (OpenSSL's contexts keep the last key):
   * the engine calls it whenever it wipes keypairs, so no key outlives its keypair. A no-op where nothing is kept.
   */
  forgetKeys(): void;
}
