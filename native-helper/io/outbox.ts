/*
 * One direction's outgoing batch: what the device sends to the network, or writes to the TUN, gathered until the
 * data path flushes it.
 *
 * Most of it lies where it came in: a packet read from the TUN is sealed in place in the reader's batch and goes
 * out to the network from there, and a datagram is opened in place and written to the TUN from there. While the
 * data path handles such a batch it lends the outbox that buffer, and a region inside it is sent in place (the
 * outgoing batch points at it) rather than copied; the rest (handshake messages, keepalives, staged packets,
 * ICMP errors, all made in buffers of their own) is copied into the outbox's own buffer. The reader reuses its
 * buffer once the callback returns, so the loan ends with a flush inside the callback.
 *
 * The two kinds go out in the order they were made: adding one kind while the other holds any flushes the other
 * first. Nothing is allocated per packet.
 */
import { ENDPOINT_SIZE, copyEndpoint } from '../engine/endpoint.js';
import { regionView } from '../crypto/region-views.js';
import { type DatagramBatch, createDatagramBatch } from './packet-batch.js';

/** A DatagramBatch whose buffer is whichever one is lent. */
interface LentBatch extends DatagramBatch {
  buffer: Uint8Array;
}

const NOTHING_LENT = new Uint8Array(0);

export class Outbox {
  private readonly deliver: (batch: DatagramBatch) => void;
  private readonly onError: (error: Error) => void;
  private readonly capacity: number;
  private readonly copies: DatagramBatch;
  private copiedBytes = 0;
  /** Its buffer is the lent one, or NOTHING_LENT, which no caller holds. */
  private readonly inPlace: LentBatch;

  /**
   * `deliver` sends or writes a batch and must not keep it; what it throws goes to `onError` and the batch is
   * done with all the same (a refused datagram, say no route to a peer, is the network's loss, as with UDP).
   * `capacity` entries of either kind, `bytes` of copies.
   */
  constructor(
    deliver: (batch: DatagramBatch) => void,
    onError: (error: Error) => void,
    capacity: number,
    bytes: number,
  ) {
    this.deliver = deliver;
    this.onError = onError;
    this.capacity = capacity;
    this.copies = createDatagramBatch(capacity, bytes);
    // Made as every other batch and then pointed at nothing (not a spread: see createDatagramBatch).
    this.inPlace = createDatagramBatch(capacity, 0);
    this.inPlace.buffer = NOTHING_LENT;
  }

  /** From now until end(), regions of `buffer` go out in place. */
  lend(buffer: Uint8Array): void {
    this.inPlace.buffer = buffer;
  }

  /** Flushes, and forgets the lent buffer: nothing may point into it afterwards. */
  end(): void {
    this.flush();
    this.inPlace.buffer = NOTHING_LENT;
  }

  /** Adds buf[off, off + len), to go to `endpoint` (a datagram) or to the TUN (null). */
  add(buf: Uint8Array, off: number, len: number, endpoint: Uint8Array | null): void {
    let batch: DatagramBatch;
    if (buf === this.inPlace.buffer) {
      batch = this.inPlace;
      if (this.copies.count > 0 || batch.count === this.capacity) this.flush();
      batch.offsets[batch.count] = off;
    } else {
      batch = this.copies;
      if (this.inPlace.count > 0 || batch.count === this.capacity || this.copiedBytes + len > batch.buffer.length)
        this.flush();
      batch.buffer.set(regionView(buf, off, len), this.copiedBytes);
      batch.offsets[batch.count] = this.copiedBytes;
      this.copiedBytes += len;
    }
    const i = batch.count++;
    batch.lengths[i] = len;
    if (endpoint !== null) copyEndpoint(batch.endpoints, i * ENDPOINT_SIZE, endpoint, 0);
  }

  /** Delivers what is gathered (at most one of the two kinds holds any). */
  flush(): void {
    const batch = this.inPlace.count > 0 ? this.inPlace : this.copies;
    if (batch.count === 0) return;
    try {
      this.deliver(batch);
    } catch (error) {
      this.onError(error as Error);
    } finally {
      batch.count = 0;
      this.copiedBytes = 0;
    }
  }
}
