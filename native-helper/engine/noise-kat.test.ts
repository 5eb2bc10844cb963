/*
 * Known-answer test: a WireGuard handshake with fixed keys, ephemerals and timestamp, recomputed
 * here line by line from the paper's formulas (section 5.4) on bare @noble primitives, then
 * compared field by field with what noise.ts and cookie.ts produce.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from '../crypto/noble.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { createSodiumCrypto } from '../crypto/sodium.js';
import { addMacs, createCookieGenerator } from './cookie.js';
import { consumeInitiation, consumeResponse, createInitiation, createResponse, deriveKeypair } from './noise.js';
import { createHandshake } from './noise-handshake.js';
import { createNoiseContext, createStaticIdentity } from './noise-protocol.js';

const HASH = (...parts: Uint8Array[]): Uint8Array => blake2s(concatBytes(...parts));
const MAC = (key: Uint8Array, data: Uint8Array): Uint8Array => blake2s(data, { key, dkLen: 16 });
const HMAC = (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(blake2s, key, data);
// The overloads give each output count its tuple, so `[c, k] = KDF(2, ...)` reads like the paper.
function KDF(n: 1, key: Uint8Array, input: Uint8Array): [Uint8Array];
function KDF(n: 2, key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array];
function KDF(n: 3, key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array, Uint8Array];
function KDF(n: number, key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const t0 = HMAC(key, input);
  const out: Uint8Array[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    previous = HMAC(t0, concatBytes(previous, new Uint8Array([i])));
    out.push(previous);
  }
  return out;
}
const AEAD = (key: Uint8Array, plain: Uint8Array, ad: Uint8Array): Uint8Array =>
  chacha20poly1305(key, new Uint8Array(12), ad).encrypt(plain);
const DH = (priv: Uint8Array, pub: Uint8Array): Uint8Array => x25519.scalarMult(priv, pub);
const PUB = (priv: Uint8Array): Uint8Array => x25519.scalarMultBase(priv);

const fill = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const staticI = fill(0x11);
const staticR = fill(0x22);
const ephemeralI = fill(0x33);
const ephemeralR = fill(0x44);
const psk = fill(0x55);
const t = hexToBytes('400000006553f10012000000');

function reference() {
  const spubI = PUB(staticI);
  const spubR = PUB(staticR);
  const epubI = PUB(ephemeralI);
  const epubR = PUB(ephemeralR);
  let c = HASH(utf8ToBytes('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s'));
  let h = HASH(c, utf8ToBytes('WireGuard v1 zx2c4 Jason@zx2c4.com'));
  h = HASH(h, spubR);
  [c] = KDF(1, c, epubI);
  h = HASH(h, epubI);
  let k: Uint8Array;
  [c, k] = KDF(2, c, DH(ephemeralI, spubR));
  const encryptedStatic = AEAD(k, spubI, h);
  h = HASH(h, encryptedStatic);
  [c, k] = KDF(2, c, DH(staticI, spubR));
  const encryptedTimestamp = AEAD(k, t, h);
  h = HASH(h, encryptedTimestamp);
  const initiation = concatBytes(
    new Uint8Array([1, 0, 0, 0]),
    new Uint8Array([0x78, 0x56, 0x34, 0x12]),
    epubI,
    encryptedStatic,
    encryptedTimestamp,
  );
  const initiationMac1 = MAC(HASH(utf8ToBytes('mac1----'), spubR), initiation);

  [c] = KDF(1, c, epubR);
  h = HASH(h, epubR);
  [c] = KDF(1, c, DH(ephemeralR, epubI));
  [c] = KDF(1, c, DH(ephemeralR, spubI));
  let tau: Uint8Array;
  [c, tau, k] = KDF(3, c, psk);
  h = HASH(h, tau);
  const encryptedNothing = AEAD(k, new Uint8Array(0), h);
  h = HASH(h, encryptedNothing);
  const response = concatBytes(
    new Uint8Array([2, 0, 0, 0]),
    new Uint8Array([0xef, 0xbe, 0xad, 0xde]),
    new Uint8Array([0x78, 0x56, 0x34, 0x12]),
    epubR,
    encryptedNothing,
  );
  const responseMac1 = MAC(HASH(utf8ToBytes('mac1----'), spubI), response);
  const [initiatorSend, initiatorReceive] = KDF(2, c, new Uint8Array(0));
  return {
    epubI,
    encryptedStatic,
    encryptedTimestamp,
    initiationMac1,
    epubR,
    encryptedNothing,
    responseMac1,
    finalHash: h,
    initiatorSend,
    initiatorReceive,
  };
}

function fixedRandom(...keys: Uint8Array[]): (buf: Uint8Array) => void {
  return (buf) => {
    const next = keys.shift();
    if (next === undefined) throw new Error('test ran out of fixed ephemerals');
    buf.set(next);
  };
}

describe.each<CryptoPrimitives>([createNobleCrypto(), createSodiumCrypto()])(
  'known-answer handshake with $name',
  (crypto) => {
    it('matches the paper recomputed on bare @noble, field by field', () => {
      const want = reference();
      const hex = bytesToHex;
      const initiatorCtx = createNoiseContext(crypto, { randomFill: fixedRandom(ephemeralI) });
      const responderCtx = createNoiseContext(crypto, { randomFill: fixedRandom(ephemeralR) });
      const identityI = createStaticIdentity(crypto, staticI);
      const identityR = createStaticIdentity(crypto, staticR);
      const handshakeI = createHandshake(initiatorCtx, identityI, identityR.publicKey, psk);
      const peer = { handshake: createHandshake(responderCtx, identityR, identityI.publicKey, psk) };

      const initiation = new Uint8Array(148);
      expect(createInitiation(initiatorCtx, identityI, handshakeI, initiation, 0x12345678, t).ok).toBe(true);
      addMacs(crypto, createCookieGenerator(crypto, identityR.publicKey), initiation, 0);
      expect(hex(initiation.subarray(0, 8))).toBe('0100000078563412');
      expect(hex(initiation.subarray(8, 40))).toBe(hex(want.epubI));
      expect(hex(initiation.subarray(40, 88))).toBe(hex(want.encryptedStatic));
      expect(hex(initiation.subarray(88, 116))).toBe(hex(want.encryptedTimestamp));
      expect(hex(initiation.subarray(116, 132))).toBe(hex(want.initiationMac1));
      expect(hex(initiation.subarray(132))).toBe('00'.repeat(16));

      const consumed = consumeInitiation(responderCtx, identityR, initiation, 0, () => peer);
      expect(consumed.ok).toBe(true);
      const response = new Uint8Array(92);
      expect(createResponse(responderCtx, peer.handshake, response, 0xdeadbeef).ok).toBe(true);
      addMacs(crypto, createCookieGenerator(crypto, identityI.publicKey), response, 0);
      expect(hex(response.subarray(0, 12))).toBe('02000000efbeadde78563412');
      expect(hex(response.subarray(12, 44))).toBe(hex(want.epubR));
      expect(hex(response.subarray(44, 60))).toBe(hex(want.encryptedNothing));
      expect(hex(response.subarray(60, 76))).toBe(hex(want.responseMac1));

      expect(consumeResponse(initiatorCtx, identityI, handshakeI, response).ok).toBe(true);
      expect(hex(handshakeI.hash)).toBe(hex(want.finalHash));
      expect(hex(peer.handshake.hash)).toBe(hex(want.finalHash));
      const keysI = deriveKeypair(initiatorCtx, handshakeI);
      const keysR = deriveKeypair(responderCtx, peer.handshake);
      expect(hex(keysI!.sendKey)).toBe(hex(want.initiatorSend));
      expect(hex(keysI!.receiveKey)).toBe(hex(want.initiatorReceive));
      expect(hex(keysR!.sendKey)).toBe(hex(want.initiatorReceive));
      expect(hex(keysR!.receiveKey)).toBe(hex(want.initiatorSend));
    });
  },
);
