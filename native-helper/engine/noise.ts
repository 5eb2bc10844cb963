/*
 * WireGuard's Noise_IKpsk2 handshake, sans-IO:
 *
 *   <- s
 *   ******
 *   -> e, es, s, ss, {t}        createInitiation  / consumeInitiation
 *   <- e, ee, se, psk, {}       createResponse    / consumeResponse
 *   then deriveKeypair: initiator sends with the first Split() key, the responder with the second.
 *
 * Functions write message bodies into caller buffers and leave MAC1/MAC2 zero for cookie.ts to
 * fill. They never throw on hostile input: failures come back as a reason. A consume only touches
 * the handshake once every check has passed; secrets computed on the way are wiped.
 *
 * Nothing is allocated per message: the transcript of a consume runs in module-level working copies
 * (copied into the handshake only on success), results are shared constants, and what a consume
 * returns beyond them (peerStatic, timestamp, payload) is a view valid until the next call.
 */
import { wipe } from '../crypto/bytes.js';
import {
  AUTH_TAG_SIZE,
  HANDSHAKE_INITIATION_RATE_MS,
  MESSAGE_TYPE_INITIATION,
  MESSAGE_TYPE_RESPONSE,
} from './constants.js';
import { INITIATION, MAC_SIZE, RESPONSE, readU32LE, writeU32LE } from './messages.js';
import { clearHandshake, type Handshake } from './noise-handshake.js';
import {
  decryptAndHash,
  encryptAndHash,
  mixDh,
  mixEphemeral,
  mixHash,
  mixPrecomputedDh,
  mixPsk,
  split,
} from './noise-symmetric.js';
import { initiationLength, responseLength, type NoiseContext, type StaticIdentity } from './noise-protocol.js';

export type HandshakeFailure =
  | 'no-identity'
  | 'bad-message'
  | 'wrong-state'
  | 'wrong-receiver'
  | 'low-order-point'
  | 'decrypt-failed'
  | 'unknown-peer'
  | 'replay'
  | 'flood';

export type HandshakeResult = { ok: true } | { ok: false; reason: HandshakeFailure };

/** What deriveKeypair produces; a Keypair has this shape, so the keys can be derived straight into one. */
export interface SessionKeys {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  isInitiator: boolean;
  localIndex: number;
  remoteIndex: number;
}

const OK: { ok: true } = Object.freeze({ ok: true });
const FAILURES = new Map<HandshakeFailure, { ok: false; reason: HandshakeFailure }>();

function fail(reason: HandshakeFailure): { ok: false; reason: HandshakeFailure } {
  let failure = FAILURES.get(reason);
  if (failure === undefined) {
    failure = Object.freeze({ ok: false, reason });
    FAILURES.set(reason, failure);
  }
  return failure;
}

const EMPTY = new Uint8Array(0);
// Working state of one step at a time (the steps never call each other, and nothing here is re-entered).
const workChainingKey = new Uint8Array(32);
const workHash = new Uint8Array(32);
const workKey = new Uint8Array(32);
const workEphemeral = new Uint8Array(32);
// Returned to the caller of a consume, valid until the next one; the payloads take the protocol's lengths.
const workPeerStatic = new Uint8Array(32);
let workInitiationPayload = new Uint8Array(0);
let workResponsePayload = new Uint8Array(0);

function initiationPayload(length: number): Uint8Array {
  if (workInitiationPayload.length !== length) workInitiationPayload = new Uint8Array(length);
  return workInitiationPayload;
}

function responsePayload(length: number): Uint8Array {
  if (workResponsePayload.length !== length) workResponsePayload = new Uint8Array(length);
  return workResponsePayload;
}

/** Copies `out.length` bytes of src from `offset` into out, without making a view. */
function copyFrom(out: Uint8Array, src: Uint8Array, offset: number): Uint8Array {
  // Callers copy fields of a message whose size they checked, so src holds out.length bytes from offset.
  for (let i = 0; i < out.length; i++) out[i] = src[offset + i]!;
  return out;
}

