/*
 * A device's working memory, which send.ts and receive.ts share with device.ts and nobody else needs: the
 * scratch where handshake messages, keepalives, cookie replies and ICMP errors are built (one of each in flight
 * at a time), the queue of handshake messages waiting for flush(), and the load it implies.
 *
 * Why a symbol: TypeScript has no package-private, and these are not a surface to program against (a caller that
 * wrote into the scratch or the queue would corrupt a message in flight). Device keeps them under WORK, which
 * only files of engine/ import (tests beside them included); everything outside asks Device. The fields stay
 * plain and preallocated, so the packet path allocates nothing to reach them.
 */
import { MIN_CACHED_BUFFER } from '../crypto/region-views.js';
import { DEFAULT_MTU } from './constants.js';
import { SEND_HEADROOM, SEND_TAILROOM } from './device-types.js';
import { ENDPOINT_SIZE } from './endpoint.js';
import { HandshakeQueue } from './handshake-queue.js';
import { COOKIE_REPLY, INITIATION, RESPONSE, TIMESTAMP_SIZE } from './messages.js';

/** The key of Device's working memory; engine/ only. */
export const WORK: unique symbol = Symbol('device work');

export class DeviceWork {
  /**
   * Scratch for handshake messages, keepalives and ICMP errors: one of each in flight at a time. At least
   * MIN_CACHED_BUFFER long, so the AEAD's views of it are cached like those of batch buffers: a keepalive sealed
   * here then allocates nothing (below that size it took three fresh views each).
   */
  readonly scratch = new Uint8Array(Math.max(MIN_CACHED_BUFFER, SEND_HEADROOM + DEFAULT_MTU + SEND_TAILROOM + 1500));
  /** Views of the scratch for the fixed-size messages, made once (send.ts and receive.ts build them there). */
  readonly initiation = this.scratch.subarray(0, INITIATION.size);
  readonly timestamp = this.scratch.subarray(INITIATION.size, INITIATION.size + TIMESTAMP_SIZE);
  readonly response = this.scratch.subarray(0, RESPONSE.size);
  readonly cookieReply = this.scratch.subarray(0, COOKIE_REPLY.size);
  /** The endpoint a cookie reply goes to (the sink takes endpoint records at offset 0). */
  readonly endpoint = new Uint8Array(ENDPOINT_SIZE);
  /** Where receive.ts builds the address-and-port a cookie is bound to, for IPv4 and IPv6 sources. */
  readonly cookieSource4 = new Uint8Array(4 + 2);
  readonly cookieSource6 = new Uint8Array(16 + 2);

  /** Handshake messages between receive() and flush(). */
  readonly handshakes = new HandshakeQueue();
  /** Monotonic ms at which the oldest queued handshake message arrived (meaningless while none is queued). */
  handshakesWaitingSince = Infinity;
  /** Monotonic ms until which the device counts as under load (sticky, as wireguard-go). */
  underLoadUntil = -Infinity;

  /** Queues a handshake message; false when the queue is full. */
  queueHandshake(
    buf: Uint8Array,
    off: number,
    len: number,
    source: Uint8Array,
    sourceOff: number,
    now: number,
  ): boolean {
    if (this.handshakes.size === 0) this.handshakesWaitingSince = now;
    return this.handshakes.push(buf, off, len, source, sourceOff);
  }
}
