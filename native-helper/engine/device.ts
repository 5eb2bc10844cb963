/*
 * A WireGuard device, sans-IO (the kernel's device.c with peer.c's lifecycle): configuration with wg(8)
 * semantics, up/down, suspend/resume, and the three inputs a caller feeds it, each with the monotonic time:
 *
 *   send(packet)        an IP packet from the TUN side        -> send.ts
 *   receive(datagram)   a UDP datagram from the network       -> receive.ts (handshakes queue until flush())
 *   flush()             after each batch of receive()         -> a budget of queued handshakes (receive.ts)
 *   tick()              the earliest deadline has passed      -> timer expiry below, and another budget
 *
 * Outputs go to a DeviceSink. The caller sleeps until nextDeadline(); nothing here owns a timer or a socket.
 * Handshake messages left queued by a flush() make nextDeadline() the time they arrived, so an I/O loop that
 * arms its timer for nextDeadline() keeps draining them even when no further datagram comes.
 */
import { isZero } from '../crypto/bytes.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import type { IpVersion } from './ip-packet.js';
import { AllowedIps } from './allowed-ips.js';
import {
  DEFAULT_MTU,
  HANDSHAKES_PER_FLUSH,
  MAX_MESSAGE_SIZE,
  MAX_PEERS,
  REJECT_AFTER_MESSAGES,
  REKEY_AFTER_MESSAGES,
  MAX_TIMER_HANDSHAKES,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  ZERO_KEY_MATERIAL_AFTER_MS,
} from './constants.js';
import { type CookieChecker, createCookieChecker, setCookieCheckerKey } from './cookie.js';
import {
  type DeviceEvent,
  type DeviceLimits,
  type DeviceOptions,
  type DeviceSink,
  SEND_HEADROOM,
  SEND_TAILROOM,
} from './device-types.js';
import { DeviceWork, WORK } from './device-work.js';
import { type DropCounters, type DropReason, newDropCounters } from './drops.js';
import { IndexTable } from './index-table.js';
import { DisplacedKeypairs, type Keypair } from './keypair.js';
import { clearHandshake, precomputeStaticStatic } from './noise-handshake.js';
import { type NoiseContext, type StaticIdentity, createNoiseContext, createStaticIdentity } from './noise-protocol.js';
import { Peer } from './peer.js';
import { Ratelimiter } from './ratelimiter.js';
import { processHandshakeQueue, receiveDatagram } from './receive.js';
import { sendHandshakeInitiation, sendKeepalive, sendPacket, sendStagedPackets, usableKeypair } from './send.js';
import { type JitterSource, NEVER } from './timers.js';

/**
 * One fill function per crypto object, shared by every device using it: a closure per device would give the
 * call sites that draw randomness (the timers' jitter on the send path among them) a new call target with every
 * tunnel, and their optimised code would deoptimise each time one comes up.
 */
const randomFills = new WeakMap<CryptoPrimitives, (buf: Uint8Array) => void>();

function randomFillOf(crypto: CryptoPrimitives): (buf: Uint8Array) => void {
  let fill = randomFills.get(crypto);
  if (fill === undefined) {
    fill = (buf) => crypto.randomFill(buf);
    randomFills.set(crypto, fill);
  }
  return fill;
}

/** A peer refused because the device holds as many as it may (Device.maxPeers). */
export class TooManyPeersError extends RangeError {
  constructor(maxPeers: number) {
    super(`a device holds at most ${maxPeers} peers`);
    this.name = 'TooManyPeersError';
  }
}

/** Random bytes drawn at once for jitter(): 128 jitters per draw. */
const JITTER_POOL_SIZE = 256;

export class Device implements JitterSource {
  readonly crypto: CryptoPrimitives;
  readonly noise: NoiseContext;
  readonly randomFill: (buf: Uint8Array) => void;
  readonly wallClock: () => number;
  readonly limits: DeviceLimits;
  /**
   * The tunnel interface's MTU as last told (setMtu): it only clamps the padding, as the kernel's
   * calculate_skb_padding does with the MTU it reads per packet. A packet longer than it is still sent: the
   * interface's MTU may have been raised a moment ago (`ip link set wg0 mtu 1500`) and not told yet.
   */
  mtu: number;
  readonly drops: DropCounters = newDropCounters();
  readonly allowedIps = new AllowedIps<Peer>();
  readonly indices: IndexTable<Peer>;
  readonly cookieChecker: CookieChecker;
  readonly ratelimiter: Ratelimiter;
  /** Scratch buffers and the handshake queue: send.ts's and receive.ts's, see device-work.ts. */
  readonly [WORK] = new DeviceWork();
  /** Handshake messages that may reach the Noise step per flush() or tick(). */
  readonly handshakesPerFlush: number;
  /** Peers it holds at most: addPeer refuses more. */
  readonly maxPeers: number;

