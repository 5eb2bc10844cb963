import { blake2s as nobleBlake2s } from '@noble/hashes/blake2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { hash, hmac, kdf1, kdf2, kdf3, mac } from './blake2s.js';

const hex = bytesToHex;

// The kernel's lib/crypto/blake2s-selftest.c inputs: a Fibonacci key and buf[i] = i.
const kernelKey = new Uint8Array(32);
kernelKey[0] = kernelKey[1] = 1;
for (let i = 2; i < 32; i++) kernelKey[i] = (kernelKey[i - 2]! + kernelKey[i - 1]!) & 0xff;
const kernelBuf = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('BLAKE2s', () => {
  it('hashes "abc" as RFC 7693 Appendix B says', () => {
    const out = new Uint8Array(32);
    hash(out, utf8ToBytes('abc'));
    expect(hex(out)).toBe('508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982');
  });

  it('hashes a || b like the concatenation', () => {
    const joined = new Uint8Array(32);
    const split = new Uint8Array(32);
    hash(joined, utf8ToBytes('abc'));
    hash(split, utf8ToBytes('a'), utf8ToBytes('bc'));
    expect(hex(split)).toBe(hex(joined));
  });

  it('matches the blake2.net keyed vectors (key 00..1f)', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const out = new Uint8Array(32);
    mac(out, key, new Uint8Array(0));
    expect(hex(out)).toBe('48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49');
    mac(out, key, new Uint8Array([0]));
    expect(hex(out)).toBe('40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1');
  });

  // blake2s_testvecs[i]: outlen = 1 + i % 32, keylen = 13i % 33, key = last keylen key bytes.
  it.each([
    [15, '4fe0f95212da84b7abaeb0a6472ac7f5'],
    [47, 'a3504da51d0368e95778d604f1c394d8'],
    [79, 'b1dec9f5dbf32f4cd6417d39183ec7c3'],
    [31, 'dd35d2b4f6c7eaab64244efee53d4e958b6d6cbcb0f8886109b778a331fed92f'],
  ])('matches kernel self-test vector %i (keyed, 16/32-byte digests)', (i, expected) => {
    const keyLength = (13 * i) % 33;
    const out = new Uint8Array(1 + (i % 32));
    const input = kernelBuf.subarray(0, i);
    if (keyLength === 0) throw new Error('vector chosen must be keyed');
    mac(out, kernelKey.subarray(32 - keyLength), input);
    expect(hex(out)).toBe(expected);
  });

  it('writes digests into unaligned views', () => {
    const backing = new Uint8Array(40);
    const out = backing.subarray(3, 35);
    hash(out, utf8ToBytes('abc'));
    expect(hex(out)).toBe('508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982');
  });
});

describe('HMAC-BLAKE2s', () => {
  it('matches the kernel self-test vectors (short and long keys)', () => {
    const out = new Uint8Array(32);
    hmac(out, kernelKey, kernelBuf);
    expect(hex(out)).toBe('cee1576982dcbf43ad564c70ed681696cfa473e8e8fc3279080a7582da3f0511');
    hmac(out, kernelBuf, kernelKey);
    expect(hex(out)).toBe('772f0c7141f44b2bb3c6b6f960dee4523866e8bf9b96c49f60d9243799d6ec31');
  });
});

// wireguard-go device/kdf_test.go
const kdfVectors = [
  {
    key: '746573742d6b6579',
    input: '746573742d696e707574',
    t0: '6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633',
    t1: 'df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a',
    t2: 'fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24',
  },
  {
    key: '776972656775617264',
    input: '776972656775617264',
    t0: '491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8',
    t1: '1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f',
    t2: '31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160',
  },
  {
    key: '',
    input: '',
    t0: '8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0',
    t1: '58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e',
    t2: '0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e',
  },
];