/** Writes src into out at `offset`, without making a view. */
function copyTo(out: Uint8Array, offset: number, src: Uint8Array): void {
  for (let i = 0; i < src.length; i++) out[offset + i] = src[i]!;
}

/** A fresh ephemeral key pair: the private key in the handshake, the public key into workEphemeral and out. */
function newEphemeral(ctx: NoiseContext, handshake: Handshake, out: Uint8Array, offset: number): Uint8Array {
  ctx.randomFill(handshake.ephemeralPrivate);
  ctx.crypto.clampPrivateKey(handshake.ephemeralPrivate);
  ctx.crypto.x25519Base(workEphemeral, handshake.ephemeralPrivate);
  copyTo(out, offset, workEphemeral);
  return workEphemeral;
}

/**
 * Writes an initiation (148 bytes for WireGuard) into out. `timestamp` is the initiation payload:
 * the 12-byte TAI64N the caller took from its clock.
 */
export function createInitiation(
  ctx: NoiseContext,
  identity: StaticIdentity | null,
  handshake: Handshake,
  out: Uint8Array,
  senderIndex: number,
  timestamp: Uint8Array,
): HandshakeResult {
  const { crypto, protocol } = ctx;
  if (identity === null) return fail('no-identity');
  if (out.length !== initiationLength(protocol) || timestamp.length !== protocol.initiationPayloadLength) {
    return fail('bad-message');
  }
  const { chainingKey, hash } = handshake;
  const key = workKey;
  chainingKey.set(protocol.initialChainingKey);
  hash.set(protocol.initialHash);
  mixHash(crypto, hash, handshake.remoteStatic);

  const ephemeral = newEphemeral(ctx, handshake, out, INITIATION.ephemeral);
  mixEphemeral(crypto, chainingKey, hash, ephemeral);

  let ok = mixDh(crypto, chainingKey, key, handshake.ephemeralPrivate, handshake.remoteStatic);
  if (ok) {
    encryptAndHash(crypto, key, hash, out, INITIATION.encryptedStatic, identity.publicKey);
    ok = mixPrecomputedDh(crypto, chainingKey, key, handshake.precomputedStaticStatic);
  }
  if (ok) encryptAndHash(crypto, key, hash, out, INITIATION.encryptedTimestamp, timestamp);
  wipe(key);
  wipe(ephemeral);
  if (!ok) {
    clearHandshake(handshake);
    out.fill(0);
    return fail('low-order-point');
  }

  writeU32LE(out, INITIATION.type, MESSAGE_TYPE_INITIATION);
  writeU32LE(out, INITIATION.senderIndex, senderIndex);
  out.fill(0, out.length - 2 * MAC_SIZE);
  handshake.localIndex = senderIndex;
  handshake.stage = 'initiation-created';
  return OK;
}

export type ConsumedInitiation<P> =
  { ok: true; peer: P; peerStatic: Uint8Array; timestamp: Uint8Array } | { ok: false; reason: HandshakeFailure };

/**
 * Responder side of message 1. `lookup` maps the decrypted static key to a peer (undefined: not
 * ours). The initiation is refused unless its timestamp beats the peer's latest and the peer's
 * last accepted initiation is at least 20 ms older than `now` (monotonic milliseconds).
 * The caller has already checked MAC1 (and MAC2 when under load). peerStatic and timestamp are
 * valid until the next consumeInitiation.
 */
