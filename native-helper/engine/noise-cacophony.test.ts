/*
 * cacophony's Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s vector (haskell-cryptography/cacophony,
 * vectors/cacophony.txt). Generic Noise differs from WireGuard only in the prologue (WireGuard's
 * identifier) and the payloads, so the same handshake code must reproduce it byte for byte: the
 * Noise messages are the initiation/response bodies between the header and the MACs.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from '../crypto/noble.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { createSodiumCrypto } from '../crypto/sodium.js';
import { consumeInitiation, consumeResponse, createInitiation, createResponse, deriveKeypair } from './noise.js';
import { createHandshake } from './noise-handshake.js';
import { createNoiseContext, createStaticIdentity, noiseProtocol } from './noise-protocol.js';

const vector = {
  prologue: '4a6f686e2047616c74',
  psk: '54686973206973206d7920417573747269616e20706572737065637469766521',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshakeHash: 'f5191b875290abcd41347ac3622d9679688a7e980229cb937ef748336cfde0e5',
  messages: [
    {
      payload: '4c756477696720766f6e204d69736573',
      ciphertext:
        'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944001e21de9f98ddd8e2ad57527207feb56253c9c94a9e496782ecfcb2a75fbcaf1b52948cc48daefe660c62119ab5000980c84831215f2441eba616548e832985464cf17e51ee93109008399a21f7e13f',
    },
    {
      payload: '4d757272617920526f746862617264',
      ciphertext:
        '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843cb765f2caef0751b8f007572dab0322217755c0632f365717edbf34d33e87a',
    },
    { payload: '462e20412e20486179656b', ciphertext: '8153ca9833bc3c1b91a7e66e5f4d4f5b59bf9e64c2f20d15f0bba7' },
    { payload: '4361726c204d656e676572', ciphertext: '07af0c9c86e1b4e80f36b04ff7688d51141af3debd0332f0a705ef' },
    {
      payload: '4a65616e2d426170746973746520536179',
      ciphertext: '6ab1467c0448cc78394494abaaf23afce0e234315d6e2624dcbfa8a21c1c4d073d',
    },
    {
      payload: '457567656e2042f6686d20766f6e2042617765726b',
      ciphertext: 'dfc346c0d2296ae6cf1acf6f12b8456a1dba228cf8d8b774aacf1c47fc53aa80ebc7a4c292',
    },
  ],
};

describe.each<CryptoPrimitives>([createNobleCrypto(), createSodiumCrypto()])(
  'cacophony IKpsk2 vector with $name',
  (crypto) => {
    it('reproduces both handshake messages, the handshake hash and the transport messages', () => {
      const [m0, m1] = vector.messages.map((m) => hexToBytes(m.payload));
      if (m0 === undefined || m1 === undefined) throw new Error('the vector holds fewer than two messages');
      const protocol = noiseProtocol(
        crypto,
        'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s',
        hexToBytes(vector.prologue),
        m0.length,
        m1.length,
      );
      const once = (hex: string) => (buf: Uint8Array) => buf.set(hexToBytes(hex));
      const initiatorCtx = createNoiseContext(crypto, { protocol, randomFill: once(vector.initEphemeral) });
      const responderCtx = createNoiseContext(crypto, { protocol, randomFill: once(vector.respEphemeral) });
      const initiator = createStaticIdentity(crypto, hexToBytes(vector.initStatic));
      const responder = createStaticIdentity(crypto, hexToBytes(vector.respStatic));
      const psk = hexToBytes(vector.psk);
      const handshakeI = createHandshake(initiatorCtx, initiator, responder.publicKey, psk);
      const peer = { handshake: createHandshake(responderCtx, responder, initiator.publicKey, psk) };

      const initiation = new Uint8Array(8 + 32 + 48 + m0.length + 16 + 32);
      expect(createInitiation(initiatorCtx, initiator, handshakeI, initiation, 1, m0).ok).toBe(true);
      expect(bytesToHex(initiation.subarray(8, initiation.length - 32))).toBe(vector.messages[0]!.ciphertext);

      const consumed = consumeInitiation(responderCtx, responder, initiation, 0, () => peer);
      if (!consumed.ok) throw new Error(consumed.reason);
      expect(consumed.timestamp).toEqual(m0);

      const response = new Uint8Array(12 + 32 + m1.length + 16 + 32);
      expect(createResponse(responderCtx, peer.handshake, response, 2, m1).ok).toBe(true);
      expect(bytesToHex(response.subarray(12, response.length - 32))).toBe(vector.messages[1]!.ciphertext);
      const received = consumeResponse(initiatorCtx, initiator, handshakeI, response);
      if (!received.ok) throw new Error(received.reason);
      expect(received.payload).toEqual(m1);
      expect(bytesToHex(handshakeI.hash)).toBe(vector.handshakeHash);
      expect(bytesToHex(peer.handshake.hash)).toBe(vector.handshakeHash);

      const keysI = deriveKeypair(initiatorCtx, handshakeI)!;
      const keysR = deriveKeypair(responderCtx, peer.handshake)!;
      vector.messages.slice(2).forEach((m, i) => {
        const payload = hexToBytes(m.payload);
        const fromInitiator = i % 2 === 0;
        const counter = Math.floor(i / 2);
        const sealed = new Uint8Array(payload.length + 16);
        crypto.seal(sealed, 0, (fromInitiator ? keysI : keysR).sendKey, counter, payload, 0, payload.length);
        expect(bytesToHex(sealed)).toBe(m.ciphertext);
        const opened = new Uint8Array(payload.length);
        expect(
          crypto.open(opened, 0, (fromInitiator ? keysR : keysI).receiveKey, counter, sealed, 0, sealed.length),
        ).toBe(payload.length);
        expect(opened).toEqual(payload);
      });
    });
  },
);