describe('KDF (HKDF over HMAC-BLAKE2s)', () => {
  it.each(kdfVectors)('matches wireguard-go for key "$key"', (v) => {
    const key = hexToBytes(v.key);
    const input = hexToBytes(v.input);
    const t0 = new Uint8Array(32);
    const t1 = new Uint8Array(32);
    const t2 = new Uint8Array(32);
    kdf3(t0, t1, t2, key, input);
    expect([hex(t0), hex(t1), hex(t2)]).toEqual([v.t0, v.t1, v.t2]);
    t0.fill(0);
    t1.fill(0);
    kdf2(t0, t1, key, input);
    expect([hex(t0), hex(t1)]).toEqual([v.t0, v.t1]);
    t0.fill(0);
    kdf1(t0, key, input);
    expect(hex(t0)).toBe(v.t0);
  });

  it('lets the first output overwrite the chaining key (mixKey in place)', () => {
    const input = hexToBytes(kdfVectors[0]!.input);
    const chainingKey = hexToBytes(kdfVectors[1]!.t0);
    const expected0 = new Uint8Array(32);
    const expected1 = new Uint8Array(32);
    kdf2(expected0, expected1, chainingKey, input);
    const t1 = new Uint8Array(32);
    kdf2(chainingKey, t1, chainingKey, input);
    expect(hex(chainingKey)).toBe(hex(expected0));
    expect(hex(t1)).toBe(hex(expected1));
  });
});

// RFC 7693 Appendix E: the hash of 48 unkeyed and keyed hashes over every digest and input length below.
describe('RFC 7693 Appendix E self-test', () => {
  function selftestSequence(length: number, seed: number): Uint8Array {
    const out = new Uint8Array(length);
    let a = Math.imul(0xdead4bad, seed) >>> 0;
    let b = 1;
    for (let i = 0; i < length; i++) {
      const t = (a + b) >>> 0;
      a = b;
      b = t;
      out[i] = t >>> 24;
    }
    return out;
  }

  it('produces the grand hash of the reference implementation', () => {
    const results: number[] = [];
    for (const outLength of [16, 20, 28, 32]) {
      for (const inLength of [0, 3, 64, 65, 255, 1024]) {
        const input = selftestSequence(inLength, inLength);
        const md = new Uint8Array(outLength);
        mac(md, new Uint8Array(0), input);
        results.push(...md);
        mac(md, selftestSequence(outLength, outLength), input);
        results.push(...md);
      }
    }
    const grand = new Uint8Array(32);
    hash(grand, Uint8Array.from(results));
    expect(hex(grand)).toBe('6a411f08ce25adcdfb02aba641451cec53c598b24f4fc787fbdc88797f4c1dfe');
  });
});

// Lengths around the 64-byte block boundaries matter most: weight them.
const bytes = (max: number) =>
  fc.oneof(
    fc.uint8Array({ maxLength: max }),
    fc.constantFrom(0, 1, 63, 64, 65, 127, 128, 129).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  );

/** HKDF over @noble's HMAC-BLAKE2s, the way the WireGuard paper writes KDF_n. */
function referenceKdf(key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const secret = nobleHmac(nobleBlake2s, key, input);
  const t0 = nobleHmac(nobleBlake2s, secret, Uint8Array.of(1));
  const t1 = nobleHmac(nobleBlake2s, secret, Uint8Array.of(...t0, 2));
  const t2 = nobleHmac(nobleBlake2s, secret, Uint8Array.of(...t1, 3));
  return [t0, t1, t2];
}

