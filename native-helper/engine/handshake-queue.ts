/*
 * Handshake messages wait here between receive() and flush(), as in wireguard-go's handshake queue: bounded
 * (QUEUE_HANDSHAKE_SIZE, preallocated slots, a full queue drops), and its length is what tells the device it
 * is under load (at least an eighth full), which switches on cookies and per-source rate limiting.
 */
import { MESSAGE_INITIATION_SIZE, QUEUE_HANDSHAKE_SIZE } from './constants.js';
import { ENDPOINT_SIZE } from './endpoint.js';

export class HandshakeQueue {
  private readonly messages = new Uint8Array(QUEUE_HANDSHAKE_SIZE * MESSAGE_INITIATION_SIZE);
  private readonly sources = new Uint8Array(QUEUE_HANDSHAKE_SIZE * ENDPOINT_SIZE);
  private readonly lengths = new Uint16Array(QUEUE_HANDSHAKE_SIZE);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Copies a handshake message (at most 148 bytes) and its source in; false when the queue is full. */
  push(buf: Uint8Array, off: number, len: number, source: Uint8Array, sourceOff: number): boolean {
    if (!(len >= 0 && len <= MESSAGE_INITIATION_SIZE)) throw new RangeError(`handshake message of ${len} bytes`);
    if (this.count === QUEUE_HANDSHAKE_SIZE) return false;
    const slot = (this.head + this.count) % QUEUE_HANDSHAKE_SIZE;
    // Byte loops rather than set(subarray(...)): no view per message, and these are at most 148 bytes.
    const messages = this.messages;
    const at = slot * MESSAGE_INITIATION_SIZE;
    // buf[off, off + len) is the caller's received datagram and source[sourceOff] an endpoint record.
    for (let i = 0; i < len; i++) messages[at + i] = buf[off + i]!;
    const sources = this.sources;
    const sourceAt = slot * ENDPOINT_SIZE;
    for (let i = 0; i < ENDPOINT_SIZE; i++) sources[sourceAt + i] = source[sourceOff + i]!;
    this.lengths[slot] = len;
    this.count++;
    return true;
  }

  /**
   * Removes the oldest message and returns a view of it (valid until the next push), with its source record
   * at `sourceOffset()` of `sourceBuffer`; null when empty.
   */
  shift(): Uint8Array | null {
    if (this.count === 0) return null;
    const slot = this.head;
    this.head = (this.head + 1) % QUEUE_HANDSHAKE_SIZE;
    this.count--;
    this.lastSlot = slot;
    const start = slot * MESSAGE_INITIATION_SIZE;
    return this.messages.subarray(start, start + this.lengths[slot]!);
  }

  private lastSlot = 0;

  get sourceBuffer(): Uint8Array {
    return this.sources;
  }

  /** Where the source endpoint of the message last returned by shift() lies in sourceBuffer. */
  sourceOffset(): number {
    return this.lastSlot * ENDPOINT_SIZE;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.messages.fill(0);
  }
}
