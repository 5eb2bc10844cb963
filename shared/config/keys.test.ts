import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, isValidKey, isZeroKey, keyError } from './keys.js';

// From the WireGuard documentation's example config.
const SAMPLE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';

describe('keys', () => {
  it('encodes as standard base64 does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const text = encodeKey(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeKey(text)).toEqual(bytes);
      }),
    );
  });

  it('decodes a real key', () => {
    expect(decodeKey(SAMPLE)).toEqual(new Uint8Array(Buffer.from(SAMPLE, 'base64')));
    expect(isValidKey(SAMPLE)).toBe(true);
  });

  it('refuses the non-canonical spellings that base64 decoders usually tolerate', () => {
    // `k` (36) carries the last 4 key bits and 2 zero bits; `l`, `m`, `n` set the padding bits.
    expect(SAMPLE[42]).toBe('k');
    for (const c of 'lmn') {
      const variant = SAMPLE.slice(0, 42) + c + '=';
      expect(Buffer.from(variant, 'base64')).toEqual(Buffer.from(SAMPLE, 'base64'));
      expect(decodeKey(variant)).toBeNull();
      expect(keyError(variant)).toMatch(/not canonical/);
    }
  });

  it.each([
    ['', /found 0 characters/],
    [SAMPLE.slice(0, 43), /found 43 characters/],
    [SAMPLE + 'A', /found 45 characters/],
    [SAMPLE.slice(0, 43) + 'A', /must end with `=`/],
    [SAMPLE.slice(0, 42) + '==', /not a base64 character/],
    ['yAnz5TF-lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=', /URL-safe/],
    [SAMPLE.slice(0, 10) + 'é' + SAMPLE.slice(11), /`é`, which is not a base64 character/],
    ['yAnz5TF lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=', /` `, which is not a base64 character/],
    [Buffer.alloc(33).toString('base64'), /found 44 characters|must end/],
  ])('refuses %j', (text, message) => {
    expect(decodeKey(text)).toBeNull();
    expect(keyError(text)).toMatch(message);
  });

  it('refuses every character outside the alphabet in every position', () => {
    fc.assert(
      fc.property(fc.nat(42), fc.string({ minLength: 1, maxLength: 1 }), (index, c) => {
        fc.pre(!/[A-Za-z0-9+/]/.test(c));
        expect(isValidKey(SAMPLE.slice(0, index) + c + SAMPLE.slice(index + 1))).toBe(false);
      }),
    );
  });

  it('knows the zero key', () => {
    expect(isZeroKey('A'.repeat(43) + '=')).toBe(true);
    expect(isZeroKey(SAMPLE)).toBe(false);
  });

  it('refuses to encode a key of the wrong size', () => {
    expect(() => encodeKey(new Uint8Array(31))).toThrow(RangeError);
  });
});
