/*
 * A peer's five timers, as deadlines (monotonic ms, Infinity when not armed), mirroring the kernel's timers.c:
 * the events below arm and disarm them; the device's tick() runs the expired ones. No timer objects exist: the
 * I/O loop sleeps until the device's earliest deadline, so an idle tunnel costs nothing.
 *
 *   retransmitHandshake  REKEY_TIMEOUT + jitter after we sent an initiation without an answer
 *   sendKeepalive        KEEPALIVE_TIMEOUT after data arrived and we sent nothing back (passive keepalive)
 *   newHandshake         KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after we sent data and heard nothing back
 *   zeroKeyMaterial      3 x REJECT_AFTER_TIME after the last key was derived, or when retries give up
 *   persistentKeepalive  every `interval` s after any authenticated packet in either direction
 */
import { KEEPALIVE_TIMEOUT_MS, REKEY_TIMEOUT_MS, ZERO_KEY_MATERIAL_AFTER_MS } from './constants.js';

export const NEVER = Infinity;

/**
 * Where a peer's timers get their REKEY_TIMEOUT jitter: its device. An object with a method rather than a closure
 * per peer, so the call in dataSent and handshakeInitiated has one target in every tunnel: with a closure per peer
 * each new tunnel or peer was a new target, and the send path's optimised code deoptimised ("wrong call target").
 */
export interface JitterSource {
  jitter(): number;
}

export class PeerTimers {
  retransmitHandshake = NEVER;
  sendKeepalive = NEVER;
  newHandshake = NEVER;
  zeroKeyMaterial = NEVER;
  persistentKeepalive = NEVER;

  handshakeAttempts = 0;
  needAnotherKeepalive = false;
  sentLastMinuteHandshake = false;
  /** Persistent keepalive interval in ms, 0 for off. */
  persistentKeepaliveMs = 0;

  /** When timers are off (device stopped), events change nothing. */
  enabled = false;

  private readonly jitterSource: JitterSource;

  constructor(jitterSource: JitterSource) {
    this.jitterSource = jitterSource;
  }

  /** The earliest armed deadline. */
  next(): number {
    return Math.min(
      this.retransmitHandshake,
      this.sendKeepalive,
      this.newHandshake,
      this.zeroKeyMaterial,
      this.persistentKeepalive,
    );
  }

  stop(): void {
    this.retransmitHandshake =
      this.sendKeepalive =
      this.newHandshake =
      this.zeroKeyMaterial =
      this.persistentKeepalive =
        NEVER;
    this.handshakeAttempts = 0;
    this.needAnotherKeepalive = false;
    this.sentLastMinuteHandshake = false;
  }

  /** We sent a transport packet carrying data: expect an answer, else re-handshake. */
  dataSent(now: number): void {
    if (this.enabled && this.newHandshake === NEVER)
      this.newHandshake = now + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + this.jitterSource.jitter();
  }

  /** A transport packet carrying data arrived: make sure the peer hears something back. */
  dataReceived(now: number): void {
    if (!this.enabled) return;
    if (this.sendKeepalive === NEVER) this.sendKeepalive = now + KEEPALIVE_TIMEOUT_MS;
    else this.needAnotherKeepalive = true;
  }

  /** Any authenticated packet left (data, keepalive, handshake): it serves as the keepalive. */
  anyAuthenticatedPacketSent(): void {
    this.sendKeepalive = NEVER;
  }

  /** Any authenticated packet arrived: the session is alive, no need for a new handshake. */
  anyAuthenticatedPacketReceived(): void {
    this.newHandshake = NEVER;
  }

  /** Any authenticated packet either way restarts the persistent keepalive interval. */
  anyAuthenticatedPacketTraversal(now: number): void {
    if (this.enabled && this.persistentKeepaliveMs > 0) this.persistentKeepalive = now + this.persistentKeepaliveMs;
  }

  handshakeInitiated(now: number): void {
    if (this.enabled) this.retransmitHandshake = now + REKEY_TIMEOUT_MS + this.jitterSource.jitter();
  }

  handshakeComplete(): void {
    this.retransmitHandshake = NEVER;
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
  }

  sessionDerived(now: number): void {
    if (this.enabled) this.zeroKeyMaterial = now + ZERO_KEY_MATERIAL_AFTER_MS;
  }
}
