/*
 * What a Noise_IKpsk2 handshake is parameterised by: the initial chaining key and hash (from the
 * construction name and the prologue, which WireGuard calls its identifier) and the lengths of the
 * two handshake payloads (WireGuard: a 12-byte TAI64N timestamp, then nothing). Keeping these
 * injectable lets the same code run the cacophony test vectors, whose prologue and payloads differ.
 */
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { NOISE_CONSTRUCTION, WG_IDENTIFIER } from './constants.js';
import { INITIATION, RESPONSE, TIMESTAMP_SIZE } from './messages.js';

export interface NoiseProtocol {
  readonly initialChainingKey: Uint8Array;
  readonly initialHash: Uint8Array;
  readonly initiationPayloadLength: number;
  readonly responsePayloadLength: number;
}

/** Where the handshake steps get their primitives, protocol and ephemeral randomness. */
export interface NoiseContext {
  readonly crypto: CryptoPrimitives;
  readonly protocol: NoiseProtocol;
  /** Fills ephemeral private keys; tests inject fixed keys here. */
  readonly randomFill: (buf: Uint8Array) => void;
}

/** Our long-term key pair; the private key is stored clamped. */
export interface StaticIdentity {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

const encoder = new TextEncoder();

/** Noise's InitializeSymmetric(name) followed by MixHash(prologue). */
export function noiseProtocol(
  crypto: CryptoPrimitives,
  construction: string | Uint8Array,
  prologue: string | Uint8Array,
  initiationPayloadLength: number,
  responsePayloadLength: number,
): NoiseProtocol {
  const name = typeof construction === 'string' ? encoder.encode(construction) : construction;
  const chainingKey = new Uint8Array(32);
  // Noise pads names of at most HASHLEN bytes instead of hashing them.
  if (name.length <= 32) chainingKey.set(name);
  else crypto.hash(chainingKey, name);
  const hash = new Uint8Array(32);
  crypto.hash(hash, chainingKey, typeof prologue === 'string' ? encoder.encode(prologue) : prologue);
  return { initialChainingKey: chainingKey, initialHash: hash, initiationPayloadLength, responsePayloadLength };
}

export function wireguardProtocol(crypto: CryptoPrimitives): NoiseProtocol {
  return noiseProtocol(crypto, NOISE_CONSTRUCTION, WG_IDENTIFIER, TIMESTAMP_SIZE, 0);
}

export function createNoiseContext(
  crypto: CryptoPrimitives,
  options: { protocol?: NoiseProtocol; randomFill?: (buf: Uint8Array) => void } = {},
): NoiseContext {
  return {
    crypto,
    protocol: options.protocol ?? wireguardProtocol(crypto),
    randomFill: options.randomFill ?? ((buf) => crypto.randomFill(buf)),
  };
}

/** Copies and clamps the private key (as wg(8) does) and derives the public key. */
export function createStaticIdentity(crypto: CryptoPrimitives, privateKey: Uint8Array): StaticIdentity {
  const clamped = Uint8Array.from(privateKey);
  crypto.clampPrivateKey(clamped);
  const publicKey = new Uint8Array(32);
  crypto.x25519Base(publicKey, clamped);
  return { privateKey: clamped, publicKey };
}

// Handshake messages are laid out as INITIATION and RESPONSE in messages.ts: every field before the
// payload sits at its fixed offset, and the MACs follow the payload, so only the lengths follow the
// payload lengths (the cacophony vectors carry other payloads than WireGuard's).

/** 148 bytes for WireGuard (INITIATION.size): the timestamp's place holds the initiation payload. */
export function initiationLength(protocol: NoiseProtocol): number {
  return INITIATION.size - TIMESTAMP_SIZE + protocol.initiationPayloadLength;
}

/** 92 bytes for WireGuard (RESPONSE.size), whose response payload is empty. */
export function responseLength(protocol: NoiseProtocol): number {
  return RESPONSE.size + protocol.responsePayloadLength;
}