export function consumeInitiation<P extends { readonly handshake: Handshake }>(
  ctx: NoiseContext,
  identity: StaticIdentity | null,
  message: Uint8Array,
  now: number,
  lookup: (peerStatic: Uint8Array) => P | undefined,
): ConsumedInitiation<P> {
  const { crypto, protocol } = ctx;
  if (identity === null) return fail('no-identity');
  if (
    message.length !== initiationLength(protocol) ||
    readU32LE(message, INITIATION.type) !== MESSAGE_TYPE_INITIATION
  ) {
    return fail('bad-message');
  }
  // Work on copies: the peer's handshake changes only once the whole message has checked out.
  const chainingKey = workChainingKey;
  const hash = workHash;
  const key = workKey;
  chainingKey.set(protocol.initialChainingKey);
  hash.set(protocol.initialHash);
  try {
    mixHash(crypto, hash, identity.publicKey);
    const ephemeral = copyFrom(workEphemeral, message, INITIATION.ephemeral);
    mixEphemeral(crypto, chainingKey, hash, ephemeral);
    if (!mixDh(crypto, chainingKey, key, identity.privateKey, ephemeral)) return fail('low-order-point');
    const peerStatic = workPeerStatic;
    if (
      !decryptAndHash(
        crypto,
        key,
        hash,
        peerStatic,
        message,
        INITIATION.encryptedStatic,
        INITIATION.encryptedStaticSize,
      )
    ) {
      return fail('decrypt-failed');
    }

    const peer = lookup(peerStatic);
    if (peer === undefined) return fail('unknown-peer');
    const handshake = peer.handshake;
    if (!mixPrecomputedDh(crypto, chainingKey, key, handshake.precomputedStaticStatic)) return fail('low-order-point');
    const timestamp = initiationPayload(protocol.initiationPayloadLength);
    if (
      !decryptAndHash(
        crypto,
        key,
        hash,
        timestamp,
        message,
        INITIATION.encryptedTimestamp,
        timestamp.length + AUTH_TAG_SIZE,
      )
    ) {
      return fail('decrypt-failed');
    }
    if (compareBytes(timestamp, handshake.latestTimestamp) <= 0) return fail('replay');
    if (handshake.lastInitiationConsumption + HANDSHAKE_INITIATION_RATE_MS > now) return fail('flood');

    handshake.remoteEphemeral.set(ephemeral);
    handshake.latestTimestamp.set(timestamp);
    handshake.chainingKey.set(chainingKey);
    handshake.hash.set(hash);
    handshake.remoteIndex = readU32LE(message, INITIATION.senderIndex);
    handshake.lastInitiationConsumption = Math.max(handshake.lastInitiationConsumption, now);
    handshake.stage = 'initiation-consumed';
    return { ok: true, peer, peerStatic, timestamp };
  } finally {
    wipe(chainingKey);
    wipe(hash);
    wipe(key);
    wipe(workEphemeral);
  }
}

/** Writes a response (92 bytes for WireGuard) to a consumed initiation; `payload` is empty there. */
export function createResponse(
  ctx: NoiseContext,
  handshake: Handshake,
  out: Uint8Array,
  senderIndex: number,
  payload: Uint8Array = EMPTY,
): HandshakeResult {
  const { crypto, protocol } = ctx;
  if (handshake.stage !== 'initiation-consumed') return fail('wrong-state');
  if (out.length !== responseLength(protocol) || payload.length !== protocol.responsePayloadLength) {
    return fail('bad-message');
  }
  const { chainingKey, hash } = handshake;
  const key = workKey;
  const ephemeral = newEphemeral(ctx, handshake, out, RESPONSE.ephemeral);
  mixEphemeral(crypto, chainingKey, hash, ephemeral);
  wipe(ephemeral);

  const ok =
    mixDh(crypto, chainingKey, null, handshake.ephemeralPrivate, handshake.remoteEphemeral) &&
    mixDh(crypto, chainingKey, null, handshake.ephemeralPrivate, handshake.remoteStatic);
  // Our ephemeral has done its work: only the chaining key carries on.
  wipe(handshake.ephemeralPrivate);
  if (!ok) {
    clearHandshake(handshake);
    out.fill(0);
    return fail('low-order-point');
  }
  mixPsk(crypto, chainingKey, hash, key, handshake.presharedKey);
  encryptAndHash(crypto, key, hash, out, RESPONSE.encryptedNothing, payload);
  wipe(key);

  writeU32LE(out, RESPONSE.type, MESSAGE_TYPE_RESPONSE);
  writeU32LE(out, RESPONSE.senderIndex, senderIndex);
  writeU32LE(out, RESPONSE.receiverIndex, handshake.remoteIndex);
  out.fill(0, out.length - 2 * MAC_SIZE);
  handshake.localIndex = senderIndex;
  handshake.stage = 'response-created';
  return OK;
}

