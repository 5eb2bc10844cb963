import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from './noble.js';
import { createSodiumCrypto } from './sodium.js';

const noble = createNobleCrypto();
const sodium = createSodiumCrypto();
const both = [noble, sodium];

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const plaintext = fc.uint8Array({ maxLength: 300 });
const ad = fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined });
const counter = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const xnonce = fc.uint8Array({ minLength: 24, maxLength: 24 });

function sealed(length: number): Uint8Array {
  return new Uint8Array(length + 16);
}

describe('noble and sodium agree', () => {
  it('on ChaCha20-Poly1305 seal, and each opens the other', () => {
    fc.assert(
      fc.property(key, counter, plaintext, ad, (k, n, p, a) => {
        const fromNoble = sealed(p.length);
        const fromSodium = sealed(p.length);
        noble.seal(fromNoble, 0, k, n, p, 0, p.length, a);
        sodium.seal(fromSodium, 0, k, n, p, 0, p.length, a);
        expect(fromSodium).toEqual(fromNoble);
        for (const crypto of both) {
          const out = new Uint8Array(p.length);
          expect(crypto.open(out, 0, k, n, fromNoble, 0, fromNoble.length, a)).toBe(p.length);
          expect(out).toEqual(p);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('on rejecting a flipped ciphertext or tag bit, wrong counter and changed AD', () => {
    fc.assert(
      fc.property(
        key,
        counter,
        plaintext,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        (k, n, p, a, where) => {
          const box = sealed(p.length);
          noble.seal(box, 0, k, n, p, 0, p.length, a);
          const bit = where % (box.length * 8);
          const tampered = box.slice();
          tampered[bit >> 3]! ^= 1 << (bit & 7);
          const otherAd = a.slice();
          otherAd[where % a.length]! ^= 0x80;
          const otherCounter = n === 0 ? 1 : n - 1;
          for (const crypto of both) {
            const out = new Uint8Array(p.length);
            expect(crypto.open(out, 0, k, n, tampered, 0, tampered.length, a)).toBe(-1);
            expect(crypto.open(out, 0, k, n, box, 0, box.length, otherAd)).toBe(-1);
            expect(crypto.open(out, 0, k, n, box, 0, box.length, null)).toBe(-1);
            expect(crypto.open(out, 0, k, otherCounter, box, 0, box.length, a)).toBe(-1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('on XChaCha20-Poly1305, including tamper rejection', () => {
    fc.assert(
      fc.property(key, xnonce, plaintext, ad, fc.nat(), (k, iv, p, a, where) => {
        const fromNoble = sealed(p.length);
        const fromSodium = sealed(p.length);
        noble.xseal(fromNoble, 0, k, iv, p, 0, p.length, a);
        sodium.xseal(fromSodium, 0, k, iv, p, 0, p.length, a);
        expect(fromSodium).toEqual(fromNoble);
        const tampered = fromNoble.slice();
        tampered[where % tampered.length]! ^= 1;
        for (const crypto of both) {
          const out = new Uint8Array(p.length);
          expect(crypto.xopen(out, 0, k, iv, fromSodium, 0, fromSodium.length, a)).toBe(p.length);
          expect(out).toEqual(p);
          expect(crypto.xopen(out, 0, k, iv, tampered, 0, tampered.length, a)).toBe(-1);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('on sealing in place at arbitrary offsets', () => {
    fc.assert(
      fc.property(key, counter, plaintext, fc.nat({ max: 64 }), (k, n, p, offset) => {
        const results = both.map((crypto) => {
          const buffer = new Uint8Array(offset + p.length + 16 + 8).fill(0x5a);
          buffer.set(p, offset);
          crypto.seal(buffer, offset, k, n, buffer, offset, p.length);
          return buffer;
        });
        expect(results[1]).toEqual(results[0]);
        const reference = sealed(p.length);
        noble.seal(reference, 0, k, n, p, 0, p.length);
        expect(results[0]!.subarray(offset, offset + reference.length)).toEqual(reference);
      }),
      { numRuns: 100 },
    );
  });

  it('on X25519 public keys and shared secrets', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        const publics = both.map((crypto) => {
          const out = new Uint8Array(32);
          crypto.x25519Base(out, a);
          return out;
        });
        expect(publics[1]).toEqual(publics[0]);
        const shared = both.map((crypto) => {
          const out = new Uint8Array(32);
          expect(crypto.x25519(out, b, publics[0]!)).toBe(true);
          return out;
        });
        expect(shared[1]).toEqual(shared[0]);
      }),
      { numRuns: 50 },
    );
  });
});
