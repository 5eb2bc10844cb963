/*
 * Key pairs made in the window for "Generate keypair": the private key goes into the editor's text (the user
 * saves it with the tunnel), the public key is shown so it can be given to the peer. Made as `wg genkey` makes
 * them: 32 random bytes from the platform's CSPRNG, clamped for X25519.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import {
  decodeKey,
  encodeKey,
  hidePrivateKey,
  insertPrivateKey,
  restorePrivateKey,
} from '../../../../shared/config/index.js';

export interface Keypair {
  privateKey: string;
  publicKey: string;
}

/** `random(n)`: n bytes from a CSPRNG; tests pass fixed bytes. */
export function generateKeypair(
  random: (length: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): Keypair {
  const secret = random(32);
  // Clamped as X25519 wants; `random` answers the 32 bytes asked for.
  secret[0]! &= 248;
  secret[31] = (secret[31]! & 127) | 64;
  const pair = { privateKey: encodeKey(secret), publicKey: encodeKey(x25519.getPublicKey(secret)) };
  secret.fill(0);
  return pair;
}

/** The public key of a private key in base64, or null when `privateKey` is not a key. */
export function publicKeyOf(privateKey: string): string | null {
  const secret = decodeKey(privateKey);
  if (secret === null) return null;
  const publicKey = encodeKey(x25519.getPublicKey(secret));
  secret.fill(0);
  return publicKey;
}

/**
 * `text` with its [Interface] PrivateKey set to `key`: every PrivateKey line of [Interface] sections replaced
 * (through the placeholder round trip shared/config uses for hidden keys, so only those lines change), or a
 * PrivateKey line put first in [Interface] when there is none.
 */
export function withPrivateKey(text: string, key: string): string {
  const inserted = insertPrivateKey(text, key);
  if (inserted.ok) return inserted.text;
  return restorePrivateKey(hidePrivateKey(text), `[Interface]\nPrivateKey = ${key}\n`);
}