  identity: StaticIdentity | null = null;
  listenPort = 0;
  fwmark = 0;
  isUp = false;

  private readonly peerList: Peer[] = [];
  /** Peers by public key: buckets keyed by 30 bits of the key, then compared in full (no strings built). */
  private readonly byKey = new Map<number, Peer[]>();
  private readonly emit: (event: DeviceEvent) => void;
  /**
   * Random bytes for jitter(), drawn a pool at a time: a data packet sent after one was received asks for jitter
   * (the new-handshake timer), so a busy two-way flow would otherwise call the CSPRNG per packet. Not secret.
   */
  private readonly jitterPool = new Uint8Array(JITTER_POOL_SIZE);
  private jitterUsed = JITTER_POOL_SIZE;
  /** Keypairs displaced by an operation, collected then released together. */
  private readonly displaced = new DisplacedKeypairs();

  constructor(options: DeviceOptions) {
    this.crypto = options.crypto;
    this.randomFill = options.randomFill ?? randomFillOf(options.crypto);
    this.noise = createNoiseContext(this.crypto, { randomFill: this.randomFill });
    this.wallClock = options.wallClock;
    this.mtu = checkMtu(options.mtu ?? DEFAULT_MTU);
    this.limits = {
      rekeyAfterMessages: options.limits?.rekeyAfterMessages ?? REKEY_AFTER_MESSAGES,
      rejectAfterMessages: options.limits?.rejectAfterMessages ?? REJECT_AFTER_MESSAGES,
    };
    this.emit = options.onEvent ?? (() => {});
    this.handshakesPerFlush = options.handshakesPerFlush ?? HANDSHAKES_PER_FLUSH;
    if (!(Number.isInteger(this.handshakesPerFlush) && this.handshakesPerFlush >= 1)) {
      throw new RangeError(`handshakesPerFlush must be a positive integer, not ${this.handshakesPerFlush}`);
    }
    this.maxPeers = options.maxPeers ?? MAX_PEERS;
    if (!(Number.isInteger(this.maxPeers) && this.maxPeers >= 1 && this.maxPeers <= MAX_PEERS)) {
      throw new RangeError(`maxPeers must be a whole number from 1 to ${MAX_PEERS}, not ${this.maxPeers}`);
    }
    this.indices = new IndexTable<Peer>(this.randomFill);
    // A hash key of its own, secret (ratelimiter.ts): the kernel draws its ratelimiter's siphash key at random.
    const seed = new Uint8Array(4);
    this.randomFill(seed);
    this.ratelimiter = new Ratelimiter({ seed: new DataView(seed.buffer).getInt32(0) });
    this.crypto.wipe(seed);
    this.cookieChecker = createCookieChecker(this.crypto, null);
  }

  // ---- configuration (wg set semantics) ----

  get peers(): readonly Peer[] {
    return this.peerList;
  }

  get publicKey(): Uint8Array | null {
    return this.identity?.publicKey ?? null;
  }

  /**
   * Sets (or with null removes) the private key, as the kernel's netlink set_device does: a peer whose public key
   * is our new own key is removed, and every other peer's sessions expire (wg_noise_expire_current_peer_keypairs):
   * the handshake in progress is dropped and the keypairs in use send no more, so the next packet handshakes under
   * the new key, while packets the peer already sent on them still open.
   */
  setPrivateKey(privateKey: Uint8Array | null): void {
    if (privateKey !== null && this.identity && this.crypto.equal(privateKey, this.identity.privateKey)) return;
    if (this.identity) this.crypto.wipe(this.identity.privateKey);
    this.identity = privateKey === null || isZero(privateKey) ? null : createStaticIdentity(this.crypto, privateKey);
    setCookieCheckerKey(this.crypto, this.cookieChecker, this.identity?.publicKey ?? null);
    const own = this.identity?.publicKey;
    for (const peer of [...this.peerList]) {
      if (own && this.crypto.equal(peer.publicKey, own)) {
        this.removePeer(peer);
        continue;
      }
      precomputeStaticStatic(this.noise, peer.handshake, this.identity);
      this.expireCurrentKeypairs(peer);
    }
  }

