/*
 * Fast CryptoPrimitives over sodium-native (libsodium): AEADs, X25519 and the CSPRNG run native.
 *
 * sodium-native 5 takes any typed-array view (not only Buffers) but sizes everything by the view's
 * length and has no (buffer, offset, length) form of its AEADs, so each call needs exact views of
 * the caller's regions. Those come from region-views.ts, which caches them per batch buffer: in
 * steady traffic a seal or open allocates nothing (two fresh views were ~190 bytes a call). An addon
 * taking offsets would make the cache unnecessary; the offset-based interface leaves room for one.
 */
import { createRequire } from 'node:module';

import * as blake from './blake2s.js';
import { checkRegion, clampPrivateKey, equal, wipe } from './bytes.js';
import { KEY_LENGTH, MAX_AEAD_COUNTER, TAG_LENGTH, type CryptoPrimitives } from './primitives.js';
import { regionView } from './region-views.js';

type AeadEncrypt = (
  c: Uint8Array,
  m: Uint8Array,
  ad: Uint8Array | null,
  nsec: null,
  npub: Uint8Array,
  k: Uint8Array,
) => number;
type AeadDecrypt = (
  m: Uint8Array,
  nsec: null,
  c: Uint8Array,
  ad: Uint8Array | null,
  npub: Uint8Array,
  k: Uint8Array,
) => number;

/** The slice of sodium-native's API used here (the package ships no types). */
interface SodiumNative {
  crypto_aead_chacha20poly1305_ietf_encrypt: AeadEncrypt;
  crypto_aead_chacha20poly1305_ietf_decrypt: AeadDecrypt;
  crypto_aead_xchacha20poly1305_ietf_encrypt: AeadEncrypt;
  crypto_aead_xchacha20poly1305_ietf_decrypt: AeadDecrypt;
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  randombytes_buf(buf: Uint8Array): void;
  sodium_memzero(buf: Uint8Array): void;
}

/** Loads the native module; throws when it is missing or built for another ABI. */
function loadSodium(): SodiumNative {
  const require = createRequire(import.meta.url);
  return require('sodium-native') as SodiumNative;
}

export function createSodiumCrypto(): CryptoPrimitives {
  const sodium = loadSodium();
  const nonce = new Uint8Array(12);
  const nonceView = new DataView(nonce.buffer);

  function setCounter(counter: number): void {
    if (!Number.isInteger(counter) || counter < 0 || counter > MAX_AEAD_COUNTER) {
      throw new RangeError(`AEAD counter out of range: ${counter}`);
    }
    nonceView.setUint32(4, counter >>> 0, true);
    nonceView.setUint32(8, Math.floor(counter / 0x1_0000_0000), true);
  }

  function seal(
    encrypt: AeadEncrypt,
    key: Uint8Array,
    iv: Uint8Array,
    ad: Uint8Array | null | undefined,
    out: Uint8Array,
    outOffset: number,
    src: Uint8Array,
    srcOffset: number,
    length: number,
  ): number {
    const written = length + TAG_LENGTH;
    checkRegion(src, srcOffset, length);
    checkRegion(out, outOffset, written);
    return encrypt(regionView(out, outOffset, written), regionView(src, srcOffset, length), ad ?? null, null, iv, key);
  }

  function open(
    decrypt: AeadDecrypt,
    key: Uint8Array,
    iv: Uint8Array,
    ad: Uint8Array | null | undefined,
    out: Uint8Array,
    outOffset: number,
    src: Uint8Array,
    srcOffset: number,
    length: number,
  ): number {
    checkRegion(src, srcOffset, length);
    if (length < TAG_LENGTH) return -1;
    const plain = length - TAG_LENGTH;
    checkRegion(out, outOffset, plain);
    // sodium-native reports a bad tag by throwing; forgeries are rare enough for that to be cheap.
    try {
      return decrypt(regionView(out, outOffset, plain), null, regionView(src, srcOffset, length), ad ?? null, iv, key);
    } catch {
      return -1;
    }
  }

  return {
    name: 'sodium',

    seal(out, outOffset, key, counter, src, srcOffset, length, ad) {
      setCounter(counter);
      return seal(
        sodium.crypto_aead_chacha20poly1305_ietf_encrypt,
        key,
        nonce,
        ad,
        out,
        outOffset,
        src,
        srcOffset,
        length,
      );
    },

    open(out, outOffset, key, counter, src, srcOffset, length, ad) {
      setCounter(counter);
      return open(
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt,
        key,
        nonce,
        ad,
        out,
        outOffset,
        src,
        srcOffset,
        length,
      );
    },

    sealWithNonce(out, outOffset, key, iv, src, srcOffset, length, ad) {
      return seal(
        sodium.crypto_aead_chacha20poly1305_ietf_encrypt,
        key,
        iv,
        ad,
        out,
        outOffset,
        src,
        srcOffset,
        length,
      );
    },

    openWithNonce(out, outOffset, key, iv, src, srcOffset, length, ad) {
      return open(
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt,
        key,
        iv,
        ad,
        out,
        outOffset,
        src,
        srcOffset,
        length,
      );
    },

    xseal(out, outOffset, key, xnonce, src, srcOffset, length, ad) {
      return seal(
        sodium.crypto_aead_xchacha20poly1305_ietf_encrypt,
        key,
        xnonce,
        ad,
        out,
        outOffset,
        src,
        srcOffset,
        length,
      );
    },

    xopen(out, outOffset, key, xnonce, src, srcOffset, length, ad) {
      return open(
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt,
        key,
        xnonce,
        ad,
        out,
        outOffset,
        src,
        srcOffset,
        length,
      );
    },

    x25519(out, scalar, point) {
      // libsodium refuses low-order points and all-zero results with -1, which the binding throws.
      try {
        sodium.crypto_scalarmult(regionView(out, 0, KEY_LENGTH), scalar, point);
        return true;
      } catch {
        out.fill(0, 0, KEY_LENGTH);
        return false;
      }
    },

    x25519Base(out, scalar) {
      sodium.crypto_scalarmult_base(regionView(out, 0, KEY_LENGTH), scalar);
    },

    randomFill(buf) {
      sodium.randombytes_buf(buf);
    },

    hash: blake.hash,
    mac: blake.mac,
    hmac: blake.hmac,
    kdf1: blake.kdf1,
    kdf2: blake.kdf2,
    kdf3: blake.kdf3,
    clampPrivateKey,
    equal,
    wipe,
    forgetKeys() {},
  };
}