describe('agrees with @noble/hashes on random inputs', () => {
  it('BLAKE2s-256 of a || b', () => {
    fc.assert(
      fc.property(bytes(300), fc.option(bytes(200), { nil: undefined }), (a, b) => {
        const out = new Uint8Array(32);
        hash(out, a, b);
        const joined = b === undefined ? a : Uint8Array.of(...a, ...b);
        expect(hex(out)).toBe(hex(nobleBlake2s(joined)));
      }),
      { numRuns: 300 },
    );
  });

  it('keyed BLAKE2s with every digest length, including the unkeyed case', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 32 }),
        bytes(300),
        fc.integer({ min: 1, max: 32 }),
        (key, data, outLength) => {
          const out = new Uint8Array(outLength);
          mac(out, key, data);
          const expected = nobleBlake2s(data, { key: key.length > 0 ? key : undefined, dkLen: outLength });
          expect(hex(out)).toBe(hex(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('HMAC-BLAKE2s with short, block-sized and long keys', () => {
    fc.assert(
      fc.property(bytes(150), bytes(300), (key, data) => {
        const out = new Uint8Array(32);
        hmac(out, key, data);
        expect(hex(out)).toBe(hex(nobleHmac(nobleBlake2s, key, data)));
      }),
      { numRuns: 300 },
    );
  });

  it('KDF1, KDF2 and KDF3', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), bytes(100), (key, input) => {
        const expected = referenceKdf(key, input).map(hex);
        const t = [new Uint8Array(32), new Uint8Array(32), new Uint8Array(32)] as const;
        kdf3(t[0], t[1], t[2], key, input);
        expect(t.map(hex)).toEqual(expected);
        kdf2(t[1], t[2], key, input);
        expect([hex(t[1]), hex(t[2])]).toEqual(expected.slice(0, 2));
        kdf1(t[2], key, input);
        expect(hex(t[2])).toBe(expected[0]);
      }),
      { numRuns: 200 },
    );
  });

  it('when outputs alias inputs and sit unaligned inside larger buffers', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        bytes(80),
        fc.nat({ max: 7 }),
        (key, data, shift) => {
          const backing = new Uint8Array(shift + 32 + data.length);
          const chainingKey = backing.subarray(shift, shift + 32);
          const input = backing.subarray(shift + 32);
          chainingKey.set(key);
          input.set(data);
          const expected = referenceKdf(key, data);
          const t1 = new Uint8Array(32);
          kdf2(chainingKey, t1, chainingKey, input);
          expect([hex(chainingKey), hex(t1)]).toEqual([hex(expected[0]!), hex(expected[1]!)]);

          const h = backing.subarray(shift, shift + 32);
          h.set(key);
          hash(h, h, data);
          expect(hex(h)).toBe(hex(nobleBlake2s(Uint8Array.of(...key, ...data))));
          h.set(key);
          hmac(h, h, data);
          expect(hex(h)).toBe(hex(nobleHmac(nobleBlake2s, key, data)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('regions instead of views', () => {
  it('hash of a || b[offset, offset + length) and mac of a prefix equal those of the views', () => {
    fc.assert(
      fc.property(bytes(64), bytes(200), fc.nat(), fc.nat(), (a, b, x, y) => {
        const offset = b.length === 0 ? 0 : x % (b.length + 1);
        const length = b.length - offset === 0 ? 0 : y % (b.length - offset + 1);
        const viaRegion = new Uint8Array(32);
        const viaView = new Uint8Array(32);
        hash(viaRegion, a, b, offset, length);
        hash(viaView, a, b.subarray(offset, offset + length));
        expect(hex(viaRegion)).toBe(hex(viaView));
        hash(viaRegion, a, b, offset);
        hash(viaView, a, b.subarray(offset));
        expect(hex(viaRegion)).toBe(hex(viaView));
        const m1 = new Uint8Array(16);
        const m2 = new Uint8Array(16);
        mac(m1, a.subarray(0, 32), b, length);
        mac(m2, a.subarray(0, 32), b.subarray(0, length));
        expect(hex(m1)).toBe(hex(m2));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses regions outside the data rather than hashing past its end', () => {
    const out = new Uint8Array(32);
    const data = new Uint8Array(10);
    expect(() => hash(out, data, data, 5, 6)).toThrow(RangeError);
    expect(() => hash(out, data, data, 11)).toThrow(RangeError);
    expect(() => hash(out, data, data, -1, 2)).toThrow(RangeError);
    expect(() => mac(new Uint8Array(16), data, data, 11)).toThrow(RangeError);
  });
});

describe('argument checks', () => {
  it('refuses digests and keys BLAKE2s does not have', () => {
    expect(() => mac(new Uint8Array(0), new Uint8Array(16), new Uint8Array(1))).toThrow(RangeError);
    expect(() => mac(new Uint8Array(33), new Uint8Array(16), new Uint8Array(1))).toThrow(RangeError);
    expect(() => mac(new Uint8Array(16), new Uint8Array(33), new Uint8Array(1))).toThrow(RangeError);
    expect(() => hash(new Uint8Array(16), new Uint8Array(1))).toThrow(RangeError);
  });
});
