/*
 * Reference CryptoPrimitives on @noble (AEADs, X25519) and our own BLAKE2s: no native code and no
 * node:crypto ciphers, so it also runs where node:crypto lacks ChaCha20-Poly1305 (Electron's
 * BoringSSL). @noble allocates inside every AEAD call; this is the portable fallback, not the fast path.
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';

import * as blake from './blake2s.js';
import { checkRegion, clampPrivateKey, equal, wipe } from './bytes.js';
import { KEY_LENGTH, MAX_AEAD_COUNTER, TAG_LENGTH, type CryptoPrimitives } from './primitives.js';

// Shared per-call nonce; the AEAD only reads it during the call.
const nonce = new Uint8Array(12);
const nonceView = new DataView(nonce.buffer);
const GETRANDOM_MAX = 65536;

function setCounter(counter: number): void {
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_AEAD_COUNTER) {
    throw new RangeError(`AEAD counter out of range: ${counter}`);
  }
  nonceView.setUint32(4, counter >>> 0, true);
  nonceView.setUint32(8, Math.floor(counter / 0x1_0000_0000), true);
}

function optionalAd(ad: Uint8Array | null | undefined): Uint8Array | undefined {
  return ad ?? undefined;
}

type AeadCons = typeof chacha20poly1305;

function sealWith(
  cipher: AeadCons,
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
  cipher(key, iv, optionalAd(ad)).encrypt(
    src.subarray(srcOffset, srcOffset + length),
    out.subarray(outOffset, outOffset + written),
  );
  return written;
}

function openWith(
  cipher: AeadCons,
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
  try {
    cipher(key, iv, optionalAd(ad)).decrypt(
      src.subarray(srcOffset, srcOffset + length),
      out.subarray(outOffset, outOffset + plain),
    );
  } catch {
    return -1;
  }
  return plain;
}

export function createNobleCrypto(): CryptoPrimitives {
  return {
    name: 'noble',

    seal(out, outOffset, key, counter, src, srcOffset, length, ad) {
      setCounter(counter);
      return sealWith(chacha20poly1305, key, nonce, ad, out, outOffset, src, srcOffset, length);
    },

    open(out, outOffset, key, counter, src, srcOffset, length, ad) {
      setCounter(counter);
      return openWith(chacha20poly1305, key, nonce, ad, out, outOffset, src, srcOffset, length);
    },

    sealWithNonce(out, outOffset, key, iv, src, srcOffset, length, ad) {
      return sealWith(chacha20poly1305, key, iv, ad, out, outOffset, src, srcOffset, length);
    },

    openWithNonce(out, outOffset, key, iv, src, srcOffset, length, ad) {
      return openWith(chacha20poly1305, key, iv, ad, out, outOffset, src, srcOffset, length);
    },

    xseal(out, outOffset, key, xnonce, src, srcOffset, length, ad) {
      return sealWith(xchacha20poly1305, key, xnonce, ad, out, outOffset, src, srcOffset, length);
    },

    xopen(out, outOffset, key, xnonce, src, srcOffset, length, ad) {
      return openWith(xchacha20poly1305, key, xnonce, ad, out, outOffset, src, srcOffset, length);
    },

    x25519(out, scalar, point) {
      // @noble throws on low-order points (before running the ladder); that is our `false`.
      try {
        const shared = nobleX25519.scalarMult(scalar, point);
        out.set(shared.subarray(0, KEY_LENGTH));
        wipe(shared);
        return true;
      } catch {
        out.fill(0, 0, KEY_LENGTH);
        return false;
      }
    },

    x25519Base(out, scalar) {
      out.set(nobleX25519.scalarMultBase(scalar).subarray(0, KEY_LENGTH));
    },

    randomFill(buf) {
      for (let i = 0; i < buf.length; i += GETRANDOM_MAX) {
        globalThis.crypto.getRandomValues(buf.subarray(i, Math.min(buf.length, i + GETRANDOM_MAX)));
      }
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
