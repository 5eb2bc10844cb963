import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from '../crypto/noble.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { createSodiumCrypto } from '../crypto/sodium.js';
import { consumeInitiation, consumeResponse, createInitiation, createResponse, deriveKeypair } from './noise.js';
import { createHandshake, precomputeStaticStatic, type Handshake } from './noise-handshake.js';
import { createNoiseContext, createStaticIdentity, type NoiseContext, type StaticIdentity } from './noise-protocol.js';

const implementations: CryptoPrimitives[] = [createNobleCrypto(), createSodiumCrypto()];

const LOW_ORDER_POINT = hexToBytes('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800');

function timestamp(seconds: number): Uint8Array {
  const t = new Uint8Array(12);
  const view = new DataView(t.buffer);
  view.setBigUint64(0, 0x400000000000000an + BigInt(seconds));
  return t;
}

interface Side {
  ctx: NoiseContext;
  identity: StaticIdentity;
}

interface Pair {
  initiator: Side;
  responder: Side;
  initiatorHandshake: Handshake;
  /** The responder's record of the initiator, as lookup() returns it. */
  peer: { handshake: Handshake };
}

function setUp(crypto: CryptoPrimitives, psk?: Uint8Array): Pair {
  const side = (): Side => {
    const key = new Uint8Array(32);
    crypto.randomFill(key);
    return { ctx: createNoiseContext(crypto), identity: createStaticIdentity(crypto, key) };
  };
  const initiator = side();
  const responder = side();
  return {
    initiator,
    responder,
    initiatorHandshake: createHandshake(initiator.ctx, initiator.identity, responder.identity.publicKey, psk),
    peer: { handshake: createHandshake(responder.ctx, responder.identity, initiator.identity.publicKey, psk) },
  };
}

function initiate(pair: Pair, seconds = 1): Uint8Array {
  const message = new Uint8Array(148);
  const result = createInitiation(
    pair.initiator.ctx,
    pair.initiator.identity,
    pair.initiatorHandshake,
    message,
    0x1111,
    timestamp(seconds),
  );
  expect(result).toEqual({ ok: true });
  return message;
}

function lookupFor(pair: Pair) {
  return (key: Uint8Array) =>
    bytesToHex(key) === bytesToHex(pair.initiator.identity.publicKey) ? pair.peer : undefined;
}

function respond(pair: Pair, initiation: Uint8Array, now = 1000): Uint8Array {
  const consumed = consumeInitiation(pair.responder.ctx, pair.responder.identity, initiation, now, lookupFor(pair));
  expect(consumed.ok).toBe(true);
  const response = new Uint8Array(92);
  expect(createResponse(pair.responder.ctx, pair.peer.handshake, response, 0x2222)).toEqual({ ok: true });
  return response;
}

