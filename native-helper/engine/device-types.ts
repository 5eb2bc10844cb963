/*
 * What a device needs from its caller and gives back: the sink its outputs go to, the events it reports, and
 * the options (crypto, randomness, clocks, limits) injected so tests control every source of variation.
 */
import type { CryptoPrimitives } from '../crypto/primitives.js';
import type { Peer } from './peer.js';

/**
 * Where a device's outputs go. Regions are valid only during the call: a sink sends or copies before it
 * returns (the caller's own batch buffers, which the device writes ciphertext into in place, stay valid
 * until the caller reuses them, and a sink that knows it may keep references to those).
 */
export interface DeviceSink {
  /** A datagram to the peer's endpoint (an endpoint record, see endpoint.ts). */
  sendDatagram(endpoint: Uint8Array, buf: Uint8Array, off: number, len: number): void;
  /** An IP packet for the TUN side: decrypted traffic, or an ICMP error for a packet that could not be sent. */
  writeTun(buf: Uint8Array, off: number, len: number): void;
}

export type DeviceEvent =
  | { type: 'handshake-initiated'; peer: Peer; retry: boolean }
  | { type: 'handshake-complete'; peer: Peer }
  | { type: 'handshake-gave-up'; peer: Peer }
  | { type: 'keys-zeroed'; peer: Peer };

export interface DeviceLimits {
  /** Messages sent on one keypair before we re-handshake (paper: 2^60; scaled, see constants.ts). */
  rekeyAfterMessages: number;
  /** Messages after which a keypair is dead in either direction. */
  rejectAfterMessages: number;
}

export interface DeviceOptions {
  crypto: CryptoPrimitives;
  /** Randomness for ephemeral keys, indices, cookie secrets and jitter; defaults to crypto.randomFill. */
  randomFill?: (buf: Uint8Array) => void;
  /** Wall-clock Unix ms, for TAI64N timestamps and "latest handshake". Monotonic time is passed to each call. */
  wallClock: () => number;
  /** The tunnel interface's MTU, which clamps the padding (default DEFAULT_MTU); Device.setMtu when it changes. */
  mtu?: number;
  limits?: Partial<DeviceLimits>;
  onEvent?: (event: DeviceEvent) => void;
  /** Queued handshake messages that may reach the Noise step per flush() or tick() (default HANDSHAKES_PER_FLUSH). */
  handshakesPerFlush?: number;
  /** Peers the device holds at most (default MAX_PEERS); tests take fewer. */
  maxPeers?: number;
}

/**
 * Bytes a caller leaves before each outgoing packet, where the transport header is written in place. The one
 * home of this rule: Tuns leave this much by default, and DataPath refuses one that leaves less.
 */
export const SEND_HEADROOM = 16;
/** Bytes a caller leaves after each outgoing packet: padding up to 15 bytes and the 16-byte tag. */
export const SEND_TAILROOM = 32;
