/*
 * One peer's state (the kernel's struct wg_peer): its keys, handshake, keypairs, endpoint, staged packets,
 * timers and counters. The device drives it; nothing here sends or reads a clock.
 */
import { MAX_STAGED_PACKETS } from './constants.js';
import { type CookieGenerator, createCookieGenerator } from './cookie.js';
import { type DropCounters, newDropCounters } from './drops.js';
import { DOUBLE_FIELD } from './double-fields.js';
import { ENDPOINT_SIZE, clearEndpointLocal, endpointFamily, newEndpoint } from './endpoint.js';
import { Keypairs } from './keypair.js';
import { type Handshake, createHandshake } from './noise-handshake.js';
import type { NoiseContext, StaticIdentity } from './noise-protocol.js';
import { StagedQueue } from './staged-queue.js';
import { type JitterSource, NEVER, PeerTimers } from './timers.js';

export class Peer {
  readonly publicKey: Uint8Array;
  readonly handshake: Handshake;
  readonly cookieGenerator: CookieGenerator;
  readonly keypairs = new Keypairs();
  readonly timers: PeerTimers;
  readonly staged: StagedQueue;
  readonly endpoint: Uint8Array = newEndpoint();
  readonly drops: DropCounters = newDropCounters();

  rxBytes = DOUBLE_FIELD;
  txBytes = DOUBLE_FIELD;
  /** Wall-clock ms of the latest completed handshake, 0 for never (what `wg show` reports). */
  lastHandshakeWallMs = DOUBLE_FIELD;
  /** Monotonic ms of the latest initiation we sent, for the one-per-REKEY_TIMEOUT rule. */
  lastSentHandshake = -Infinity;
  /** Set by suspend(): the peer carried a session, so resume() brings it back at once. */
  resumeWanted = false;
  /** False once removed from its device: late timers and staged packets must do nothing. */
  alive = true;

  constructor(
    ctx: NoiseContext,
    identity: StaticIdentity | null,
    publicKey: Uint8Array,
    jitterSource: JitterSource,
    stagedPacket: { packetSize: number; headroom: number; tailroom: number },
  ) {
    // Created as doubles above, so that counts past 2 GiB and wall-clock ms keep the map (double-fields.ts).
    this.rxBytes = 0;
    this.txBytes = 0;
    this.lastHandshakeWallMs = 0;
    this.publicKey = Uint8Array.from(publicKey);
    this.handshake = createHandshake(ctx, identity, this.publicKey);
    this.cookieGenerator = createCookieGenerator(ctx.crypto, this.publicKey);
    this.timers = new PeerTimers(jitterSource);
    this.staged = new StagedQueue(
      MAX_STAGED_PACKETS,
      stagedPacket.packetSize,
      stagedPacket.headroom,
      stagedPacket.tailroom,
    );
  }

  get hasEndpoint(): boolean {
    return endpointFamily(this.endpoint) !== 0;
  }

  setEndpoint(record: Uint8Array | null, off = 0): void {
    if (record === null) this.endpoint.fill(0);
    else this.endpoint.set(record.subarray(off, off + ENDPOINT_SIZE));
  }

  /** Send from whatever address the route picks (kernel wg_socket_clear_peer_endpoint_src). */
  forgetLocalAddress(): void {
    clearEndpointLocal(this.endpoint);
  }

  /** Persistent keepalive in seconds, 0 for off. */
  get persistentKeepalive(): number {
    return this.timers.persistentKeepaliveMs / 1000;
  }

  /**
   * Sets the persistent keepalive interval (seconds, 0 off), nothing else: configuring a device that is not up.
   * On a running device, Device.setPersistentKeepalive also sends the first keepalive, as wg(8) does.
   */
  setPersistentKeepalive(seconds: number): void {
    this.timers.persistentKeepaliveMs = seconds * 1000;
    if (seconds === 0) this.timers.persistentKeepalive = NEVER;
  }

  /** Whether it has session keys now (a current keypair, or a fresh one waiting to be confirmed). */
  get hasSession(): boolean {
    return this.keypairs.current !== null || this.keypairs.next !== null;
  }

  /** A session, or a handshake under way. */
  get inUse(): boolean {
    return this.hasSession || this.handshake.stage !== 'zeroed';
  }

  /** Retransmissions of the current handshake so far (0 once it completes, or before any). */
  get handshakeAttempts(): number {
    return this.timers.handshakeAttempts;
  }
}
