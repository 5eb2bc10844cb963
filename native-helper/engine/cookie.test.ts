import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from '../crypto/noble.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { createSodiumCrypto } from '../crypto/sodium.js';
import {
  addMacs,
  checkMac1,
  checkMac2,
  consumeCookieReply,
  createCookieChecker,
  createCookieGenerator,
  createCookieReply,
  validateMacs,
} from './cookie.js';

const source = new Uint8Array([192, 0, 2, 7, 0xca, 0x6c]);
const otherSource = new Uint8Array([192, 0, 2, 8, 0xca, 0x6c]);

function keys(crypto: CryptoPrimitives) {
  const responderPublic = new Uint8Array(32);
  crypto.x25519Base(responderPublic, new Uint8Array(32).fill(3));
  return {
    checker: createCookieChecker(crypto, responderPublic),
    generator: createCookieGenerator(crypto, responderPublic),
  };
}

function message(seed: number): Uint8Array {
  return Uint8Array.from({ length: 148 }, (_, i) => (i * 31 + seed) & 0xff);
}

describe.each<CryptoPrimitives>([createNobleCrypto(), createSodiumCrypto()])('cookies with $name', (crypto) => {
  it('accepts mac1 made for our key and nothing else', () => {
    const { checker, generator } = keys(crypto);
    const msg = message(1);
    addMacs(crypto, generator, msg, 0);
    expect(checkMac1(crypto, checker, msg)).toBe(true);
    expect(msg.subarray(132)).toEqual(new Uint8Array(16));
    for (const at of [0, 60, 115, 116, 131]) {
      const tampered = msg.slice();
      tampered[at]! ^= 0x10;
      expect(checkMac1(crypto, checker, tampered)).toBe(false);
    }
    const stranger = createCookieChecker(crypto, new Uint8Array(32).fill(1));
    expect(checkMac1(crypto, stranger, msg)).toBe(false);
    expect(validateMacs(crypto, stranger, msg, source, 0, true)).toBe('invalid-mac');
    expect(validateMacs(crypto, checker, msg, source, 0, false)).toBe('valid-mac-no-cookie');
  });

  it('round-trips a cookie: reply, consume, then mac2 checks out from that source only', () => {
    const { checker, generator } = keys(crypto);
    const first = message(1);
    addMacs(crypto, generator, first, 1000);
    expect(validateMacs(crypto, checker, first, source, 1000, true)).toBe('valid-mac-no-cookie');

    const reply = new Uint8Array(64);
    createCookieReply(crypto, checker, reply, first, 0xabcdef01, source, 1000);
    expect(Array.from(reply.subarray(0, 8))).toEqual([3, 0, 0, 0, 0x01, 0xef, 0xcd, 0xab]);
    expect(consumeCookieReply(crypto, generator, reply, 1500)).toBe(true);
    expect(consumeCookieReply(crypto, generator, reply, 1500)).toBe(false);

    const second = message(2);
    addMacs(crypto, generator, second, 2000);
    expect(second.subarray(132)).not.toEqual(new Uint8Array(16));
    expect(validateMacs(crypto, checker, second, source, 2000, true)).toBe('valid-mac-with-cookie');
    expect(validateMacs(crypto, checker, second, otherSource, 2000, true)).toBe('valid-mac-no-cookie');
    const tampered = second.slice();
    tampered[147]! ^= 1;
    expect(checkMac2(crypto, checker, tampered, source, 2000)).toBe(false);
  });

  it('rejects replies that answer another mac1 or were tampered with', () => {
    const { checker, generator } = keys(crypto);
    const reply = new Uint8Array(64);
    const unsent = message(1);
    addMacs(crypto, createCookieGenerator(crypto, new Uint8Array(32).fill(5)), unsent, 0);
    expect(consumeCookieReply(crypto, generator, reply, 0)).toBe(false);

    const sent = message(2);
    addMacs(crypto, generator, sent, 0);
    createCookieReply(crypto, checker, reply, unsent, 1, source, 0);
    expect(consumeCookieReply(crypto, generator, reply, 0)).toBe(false);

    createCookieReply(crypto, checker, reply, sent, 1, source, 0);
    for (const at of [0, 9, 40, 63]) {
      const tampered = reply.slice();
      tampered[at]! ^= 1;
      expect(consumeCookieReply(crypto, generator, tampered, 0)).toBe(false);
    }
    expect(consumeCookieReply(crypto, generator, reply.subarray(0, 63), 0)).toBe(false);
    expect(consumeCookieReply(crypto, generator, reply, 0)).toBe(true);
  });

  it('goes stale when the secret rotates, and the initiator stops using a cookie after 115 s', () => {
    const { checker, generator } = keys(crypto);
    const first = message(1);
    addMacs(crypto, generator, first, 0);
    const reply = new Uint8Array(64);
    createCookieReply(crypto, checker, reply, first, 1, source, 0);
    expect(consumeCookieReply(crypto, generator, reply, 0)).toBe(true);

    const msg = message(2);
    addMacs(crypto, generator, msg, 114_999);
    expect(checkMac2(crypto, checker, msg, source, 119_999)).toBe(true);
    expect(checkMac2(crypto, checker, msg, source, 120_000)).toBe(false);

    const late = message(3);
    addMacs(crypto, generator, late, 115_000);
    expect(late.subarray(132)).toEqual(new Uint8Array(16));

    // A reply after expiry rotates the secret: the old cookie no longer fits, a fresh one does.
    const stale = message(4);
    const secretBefore = checker.secret.slice();
    addMacs(crypto, generator, stale, 121_000);
    createCookieReply(crypto, checker, reply, stale, 1, source, 121_000);
    expect(checker.secret).not.toEqual(secretBefore);
    expect(checkMac2(crypto, checker, msg, source, 121_000)).toBe(false);
    expect(consumeCookieReply(crypto, generator, reply, 121_000)).toBe(true);
    const fresh = message(5);
    addMacs(crypto, generator, fresh, 121_001);
    expect(checkMac2(crypto, checker, fresh, source, 121_001)).toBe(true);
  });
});
