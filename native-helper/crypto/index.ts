/*
 * Picks the CryptoPrimitives implementation: sodium-native when its addon loads, else the @noble
 * reference. WARREN_CRYPTO=noble forces the reference; WARREN_CRYPTO=sodium makes a failed native
 * load an error instead of a silent fallback.
 */
import { createNobleCrypto } from './noble.js';
import type { CryptoPrimitives } from './primitives.js';
import { createSodiumCrypto } from './sodium.js';

export type { CryptoPrimitives } from './primitives.js';

export function loadCrypto(env: Record<string, string | undefined> = process.env): CryptoPrimitives {
  const wanted = env.WARREN_CRYPTO;
  if (wanted === 'noble') return createNobleCrypto();
  if (wanted === 'sodium') return createSodiumCrypto();
  if (wanted !== undefined && wanted !== '') {
    throw new Error(`WARREN_CRYPTO must be "noble" or "sodium", not "${wanted}"`);
  }
  try {
    return createSodiumCrypto();
  } catch {
    return createNobleCrypto();
  }
}
