// X25519 key pairs as wg(8) makes them: `warren genkey` and `pubkey`, the helper's `create`, and the demo.
import { randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';

/** A fresh X25519 private key, clamped as wg genkey clamps it (RFC 7748 decodeScalar25519). */
export function generatePrivateKey(): Uint8Array {
  const key = randomBytes(32);
  // randomBytes(32) gives exactly 32 bytes, so both indices exist.
  key[0]! &= 248;
  key[31] = (key[31]! & 127) | 64;
  return key;
}

export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}