  findPeer(publicKey: Uint8Array): Peer | undefined {
    const bucket = this.byKey.get(keyBucket(publicKey));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const peer = bucket[i]!; // i < bucket.length
      if (sameKey(peer.publicKey, publicKey)) return peer;
    }
    return undefined;
  }

  /** findPeer as a function value, made once: the handshake path passes it for every initiation. */
  readonly peerByKey = (publicKey: Uint8Array): Peer | undefined => this.findPeer(publicKey);

  /**
   * Adds a peer, or returns the existing one with that key. Null for our own public key (wg ignores it). Throws a
   * TooManyPeersError when the device already holds maxPeers (wireguard-go's NewPeer: "too many peers").
   */
  addPeer(publicKey: Uint8Array): Peer | null {
    const existing = this.findPeer(publicKey);
    if (existing) return existing;
    if (this.identity && this.crypto.equal(publicKey, this.identity.publicKey)) return null;
    if (this.peerList.length >= this.maxPeers) throw new TooManyPeersError(this.maxPeers);
    const peer = new Peer(this.noise, this.identity, publicKey, this, {
      packetSize: this.mtu,
      headroom: SEND_HEADROOM,
      tailroom: SEND_TAILROOM,
    });
    peer.timers.enabled = this.isUp;
    this.peerList.push(peer);
    const bucket = this.byKey.get(keyBucket(publicKey));
    if (bucket === undefined) this.byKey.set(keyBucket(publicKey), [peer]);
    else bucket.push(peer);
    return peer;
  }

  /** The tunnel interface's MTU now (the caller watches the interface; see `mtu`). */
  setMtu(mtu: number): void {
    this.mtu = checkMtu(mtu);
  }

  removePeer(peer: Peer): void {
    const index = this.peerList.indexOf(peer);
    if (index < 0) return;
    this.peerList.splice(index, 1);
    const bucket = this.byKey.get(keyBucket(peer.publicKey)) ?? [];
    const at = bucket.indexOf(peer);
    if (at >= 0) bucket.splice(at, 1);
    if (bucket.length === 0) this.byKey.delete(keyBucket(peer.publicKey));
    this.allowedIps.removeValue(peer);
    this.clearSessions(peer);
    peer.staged.purge();
    peer.timers.stop();
    peer.alive = false;
    this.crypto.wipe(peer.handshake.presharedKey);
    this.crypto.wipe(peer.handshake.precomputedStaticStatic);
  }

  removeAllPeers(): void {
    for (const peer of [...this.peerList]) this.removePeer(peer);
  }

  setPresharedKey(peer: Peer, psk: Uint8Array | null): void {
    if (psk === null) peer.handshake.presharedKey.fill(0);
    else peer.handshake.presharedKey.set(psk);
  }

  /**
   * Sets the persistent keepalive interval (seconds, 0 off). Turning it on while up sends a keepalive at once,
   * as wg(8) documents, so a peer behind NAT becomes reachable without waiting for traffic.
   */
  setPersistentKeepalive(peer: Peer, seconds: number, now: number, sink: DeviceSink): void {
    const wasOff = peer.timers.persistentKeepaliveMs === 0;
    peer.setPersistentKeepalive(seconds);
    if (seconds !== 0 && wasOff && this.isUp) sendKeepalive(this, peer, now, sink);
  }

  addAllowedIp(peer: Peer, family: IpVersion, address: Uint8Array, cidr: number): void {
    this.allowedIps.insert(family, address, 0, cidr, peer);
  }

  removeAllowedIp(peer: Peer, family: IpVersion, address: Uint8Array, cidr: number): void {
    this.allowedIps.remove(family, address, 0, cidr, peer);
  }

  clearAllowedIps(peer: Peer): void {
    this.allowedIps.removeValue(peer);
  }

  // ---- lifecycle ----

  /** wg_open: timers on; staged packets go out, and peers with persistent keepalive announce themselves. */
  up(now: number, sink: DeviceSink): void {
    if (this.isUp) return;
    this.isUp = true;
    for (const peer of this.peerList) {
      peer.timers.enabled = true;
      sendStagedPackets(this, peer, now, sink);
      if (peer.timers.persistentKeepaliveMs > 0) sendKeepalive(this, peer, now, sink);
    }
  }

  /** wg_stop: staged packets purged, timers stopped, every handshake and keypair cleared and wiped. */
  down(): void {
    this.isUp = false;
    for (const peer of this.peerList) {
      peer.timers.enabled = false;
      peer.timers.stop();
      peer.staged.purge();
      this.clearSessions(peer);
      // wg_stop resets last_sent_handshake too: after up() the first initiation must go out at once, even
      // within REKEY_TIMEOUT of one sent before down() (up()'s keepalive would otherwise be silently lost).
      peer.lastSentHandshake = -Infinity;
    }
    this[WORK].handshakes.clear();
  }

  /**
   * wg_pm_notification: before sleep, every handshake and keypair is cleared, so nothing from before the sleep
   * is ever used after it. Peers that carried a session are remembered for resume().
   */
  suspend(): void {
    for (const peer of this.peerList) {
      // A responder whose fresh keypair still waits in `next` for its confirmation was in use too.
      peer.resumeWanted ||= peer.inUse || peer.staged.size > 0;
      peer.timers.zeroKeyMaterial = NEVER;
      this.clearSessions(peer);
      // Packets queued before the sleep are stale after it (a DNS query, a TCP segment long retransmitted).
      peer.staged.purge();
      // No retransmission of a handshake whose ephemeral key was just wiped.
      peer.timers.retransmitHandshake = NEVER;
      peer.timers.handshakeAttempts = 0;
      // Nor does that initiation hold back the first one after wake (its answer could no longer be read), as
      // down() and a new private key do. Only one goes out then: whichever of resume(), the first packet or a
      // change of network asks first; the others find it within REKEY_TIMEOUT.
      peer.lastSentHandshake = -Infinity;
    }
    this[WORK].handshakes.clear();
  }

  /**
   * Handshakes now rather than at the first packet or timer: an initiation to each of `peers` (default: every
   * peer) that has an endpoint. A deliberate difference from the kernel, which waits for traffic: a tunnel switched
   * on then shows "on", or why not, before anything is sent. The protocol's rate limit holds (at most one
   * initiation per REKEY_TIMEOUT, wg_packet_send_handshake_initiation), so a packet sent just after, or a timer,
   * never starts a second handshake that would displace the first. Returns how many peers were asked.
   */
  handshakeNow(now: number, sink: DeviceSink, peers: readonly Peer[] = this.peerList): number {
    for (const peer of peers) {
      if (peer.hasEndpoint) sendHandshakeInitiation(this, peer, false, now, sink);
    }
    return peers.length;
  }

  /**
   * After a change of the network (another address, route or link): each peer in use tells the other side where
   * we are now. With a usable session that is a keepalive, which the peer authenticates and takes our new source
   * address from (roaming), as wireguard-go's SendKeepalivesToPeersWithCurrentKeypair does on a network change;
   * a fresh session is never replaced by a handshake nobody needs. Without one, an initiation, within the rate
   * limit: one sent less than REKEY_TIMEOUT ago is retransmitted by its timer. Returns how many peers were told.
   * Every peer forgets the local address it sent from: the route to it may now leave by another link, which the
   * kernel's send4 checks on every send (and then forgets it) and a userspace socket cannot see.
   */
  announce(now: number, sink: DeviceSink): number {
    let told = 0;
    for (const peer of this.peerList) {
      peer.forgetLocalAddress();
      if (!peer.inUse || !peer.hasEndpoint) continue;
      told++;
      if (usableKeypair(this, peer, now) !== null) sendKeepalive(this, peer, now, sink);
      else sendHandshakeInitiation(this, peer, false, now, sink);
    }
    return told;
  }

  /**
   * After wake: peers that were in use handshake at once instead of waiting for the next packet, within the rate
   * limit. suspend() lifted it; a packet that arrived between the wake and this call may already have started
   * the handshake, and a second initiation now would undo it: its answer would meet a released index, and the
   * responder refuses an initiation within 20 ms of the last (HANDSHAKE_INITIATION_RATE_MS), leaving the tunnel
   * silent until the retransmission, REKEY_TIMEOUT later.
   */
  resume(now: number, sink: DeviceSink): void {
    for (const peer of this.peerList) {
      if (!peer.resumeWanted) continue;
      peer.resumeWanted = false;
      if (this.isUp) sendHandshakeInitiation(this, peer, false, now, sink);
    }
  }

  // ---- inputs ----

  /**
   * An IP packet from the TUN side at buf[off, off+len), with SEND_HEADROOM bytes free before it and
   * SEND_TAILROOM after it: the transport message is built there in place.
   */
  send(buf: Uint8Array, off: number, len: number, now: number, sink: DeviceSink): void {
    sendPacket(this, buf, off, len, now, sink);
  }

  /**
   * A datagram from the network. `source` holds the sender's endpoint record at `sourceOff`. Transport data is
   * decrypted in place and delivered at once; handshake messages wait in a bounded queue for flush().
   */
  receive(
    buf: Uint8Array,
    off: number,
    len: number,
    source: Uint8Array,
    sourceOff: number,
    now: number,
    sink: DeviceSink,
  ): void {
    receiveDatagram(this, buf, off, len, source, sourceOff, now, sink);
  }

  /**
   * Processes queued handshake messages, at most `handshakesPerFlush` of them up to the Noise step; call after
   * each batch of receive(). What is left waits for the next flush() or tick().
   */
  flush(now: number, sink: DeviceSink): void {
    if (this[WORK].handshakes.size > 0) processHandshakeQueue(this, now, sink, this.handshakesPerFlush);
  }

  /** True while handshake messages wait in the queue (nextDeadline() is then already due). */
  hasPendingHandshakes(): boolean {
    return this[WORK].handshakes.size > 0;
  }

  /**
   * The earliest monotonic time at which tick() has work, Infinity when nothing is armed. While handshake messages
   * are queued, that is when the oldest of them arrived: already due.
   */
  nextDeadline(): number {
    const work = this[WORK];
    let next = work.handshakes.size > 0 ? work.handshakesWaitingSince : Infinity;
    for (const peer of this.peerList) next = Math.min(next, peer.timers.next());
    return next;
  }

  /**
   * Runs every timer whose deadline has passed (the kernel's timers.c expiry functions), after another budget of
   * queued handshake messages.
   */
  tick(now: number, sink: DeviceSink): void {
    this.flush(now, sink);
    for (const peer of [...this.peerList]) {
      const t = peer.timers;
      // First: when several are due at once (the machine slept through them all), what the others would start
      // must not be wiped by it a moment later (an initiation whose index it released could never complete).
      if (t.zeroKeyMaterial <= now) {
        t.zeroKeyMaterial = NEVER;
        this.clearSessions(peer);
        this.emit({ type: 'keys-zeroed', peer });
      }
      if (t.retransmitHandshake <= now) {
        t.retransmitHandshake = NEVER;
        this.expireRetransmitHandshake(peer, now, sink);
      }
      if (t.sendKeepalive <= now) {
        t.sendKeepalive = NEVER;
        sendKeepalive(this, peer, now, sink);
        if (t.needAnotherKeepalive) {
          t.needAnotherKeepalive = false;
          t.dataReceived(now);
        }
      }
      if (t.newHandshake <= now) {
        t.newHandshake = NEVER;
        // Kernel wg_expired_new_handshake: the local address we send from may be why nothing came back.
        peer.forgetLocalAddress();
        sendHandshakeInitiation(this, peer, false, now, sink);
      }
      if (t.persistentKeepalive <= now) {
        t.persistentKeepalive = NEVER;
        if (t.persistentKeepaliveMs > 0) sendKeepalive(this, peer, now, sink);
      }
    }
  }

  private expireRetransmitHandshake(peer: Peer, now: number, sink: DeviceSink): void {
    const t = peer.timers;
    if (t.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
      // Give up: the peer is unreachable. Nothing waits for it any more, and its keys go in due course.
      t.sendKeepalive = NEVER;
      peer.staged.purge();
      if (t.zeroKeyMaterial === NEVER) t.zeroKeyMaterial = now + ZERO_KEY_MATERIAL_AFTER_MS;
      this.emit({ type: 'handshake-gave-up', peer });
      return;
    }
    t.handshakeAttempts++;
    // Kernel wg_expired_retransmit_handshake: the local address we send from may be why nothing came back.
    peer.forgetLocalAddress();
    sendHandshakeInitiation(this, peer, true, now, sink);
  }

  // ---- internals shared by send.ts and receive.ts ----

  /** REKEY_TIMEOUT jitter: a whole number of ms in [0, 334), from two fresh random bytes (modulo bias < 1%). */
  jitter(): number {
    if (this.jitterUsed + 2 > JITTER_POOL_SIZE) {
      this.randomFill(this.jitterPool);
      this.jitterUsed = 0;
    }
    // The refill above leaves at least two unused bytes in the pool.
    const value = (this.jitterPool[this.jitterUsed]! << 8) | this.jitterPool[this.jitterUsed + 1]!;
    this.jitterUsed += 2;
    return value % REKEY_TIMEOUT_JITTER_MAX_MS;
  }

  event(event: DeviceEvent): void {
    this.emit(event);
  }

  drop(reason: DropReason, peer?: Peer): void {
    this.drops[reason]++;
    if (peer) peer.drops[reason]++;
  }

  /** Installs a derived keypair; displaced ones are unregistered and wiped. */
  installKeypair(peer: Peer, keypair: Keypair): void {
    peer.keypairs.add(keypair, this.displaced);
    this.releaseDisplaced();
  }

  confirmKeypair(peer: Peer, keypair: Keypair): boolean {
    const confirmed = peer.keypairs.receivedWith(keypair, this.displaced);
    this.releaseDisplaced();
    return confirmed;
  }

  /** Forgets the handshake in progress and every keypair of the peer, wiping the keys. */
  clearSessions(peer: Peer): void {
    this.clearHandshake(peer);
    peer.keypairs.clear(this.displaced);
    this.releaseDisplaced();
  }

  /**
   * wg_noise_expire_current_peer_keypairs: the handshake in progress is dropped, and the current and next keypairs
   * may no longer send (they still receive until they age out or are displaced). The last initiation went out
   * under what changed, so it does not hold back the next one for REKEY_TIMEOUT (nothing would retry it).
   */
  private expireCurrentKeypairs(peer: Peer): void {
    this.clearHandshake(peer);
    peer.lastSentHandshake = -Infinity;
    if (peer.keypairs.next !== null) peer.keypairs.next.canSend = false;
    if (peer.keypairs.current !== null) peer.keypairs.current.canSend = false;
  }

  /** Forgets the handshake in progress, and the index it was known by. */
  private clearHandshake(peer: Peer): void {
    if (peer.handshake.localIndex !== 0 && this.indices.lookup(peer.handshake.localIndex)?.keypair === null) {
      this.indices.release(peer.handshake.localIndex);
    }
    clearHandshake(peer.handshake);
  }

  private releaseDisplaced(): void {
    let wiped = false;
    for (let keypair = this.displaced.take(); keypair !== null; keypair = this.displaced.take()) {
      this.indices.release(keypair.localIndex);
      keypair.wipe();
      wiped = true;
    }
    // The crypto's own copies of the last keys it used (OpenSSL's contexts) go with them.
    if (wiped) this.crypto.forgetKeys();
  }
}

/** An interface MTU: a whole number of bytes no larger than a UDP payload; 0 pads to 16 with no clamp (kernel). */
function checkMtu(mtu: number): number {
  if (!(Number.isInteger(mtu) && mtu >= 0 && mtu <= MAX_MESSAGE_SIZE)) {
    throw new RangeError(`an MTU must be a whole number from 0 to ${MAX_MESSAGE_SIZE}, not ${mtu}`);
  }
  return mtu;
}

/** 30 bits of a public key: an integer V8 keeps unboxed (a Smi) as a Map key, and well spread, keys being random. */
function keyBucket(key: Uint8Array): number {
  // Public keys are 32 bytes, so the first four exist.
  return key[0]! | (key[1]! << 8) | (key[2]! << 16) | ((key[3]! & 0x3f) << 24);
}

/** Public keys: no need for constant time. */
function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
