import { describe, expect, it } from 'vitest';

import { loadCrypto } from './index.js';

describe('loadCrypto', () => {
  it('prefers sodium when the addon loads', () => {
    expect(loadCrypto({}).name).toBe('sodium');
  });

  it('honours WARREN_CRYPTO', () => {
    expect(loadCrypto({ WARREN_CRYPTO: 'noble' }).name).toBe('noble');
    expect(loadCrypto({ WARREN_CRYPTO: 'sodium' }).name).toBe('sodium');
    expect(() => loadCrypto({ WARREN_CRYPTO: 'openssl' })).toThrow(/WARREN_CRYPTO/);
  });
});