describe.each(implementations)('Noise_IKpsk2 with $name', (crypto) => {
  it('starts from the chaining key and hash in PROTOCOL-NOTES', () => {
    const { protocol } = createNoiseContext(crypto);
    expect(bytesToHex(protocol.initialChainingKey)).toBe(
      '60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36',
    );
    expect(bytesToHex(protocol.initialHash)).toBe('2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3');
  });

  it.each([undefined, new Uint8Array(32).fill(0x42)])(
    'completes a handshake into matching keypairs (psk %s)',
    (psk) => {
      const pair = setUp(crypto, psk);
      const initiation = initiate(pair);
      expect(new DataView(initiation.buffer).getUint32(0, true)).toBe(1);
      const consumed = consumeInitiation(
        pair.responder.ctx,
        pair.responder.identity,
        initiation,
        1000,
        lookupFor(pair),
      );
      if (!consumed.ok) throw new Error(consumed.reason);
      expect(consumed.peer).toBe(pair.peer);
      expect(consumed.peerStatic).toEqual(pair.initiator.identity.publicKey);
      expect(consumed.timestamp).toEqual(timestamp(1));
      expect(pair.peer.handshake.remoteIndex).toBe(0x1111);

      const response = new Uint8Array(92);
      expect(createResponse(pair.responder.ctx, pair.peer.handshake, response, 0x2222)).toEqual({ ok: true });
      expect(consumeResponse(pair.initiator.ctx, pair.initiator.identity, pair.initiatorHandshake, response).ok).toBe(
        true,
      );
      expect(pair.initiatorHandshake.hash).toEqual(pair.peer.handshake.hash);

      const mine = deriveKeypair(pair.initiator.ctx, pair.initiatorHandshake);
      const theirs = deriveKeypair(pair.responder.ctx, pair.peer.handshake);
      if (mine === null || theirs === null) throw new Error('no keypair');
      expect(mine).toMatchObject({ isInitiator: true, localIndex: 0x1111, remoteIndex: 0x2222 });
      expect(theirs).toMatchObject({ isInitiator: false, localIndex: 0x2222, remoteIndex: 0x1111 });
      expect(mine.sendKey).toEqual(theirs.receiveKey);
      expect(mine.receiveKey).toEqual(theirs.sendKey);
      expect(mine.sendKey).not.toEqual(mine.receiveKey);

      for (const handshake of [pair.initiatorHandshake, pair.peer.handshake]) {
        expect(handshake.stage).toBe('zeroed');
        expect(handshake.chainingKey).toEqual(new Uint8Array(32));
        expect(handshake.ephemeralPrivate).toEqual(new Uint8Array(32));
      }
      expect(deriveKeypair(pair.initiator.ctx, pair.initiatorHandshake)).toBeNull();
    },
  );

  it('rejects any single flipped bit of an initiation without throwing', () => {
    const pair = setUp(crypto);
    const initiation = initiate(pair);
    // mac1/mac2 (the last 32 bytes) are cookie.ts's to check.
    for (let bit = 0; bit < (148 - 32) * 8; bit += 7) {
      if (bit >= 4 * 8 && bit < 8 * 8) continue; // the sender index is the initiator's to choose
      const tampered = initiation.slice();
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      const result = consumeInitiation(pair.responder.ctx, pair.responder.identity, tampered, 1000, lookupFor(pair));
      expect(result.ok).toBe(false);
    }
    expect(pair.peer.handshake.stage).toBe('zeroed');
  });

  it('rejects any single flipped bit of a response without throwing', () => {
    const pair = setUp(crypto);
    const response = respond(pair, initiate(pair));
    for (let bit = 0; bit < (92 - 32) * 8; bit += 3) {
      if (bit >= 4 * 8 && bit < 8 * 8) continue; // the sender index is the responder's to choose
      const tampered = response.slice();
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      expect(consumeResponse(pair.initiator.ctx, pair.initiator.identity, pair.initiatorHandshake, tampered).ok).toBe(
        false,
      );
    }
    expect(pair.initiatorHandshake.stage).toBe('initiation-created');
    expect(consumeResponse(pair.initiator.ctx, pair.initiator.identity, pair.initiatorHandshake, response).ok).toBe(
      true,
    );
  });

  it('fails to decrypt an initiation made for another responder key', () => {
    const pair = setUp(crypto);
    const stranger = new Uint8Array(32);
    crypto.x25519Base(stranger, new Uint8Array(32).fill(9));
    const wrong = createHandshake(pair.initiator.ctx, pair.initiator.identity, stranger);
    const message = new Uint8Array(148);
    expect(createInitiation(pair.initiator.ctx, pair.initiator.identity, wrong, message, 1, timestamp(1)).ok).toBe(
      true,
    );
    expect(consumeInitiation(pair.responder.ctx, pair.responder.identity, message, 1000, lookupFor(pair))).toEqual({
      ok: false,
      reason: 'decrypt-failed',
    });
  });

  it('refuses unknown peers, replays and floods', () => {
    const pair = setUp(crypto);
    const ctx = pair.responder.ctx;
    const first = initiate(pair, 10);
    expect(consumeInitiation(ctx, pair.responder.identity, first, 1000, () => undefined)).toEqual({
      ok: false,
      reason: 'unknown-peer',
    });
    expect(consumeInitiation(ctx, pair.responder.identity, first, 1000, lookupFor(pair)).ok).toBe(true);
    expect(consumeInitiation(ctx, pair.responder.identity, first, 5000, lookupFor(pair))).toEqual({
      ok: false,
      reason: 'replay',
    });
    const older = initiate(pair, 9);
    expect(consumeInitiation(ctx, pair.responder.identity, older, 5000, lookupFor(pair))).toEqual({
      ok: false,
      reason: 'replay',
    });
    const newer = initiate(pair, 11);
    expect(consumeInitiation(ctx, pair.responder.identity, newer, 1019, lookupFor(pair))).toEqual({
      ok: false,
      reason: 'flood',
    });
    expect(consumeInitiation(ctx, pair.responder.identity, newer, 1020, lookupFor(pair)).ok).toBe(true);
  });

  it('rejects low-order ephemerals and static keys', () => {
    const pair = setUp(crypto);
    const initiation = initiate(pair);
    initiation.set(LOW_ORDER_POINT, 8);
    expect(consumeInitiation(pair.responder.ctx, pair.responder.identity, initiation, 1000, lookupFor(pair))).toEqual({
      ok: false,
      reason: 'low-order-point',
    });

    const response = respond(pair, initiate(pair, 2));
    response.set(LOW_ORDER_POINT, 12);
    expect(consumeResponse(pair.initiator.ctx, pair.initiator.identity, pair.initiatorHandshake, response)).toEqual({
      ok: false,
      reason: 'low-order-point',
    });

    const doomed = createHandshake(pair.initiator.ctx, pair.initiator.identity, LOW_ORDER_POINT);
    expect(doomed.precomputedStaticStatic).toEqual(new Uint8Array(32));
    const message = new Uint8Array(148).fill(7);
    expect(createInitiation(pair.initiator.ctx, pair.initiator.identity, doomed, message, 1, timestamp(1))).toEqual({
      ok: false,
      reason: 'low-order-point',
    });
    expect(message).toEqual(new Uint8Array(148));
  });

  it('checks stage, sizes, type, receiver index and identity', () => {
    const pair = setUp(crypto);
    const { ctx, identity } = pair.initiator;
    expect(createResponse(ctx, pair.initiatorHandshake, new Uint8Array(92), 1)).toEqual({
      ok: false,
      reason: 'wrong-state',
    });
    expect(createInitiation(ctx, null, pair.initiatorHandshake, new Uint8Array(148), 1, timestamp(1))).toEqual({
      ok: false,
      reason: 'no-identity',
    });
    expect(createInitiation(ctx, identity, pair.initiatorHandshake, new Uint8Array(147), 1, timestamp(1))).toEqual({
      ok: false,
      reason: 'bad-message',
    });
    const initiation = initiate(pair);
    const short = consumeInitiation(
      pair.responder.ctx,
      pair.responder.identity,
      initiation.subarray(0, 147),
      1000,
      lookupFor(pair),
    );
    expect(short).toEqual({ ok: false, reason: 'bad-message' });
    const response = respond(pair, initiation);
    const misaddressed = response.slice();
    misaddressed[8]! ^= 1;
    expect(consumeResponse(ctx, identity, pair.initiatorHandshake, misaddressed)).toEqual({
      ok: false,
      reason: 'wrong-receiver',
    });
    const retyped = response.slice();
    retyped[0] = 1;
    expect(consumeResponse(ctx, identity, pair.initiatorHandshake, retyped)).toEqual({
      ok: false,
      reason: 'bad-message',
    });
    expect(consumeResponse(ctx, identity, pair.initiatorHandshake, response).ok).toBe(true);
    expect(consumeResponse(ctx, identity, pair.initiatorHandshake, response)).toEqual({
      ok: false,
      reason: 'wrong-state',
    });
  });

  it('cannot handshake without an identity until one is set', () => {
    const pair = setUp(crypto);
    const orphan = createHandshake(pair.initiator.ctx, null, pair.responder.identity.publicKey);
    const message = new Uint8Array(148);
    expect(createInitiation(pair.initiator.ctx, pair.initiator.identity, orphan, message, 1, timestamp(1)).ok).toBe(
      false,
    );
    precomputeStaticStatic(pair.initiator.ctx, orphan, pair.initiator.identity);
    expect(createInitiation(pair.initiator.ctx, pair.initiator.identity, orphan, message, 1, timestamp(1)).ok).toBe(
      true,
    );
  });
});
