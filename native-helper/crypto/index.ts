/*
 * Picks the CryptoPrimitives implementation: the fastest that loads. OpenSSL's AEAD through our addon for the
 * data path (openssl.ts), else sodium-native, else the @noble reference. WARREN_CRYPTO=openssl|sodium|noble
 * forces one (a failed load is then an error instead of a silent fallback).
 */
import { createNobleCrypto } from './noble.js';
import { createOpensslCrypto } from './openssl.js';
import type { CryptoPrimitives } from './primitives.js';
import { createSodiumCrypto } from './sodium.js';

export type { CryptoPrimitives } from './primitives.js';

const IMPLEMENTATIONS: Record<CryptoPrimitives['name'], () => CryptoPrimitives> = {
  openssl: createOpensslCrypto,
  sodium: createSodiumCrypto,
  noble: createNobleCrypto,
};

export function loadCrypto(env: Record<string, string | undefined> = process.env): CryptoPrimitives {
  const wanted = env.WARREN_CRYPTO;
  if (wanted !== undefined && wanted !== '') {
    if (!Object.hasOwn(IMPLEMENTATIONS, wanted)) {
      throw new Error(`WARREN_CRYPTO must be "openssl", "sodium" or "noble", not "${wanted}"`);
    }
    return IMPLEMENTATIONS[wanted as CryptoPrimitives['name']]();
  }
  for (const create of [createOpensslCrypto, createSodiumCrypto]) {
    try {
      return create();
    } catch {
      // the next one
    }
  }
  return createNobleCrypto();
}
