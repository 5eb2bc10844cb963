/*
 * The per-peer state of WireGuard's handshake (the kernel's struct noise_handshake): the peer's
 * keys, the DH of both static keys computed once, the transcript in progress, and what replay and
 * flood protection remember across handshakes. noise.ts moves it between stages.
 */
import { wipe } from '../crypto/bytes.js';
import { DOUBLE_FIELD } from './double-fields.js';
import type { NoiseContext, StaticIdentity } from './noise-protocol.js';

export type HandshakeStage =
  'zeroed' | 'initiation-created' | 'initiation-consumed' | 'response-created' | 'response-consumed';

/** Per-peer handshake state. Arrays are fixed; their contents change in place. */
export interface Handshake {
  stage: HandshakeStage;
  readonly remoteStatic: Uint8Array;
  readonly presharedKey: Uint8Array;
  /** DH(our static, their static); all zero when there is no identity or their key is low order. */
  readonly precomputedStaticStatic: Uint8Array;
  readonly chainingKey: Uint8Array;
  readonly hash: Uint8Array;
  readonly ephemeralPrivate: Uint8Array;
  readonly remoteEphemeral: Uint8Array;
  /** Greatest initiation payload (TAI64N) accepted so far; replays must exceed it. */
  readonly latestTimestamp: Uint8Array;
  /** Monotonic milliseconds of the last accepted initiation. */
  lastInitiationConsumption: number;
  localIndex: number;
  remoteIndex: number;
}

export function createHandshake(
  ctx: NoiseContext,
  identity: StaticIdentity | null,
  remoteStatic: Uint8Array,
  presharedKey?: Uint8Array,
): Handshake {
  const handshake: Handshake = {
    stage: 'zeroed',
    remoteStatic: Uint8Array.from(remoteStatic),
    presharedKey: presharedKey === undefined ? new Uint8Array(32) : Uint8Array.from(presharedKey),
    precomputedStaticStatic: new Uint8Array(32),
    chainingKey: new Uint8Array(32),
    hash: new Uint8Array(32),
    ephemeralPrivate: new Uint8Array(32),
    remoteEphemeral: new Uint8Array(32),
    latestTimestamp: new Uint8Array(ctx.protocol.initiationPayloadLength),
    lastInitiationConsumption: Number.NEGATIVE_INFINITY,
    localIndex: DOUBLE_FIELD,
    remoteIndex: DOUBLE_FIELD,
  };
  // Created as doubles above, so that an index at or above 2^31 keeps the map (double-fields.ts).
  handshake.localIndex = 0;
  handshake.remoteIndex = 0;
  precomputeStaticStatic(ctx, handshake, identity);
  return handshake;
}

/** Call again whenever our private key changes. */
export function precomputeStaticStatic(ctx: NoiseContext, handshake: Handshake, identity: StaticIdentity | null): void {
  if (identity === null) handshake.precomputedStaticStatic.fill(0);
  else ctx.crypto.x25519(handshake.precomputedStaticStatic, identity.privateKey, handshake.remoteStatic);
}

/** Forgets the handshake in progress (not the peer's keys, timestamp or flood state). */
export function clearHandshake(handshake: Handshake): void {
  wipe(handshake.ephemeralPrivate);
  wipe(handshake.remoteEphemeral);
  wipe(handshake.chainingKey);
  wipe(handshake.hash);
  handshake.localIndex = 0;
  handshake.remoteIndex = 0;
  handshake.stage = 'zeroed';
}
