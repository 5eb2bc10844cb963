/*
 * Why packets were dropped. Every rejection on the receive and send paths is counted here under one reason
 * (never thrown), per device and, where the packet could be attributed, per peer, so `warren show` and the
 * diagnosis can tell "no answer" from "answers rejected".
 */

export const DROP_REASONS = [
  /** Datagram too short, too long, of an unknown type, or of the wrong size for its type. */
  'malformed',
  /** Transport or handshake message naming a receiver index we do not have. */
  'unknown-index',
  /** Transport message for a keypair past REJECT_AFTER_TIME or REJECT_AFTER_MESSAGES. */
  'expired-key',
  /** Transport message that failed authentication. */
  'decrypt-failed',
  /** Transport counter seen before or behind the replay window. */
  'replay',
  /** Decrypted content that is not a plausible IPv4/IPv6 packet. */
  'bad-inner-packet',
  /** Decrypted packet whose source address the peer is not allowed to use. */
  'disallowed-source',
  /** Handshake message with a wrong MAC1. */
  'bad-mac',
  /** Handshake message answered with a cookie reply (under load, no valid MAC2). */
  'cookie-sent',
  /** Handshake message refused by the per-source rate limiter under load. */
  'ratelimited',
  /** Handshake queue full. */
  'handshake-queue-full',
  /** Handshake that did not check out (unknown peer, replayed timestamp, flood, bad state, decryption). */
  'handshake-failed',
  /** Cookie reply that did not open or answered nothing we sent. */
  'cookie-invalid',
  /** Outgoing packet whose destination no peer owns (ICMP unreachable returned). */
  'no-peer',
  /** Outgoing packet for a peer without an endpoint (ICMP unreachable returned). */
  'no-endpoint',
  /** Outgoing packet that is not a valid IP packet, or larger than the MTU allows. */
  'bad-outgoing-packet',
  /** Oldest staged packet dropped because the queue was full while waiting for a handshake. */
  'staged-overflow',
  /** Packet while the device is down. */
  'device-down',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounters = Record<DropReason, number>;

export function newDropCounters(): DropCounters {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounters;
}