export type ConsumedResponse = { ok: true; payload: Uint8Array } | { ok: false; reason: HandshakeFailure };

/**
 * Initiator side of message 2, for the handshake the caller found by the message's receiver index.
 * The caller has already checked MAC1. The payload is valid until the next consumeResponse.
 */
export function consumeResponse(
  ctx: NoiseContext,
  identity: StaticIdentity | null,
  handshake: Handshake,
  message: Uint8Array,
): ConsumedResponse {
  const { crypto, protocol } = ctx;
  if (identity === null) return fail('no-identity');
  if (message.length !== responseLength(protocol) || readU32LE(message, RESPONSE.type) !== MESSAGE_TYPE_RESPONSE) {
    return fail('bad-message');
  }
  if (handshake.stage !== 'initiation-created') return fail('wrong-state');
  if (readU32LE(message, RESPONSE.receiverIndex) !== handshake.localIndex) return fail('wrong-receiver');

  // A forged response must not disturb the initiation it claims to answer: work on copies.
  const chainingKey = workChainingKey;
  const hash = workHash;
  const key = workKey;
  chainingKey.set(handshake.chainingKey);
  hash.set(handshake.hash);
  try {
    const ephemeral = copyFrom(workEphemeral, message, RESPONSE.ephemeral);
    mixEphemeral(crypto, chainingKey, hash, ephemeral);
    if (
      !mixDh(crypto, chainingKey, null, handshake.ephemeralPrivate, ephemeral) ||
      !mixDh(crypto, chainingKey, null, identity.privateKey, ephemeral)
    ) {
      return fail('low-order-point');
    }
    mixPsk(crypto, chainingKey, hash, key, handshake.presharedKey);
    const payload = responsePayload(protocol.responsePayloadLength);
    if (
      !decryptAndHash(crypto, key, hash, payload, message, RESPONSE.encryptedNothing, payload.length + AUTH_TAG_SIZE)
    ) {
      return fail('decrypt-failed');
    }

    handshake.remoteEphemeral.set(ephemeral);
    handshake.chainingKey.set(chainingKey);
    handshake.hash.set(hash);
    handshake.remoteIndex = readU32LE(message, RESPONSE.senderIndex);
    wipe(handshake.ephemeralPrivate);
    handshake.stage = 'response-consumed';
    return { ok: true, payload };
  } finally {
    wipe(chainingKey);
    wipe(hash);
    wipe(key);
    wipe(workEphemeral);
  }
}

/**
 * Split() into transport keys and zero the handshake; the keys and indices go into `into` when
 * given (a Keypair), else into a new object. Null unless a response was just created or consumed.
 * The responder must not send with its keypair before the initiator's first data packet confirms it
 * (the keypair rotation in the peer decides that, not this function).
 */
export function deriveKeypair(ctx: NoiseContext, handshake: Handshake, into?: SessionKeys): SessionKeys | null {
  if (handshake.stage !== 'response-created' && handshake.stage !== 'response-consumed') return null;
  const keys: SessionKeys = into ?? {
    sendKey: new Uint8Array(32),
    receiveKey: new Uint8Array(32),
    isInitiator: false,
    localIndex: 0,
    remoteIndex: 0,
  };
  keys.isInitiator = handshake.stage === 'response-consumed';
  // The initiator sends with the first key, the responder with the second.
  if (keys.isInitiator) split(ctx.crypto, keys.sendKey, keys.receiveKey, handshake.chainingKey);
  else split(ctx.crypto, keys.receiveKey, keys.sendKey, handshake.chainingKey);
  keys.localIndex = handshake.localIndex;
  keys.remoteIndex = handshake.remoteIndex;
  clearHandshake(handshake);
  return keys;
}

/**
 * Big-endian comparison, as TAI64N timestamps order. Both are the protocol's initiationPayloadLength bytes
 * long, so b[i] exists wherever a[i] does.
 */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}
