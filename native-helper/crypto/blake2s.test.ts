import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';

import { hash, hmac, kdf1, kdf2, kdf3, mac } from './blake2s.js';

const hex = bytesToHex;

// The kernel's lib/crypto/blake2s-selftest.c inputs: a Fibonacci key and buf[i] = i.
const kernelKey = new Uint8Array(32);
kernelKey[0] = kernelKey[1] = 1;
for (let i = 2; i < 32; i++) kernelKey[i] = (kernelKey[i - 2] + kernelKey[i - 1]) & 0xff;
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
    key: '746573742d6b6579', input: '746573742d696e707574',
    t0: '6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633',
    t1: 'df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a',
    t2: 'fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24',
  },
  {
    key: '776972656775617264', input: '776972656775617264',
    t0: '491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8',
    t1: '1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f',
    t2: '31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160',
  },
  {
    key: '', input: '',
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
    t0.fill(0); t1.fill(0);
    kdf2(t0, t1, key, input);
    expect([hex(t0), hex(t1)]).toEqual([v.t0, v.t1]);
    t0.fill(0);
    kdf1(t0, key, input);
    expect(hex(t0)).toBe(v.t0);
  });

  it('lets the first output overwrite the chaining key (mixKey in place)', () => {
    const input = hexToBytes(kdfVectors[0].input);
    const chainingKey = hexToBytes(kdfVectors[1].t0);
    const expected0 = new Uint8Array(32);
    const expected1 = new Uint8Array(32);
    kdf2(expected0, expected1, chainingKey, input);
    const t1 = new Uint8Array(32);
    kdf2(chainingKey, t1, chainingKey, input);
    expect(hex(chainingKey)).toBe(hex(expected0));
    expect(hex(t1)).toBe(hex(expected1));
  });
});
