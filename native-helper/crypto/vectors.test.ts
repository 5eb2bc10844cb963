import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from './noble.js';
import type { CryptoPrimitives } from './primitives.js';
import { createSodiumCrypto } from './sodium.js';

const hex = bytesToHex;
const implementations: CryptoPrimitives[] = [createNobleCrypto(), createSodiumCrypto()];

const sunscreen = utf8ToBytes(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const key80 = hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const ad = hexToBytes('50515253c0c1c2c3c4c5c6c7');

// RFC 8439 §2.8.2
const rfc8439Nonce = hexToBytes('070000004041424344454647');
const rfc8439Sealed =
  'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
  '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
  '3ff4def08e4b7a9de576d26586cec64b6116' +
  '1ae10b594f09e26a7e902ecbd0600691';

// draft-irtf-cfrg-xchacha §A.3.1
const xchachaNonce = hexToBytes('404142434445464748494a4b4c4d4e4f5051525354555657');
const xchachaSealed =
  'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39' +
  'ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
  '21f9664c97637da9768812f615c68b13b52e' +
  'c0875924c1c7987947deafd8780acf49';

// Points whose order divides the cofactor, including non-canonical encodings (u = p, p + 1).
const lowOrderPoints = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe.each(implementations)('$name', (crypto) => {
  describe('ChaCha20-Poly1305', () => {
    it('seals and opens the RFC 8439 §2.8.2 vector', () => {
      const out = new Uint8Array(sunscreen.length + 16);
      expect(crypto.sealWithNonce(out, 0, key80, rfc8439Nonce, sunscreen, 0, sunscreen.length, ad)).toBe(out.length);
      expect(hex(out)).toBe(rfc8439Sealed);
      const plain = new Uint8Array(sunscreen.length);
      expect(crypto.openWithNonce(plain, 0, key80, rfc8439Nonce, out, 0, out.length, ad)).toBe(sunscreen.length);
      expect(plain).toEqual(sunscreen);
    });

    it('rejects the vector with a flipped tag bit or different AD', () => {
      const sealed = hexToBytes(rfc8439Sealed);
      const plain = new Uint8Array(sealed.length);
      sealed[sealed.length - 1]! ^= 1;
      expect(crypto.openWithNonce(plain, 0, key80, rfc8439Nonce, sealed, 0, sealed.length, ad)).toBe(-1);
      sealed[sealed.length - 1]! ^= 1;
      expect(crypto.openWithNonce(plain, 0, key80, rfc8439Nonce, sealed, 0, sealed.length, ad.subarray(1))).toBe(-1);
      expect(crypto.openWithNonce(plain, 0, key80, rfc8439Nonce, sealed, 0, 15, ad)).toBe(-1);
    });

    it('builds the WireGuard nonce: four zero bytes then the counter as u64 LE', () => {
      for (const counter of [0, 1, 0xffff_ffff, 0x1_0000_0000, 2 ** 53 - 1]) {
        const nonce = new Uint8Array(12);
        new DataView(nonce.buffer).setBigUint64(4, BigInt(counter), true);
        const viaCounter = new Uint8Array(sunscreen.length + 16);
        const viaNonce = new Uint8Array(sunscreen.length + 16);
        crypto.seal(viaCounter, 0, key80, counter, sunscreen, 0, sunscreen.length);
        crypto.sealWithNonce(viaNonce, 0, key80, nonce, sunscreen, 0, sunscreen.length);
        expect(hex(viaCounter)).toBe(hex(viaNonce));
      }
    });

    it('refuses counters it cannot represent exactly', () => {
      const out = new Uint8Array(32);
      expect(() => crypto.seal(out, 0, key80, 2 ** 53, out, 0, 16)).toThrow(RangeError);
      expect(() => crypto.seal(out, 0, key80, -1, out, 0, 16)).toThrow(RangeError);
      expect(() => crypto.seal(out, 0, key80, 1.5, out, 0, 16)).toThrow(RangeError);
    });

    it('works in place at an offset inside a larger buffer', () => {
      const buffer = new Uint8Array(300).fill(0xaa);
      buffer.set(sunscreen, 37);
      expect(crypto.seal(buffer, 37, key80, 7, buffer, 37, sunscreen.length, ad)).toBe(sunscreen.length + 16);
      const expected = new Uint8Array(sunscreen.length + 16);
      crypto.seal(expected, 0, key80, 7, sunscreen, 0, sunscreen.length, ad);
      expect(hex(buffer.subarray(37, 37 + expected.length))).toBe(hex(expected));
      expect(buffer[36]).toBe(0xaa);
      expect(buffer[37 + expected.length]).toBe(0xaa);
      expect(crypto.open(buffer, 37, key80, 7, buffer, 37, expected.length, ad)).toBe(sunscreen.length);
      expect(buffer.subarray(37, 37 + sunscreen.length)).toEqual(sunscreen);
    });

    it('throws on regions outside the buffers instead of failing authentication', () => {
      const out = new Uint8Array(40);
      expect(() => crypto.seal(out, 30, key80, 0, out, 0, 16)).toThrow(RangeError);
      expect(() => crypto.seal(out, 0, key80, 0, out, 30, 16)).toThrow(RangeError);
      expect(() => crypto.open(out, 30, key80, 0, out, 0, 40)).toThrow(RangeError);
      expect(() => crypto.xseal(out, -1, key80, xchachaNonce, out, 0, 8)).toThrow(RangeError);
    });

    it('seals an empty plaintext to a bare tag', () => {
      const out = new Uint8Array(16);
      expect(crypto.seal(out, 0, key80, 0, new Uint8Array(0), 0, 0, ad)).toBe(16);
      expect(crypto.open(new Uint8Array(0), 0, key80, 0, out, 0, 16, ad)).toBe(0);
    });
  });

  describe('XChaCha20-Poly1305', () => {
    it('seals and opens the draft-irtf-cfrg-xchacha §A.3.1 vector', () => {
      const out = new Uint8Array(sunscreen.length + 16);
      expect(crypto.xseal(out, 0, key80, xchachaNonce, sunscreen, 0, sunscreen.length, ad)).toBe(out.length);
      expect(hex(out)).toBe(xchachaSealed);
      const plain = new Uint8Array(sunscreen.length);
      expect(crypto.xopen(plain, 0, key80, xchachaNonce, out, 0, out.length, ad)).toBe(sunscreen.length);
      expect(plain).toEqual(sunscreen);
      out[3]! ^= 0x40;
      expect(crypto.xopen(plain, 0, key80, xchachaNonce, out, 0, out.length, ad)).toBe(-1);
    });
  });

  describe('X25519', () => {
    it.each([
      [
        'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
        'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
        'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
      ],
      [
        '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
        'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
        '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
      ],
    ])('matches RFC 7748 §5.2 (scalar %s)', (scalar, u, expected) => {
      const out = new Uint8Array(32);
      expect(crypto.x25519(out, hexToBytes(scalar), hexToBytes(u))).toBe(true);
      expect(hex(out)).toBe(expected);
    });

    it('matches the RFC 7748 §5.2 iterated vector after 1 and 1000 rounds', () => {
      let k = new Uint8Array(32);
      let u = new Uint8Array(32);
      k[0] = u[0] = 9;
      for (let i = 1; i <= 1000; i++) {
        const next = new Uint8Array(32);
        crypto.x25519(next, k, u);
        u = k;
        k = next;
        if (i === 1) expect(hex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
      }
      expect(hex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
    });

    it('runs the RFC 7748 §6.1 Diffie-Hellman example', () => {
      const alice = hexToBytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const bob = hexToBytes('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
      const alicePublic = new Uint8Array(32);
      const bobPublic = new Uint8Array(32);
      crypto.x25519Base(alicePublic, alice);
      crypto.x25519Base(bobPublic, bob);
      expect(hex(alicePublic)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
      expect(hex(bobPublic)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      const k1 = new Uint8Array(32);
      const k2 = new Uint8Array(32);
      expect(crypto.x25519(k1, alice, bobPublic)).toBe(true);
      expect(crypto.x25519(k2, bob, alicePublic)).toBe(true);
      expect(hex(k1)).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
      expect(hex(k2)).toBe(hex(k1));
    });

    it.each(lowOrderPoints)('reports low-order point %s as an all-zero result', (point) => {
      const scalar = new Uint8Array(32);
      crypto.randomFill(scalar);
      const out = new Uint8Array(32).fill(0xff);
      expect(crypto.x25519(out, scalar, hexToBytes(point))).toBe(false);
      expect(out).toEqual(new Uint8Array(32));
    });
  });

  describe('helpers', () => {
    it('clamps private keys as RFC 7748 decodeScalar25519 does', () => {
      const key = new Uint8Array(32).fill(0xff);
      crypto.clampPrivateKey(key);
      expect(key[0]).toBe(0xf8);
      expect(key[31]).toBe(0x7f);
      key.fill(0);
      crypto.clampPrivateKey(key);
      expect(key[31]).toBe(0x40);
    });

    it('compares, wipes and fills', () => {
      const a = new Uint8Array([1, 2, 3]);
      expect(crypto.equal(a, new Uint8Array([1, 2, 3]))).toBe(true);
      expect(crypto.equal(a, new Uint8Array([1, 2, 4]))).toBe(false);
      expect(crypto.equal(a, new Uint8Array([1, 2]))).toBe(false);
      crypto.wipe(a);
      expect(a).toEqual(new Uint8Array(3));
      const big = new Uint8Array(70_000);
      crypto.randomFill(big);
      expect(big.subarray(65_536).some((b) => b !== 0)).toBe(true);
    });
  });
});
