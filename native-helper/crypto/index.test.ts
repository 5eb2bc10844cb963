import { describe, expect, it } from 'vitest';

import { loadCrypto } from './index.js';

describe('loadCrypto', () => {
  it("prefers OpenSSL's AEAD when the addon and libcrypto.so.3 load", () => {
    expect(loadCrypto({}).name).toBe('openssl');
  });

  it('honours WARREN_CRYPTO', () => {
    expect(loadCrypto({ WARREN_CRYPTO: 'noble' }).name).toBe('noble');
    expect(loadCrypto({ WARREN_CRYPTO: 'sodium' }).name).toBe('sodium');
    expect(loadCrypto({ WARREN_CRYPTO: 'openssl' }).name).toBe('openssl');
    expect(() => loadCrypto({ WARREN_CRYPTO: 'boringssl' })).toThrow(/WARREN_CRYPTO/);
    expect(() => loadCrypto({ WARREN_CRYPTO: 'toString' })).toThrow(/WARREN_CRYPTO/);
  });
});
