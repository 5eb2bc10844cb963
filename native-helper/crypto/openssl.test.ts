// OpenSSL's ChaCha20-Poly1305 (addon/src/aead.c) against the @noble reference, in place as the data path uses it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../io/addon.js';
import { createNobleCrypto } from './noble.js';
import { createOpensslCrypto, opensslVersion } from './openssl.js';

const noble = createNobleCrypto();
const openssl = createOpensslCrypto();
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const counter = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));

/** plaintext at `at` inside a larger buffer, with room for the tag after it. */
function inBuffer(plain: Uint8Array, at: number): Uint8Array {
  const buf = new Uint8Array(at + plain.length + 16 + 7).fill(0xa5);
  buf.set(plain, at);
  return buf;
}

describe("OpenSSL's ChaCha20-Poly1305", () => {
  it('names the library it loaded', () => {
    expect(opensslVersion()).toMatch(/^OpenSSL 3\./);
  });

  it('seals in place exactly as the reference does, and opens what the reference sealed', () => {
    fc.assert(
      fc.property(key, counter, fc.uint8Array({ maxLength: 1500 }), fc.nat(40), (k, n, p, at) => {
        const expected = new Uint8Array(p.length + 16);
        noble.seal(expected, 0, k, n, p, 0, p.length);
        const buf = inBuffer(p, at);
        expect(openssl.seal(buf, at, k, n, buf, at, p.length)).toBe(p.length + 16);
        expect(buf.subarray(at, at + p.length + 16)).toEqual(expected);
        // Nothing outside the region moved.
        expect(buf.subarray(0, at).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(at + p.length + 16).every((b) => b === 0xa5)).toBe(true);
        expect(openssl.open(buf, at, k, n, buf, at, p.length + 16)).toBe(p.length);
        expect(buf.subarray(at, at + p.length)).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a flipped bit anywhere, the wrong counter, the wrong key and a region shorter than a tag', () => {
    fc.assert(
      fc.property(key, counter, fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (k, n, p, bit) => {
        const sealed = new Uint8Array(p.length + 16);
        noble.seal(sealed, 0, k, n, p, 0, p.length);
        const flipped = sealed.slice();
        flipped[Math.floor(bit / 8) % flipped.length]! ^= 1 << (bit % 8);
        expect(openssl.open(flipped, 0, k, n, flipped, 0, flipped.length)).toBe(-1);
        const other = n === Number.MAX_SAFE_INTEGER ? n - 1 : n + 1;
        expect(openssl.open(sealed.slice(), 0, k, other, sealed.slice(), 0, sealed.length)).toBe(-1);
        const wrongKey = k.slice();
        wrongKey[0]! ^= 0x80;
        const copy = sealed.slice();
        expect(openssl.open(copy, 0, wrongKey, n, copy, 0, copy.length)).toBe(-1);
      }),
      { numRuns: 200 },
    );
    const short = new Uint8Array(15);
    expect(openssl.open(short, 0, new Uint8Array(32), 0, short, 0, 15)).toBe(-1);
  });

  it('keeps up with a key change between packets (the context caches the last key)', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const plain = new Uint8Array(64).fill(9);
    for (const k of [a, b, a, a, b]) {
      const expected = new Uint8Array(80);
      noble.seal(expected, 0, k, 7, plain, 0, 64);
      const buf = inBuffer(plain, 0);
      openssl.seal(buf, 0, k, 7, buf, 0, 64);
      expect(buf.subarray(0, 80)).toEqual(expected);
    }
    // The same key object changed in place (a wiped key) is a different key.
    const k = new Uint8Array(32).fill(3);
    const buf = inBuffer(plain, 0);
    openssl.seal(buf, 0, k, 1, buf, 0, 64);
    k.fill(0);
    expect(openssl.open(buf, 0, k, 1, buf, 0, 80)).toBe(-1);
  });

  it('keeps no key after forgetKeys, and seals correctly after it', () => {
    const addon = loadAddon();
    const k = new Uint8Array(32).fill(8);
    const plain = new Uint8Array(64).fill(1);
    const buf = inBuffer(plain, 0);
    openssl.seal(buf, 0, k, 5, buf, 0, 64);
    expect(addon.aeadHoldsKey()).toBe(true);
    openssl.forgetKeys();
    expect(addon.aeadHoldsKey()).toBe(false);
    const again = inBuffer(plain, 0);
    openssl.seal(again, 0, k, 5, again, 0, 64);
    expect(again.subarray(0, 80)).toEqual(buf.subarray(0, 80));
    expect(openssl.open(again, 0, k, 5, again, 0, 80)).toBe(64);
  });

  it('falls back to sodium for associated data and separate output, with the same results', () => {
    const k = new Uint8Array(32).fill(4);
    const plain = new Uint8Array(33).fill(5);
    const ad = new Uint8Array(32).fill(6);
    const expected = new Uint8Array(49);
    noble.seal(expected, 0, k, 3, plain, 0, 33, ad);
    const out = new Uint8Array(49);
    expect(openssl.seal(out, 0, k, 3, plain, 0, 33, ad)).toBe(49);
    expect(out).toEqual(expected);
    const back = new Uint8Array(33);
    expect(openssl.open(back, 0, k, 3, out, 0, 49, ad)).toBe(33);
    expect(back).toEqual(plain);
  });

  it('refuses a region outside the buffer, a short key and a counter past 2^53 before touching memory', () => {
    const addon = loadAddon();
    const buf = new Uint8Array(100);
    const k = new Uint8Array(32);
    expect(() => addon.chachaSeal(buf, 90, 0, k, 0)).toThrow(/outside the buffer/); // no room for the tag
    expect(() => addon.chachaSeal(buf, 0, 85, k, 0)).toThrow(/outside the buffer/);
    expect(() => addon.chachaOpen(buf, 50, 51, k, 0)).toThrow(/outside the buffer/);
    expect(() => addon.chachaSeal(buf, 0, 10, new Uint8Array(31), 0)).toThrow(/32 bytes/);
    expect(() => addon.chachaSeal(buf, 0, 10, k, 2 ** 53)).toThrow(/counter/);
    expect(() => addon.chachaSeal(buf, 0, 10, k, -1)).toThrow(/counter/);
    expect(() => addon.chachaSeal(buf, 0, 10, k, 1.5)).toThrow(/counter/);
    expect(buf.every((b) => b === 0)).toBe(true);
  });
});
