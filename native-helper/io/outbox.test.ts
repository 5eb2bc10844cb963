// Outbox: regions of the lent buffer go out in place, the rest is copied, and either way they go out whole, in
// the order they were added, with their endpoints.
import { describe, expect, it } from 'vitest';
import { ENDPOINT_SIZE } from '../engine/endpoint.js';
import { Outbox } from './outbox.js';
import type { DatagramBatch } from './packet-batch.js';

interface Delivered {
  /** Whether the batch pointed into the lent buffer rather than holding copies. */
  inPlace: boolean;
  items: { bytes: number[]; endpoint: number }[];
}

/** An outbox whose deliveries are recorded (the bytes as they were when delivered, endpoint by its first byte). */
function recording(capacity = 4, bytes = 64, lent?: Uint8Array) {
  const delivered: Delivered[] = [];
  const errors: Error[] = [];
  let fail = false;
  const outbox = new Outbox(
    (batch: DatagramBatch) => {
      if (fail) throw new Error('ENETUNREACH');
      delivered.push({
        inPlace: lent !== undefined && batch.buffer === lent,
        items: Array.from({ length: batch.count }, (_, i) => ({
          bytes: [...batch.buffer.subarray(batch.offsets[i]!, batch.offsets[i]! + batch.lengths[i]!)],
          endpoint: batch.endpoints[i * ENDPOINT_SIZE]!,
        })),
      });
    },
    (error) => errors.push(error),
    capacity,
    bytes,
  );
  return { outbox, delivered, errors, failNext: (on: boolean) => (fail = on) };
}

const endpoint = (tag: number) => new Uint8Array(ENDPOINT_SIZE).fill(tag);

describe('Outbox', () => {
  it('sends regions of the lent buffer in place and copies everything else', () => {
    const lent = Uint8Array.from({ length: 32 }, (_, i) => i);
    const own = Uint8Array.of(200, 201, 202);
    const { outbox, delivered } = recording(8, 64, lent);
    outbox.lend(lent);
    outbox.add(lent, 4, 3, endpoint(1));
    outbox.add(lent, 10, 2, endpoint(2));
    outbox.end();
    outbox.add(own, 1, 2, endpoint(3));
    own.fill(0); // a copy was taken: the caller may reuse its buffer at once
    outbox.flush();
    expect(delivered).toEqual([
      {
        inPlace: true,
        items: [
          { bytes: [4, 5, 6], endpoint: 1 },
          { bytes: [10, 11], endpoint: 2 },
        ],
      },
      { inPlace: false, items: [{ bytes: [201, 202], endpoint: 3 }] },
    ]);
  });

  it('keeps the order of the two kinds when they interleave', () => {
    const lent = Uint8Array.from({ length: 32 }, (_, i) => i);
    const scratch = Uint8Array.of(100, 101);
    const { outbox, delivered } = recording(8, 64, lent);
    outbox.lend(lent);
    outbox.add(lent, 0, 1, endpoint(1));
    outbox.add(scratch, 0, 1, endpoint(2)); // a handshake between data, say
    outbox.add(lent, 1, 1, endpoint(3));
    outbox.add(lent, 2, 1, endpoint(4));
    outbox.end();
    expect(delivered.flatMap((d) => d.items.map((item) => [d.inPlace, item.bytes[0], item.endpoint]))).toEqual([
      [true, 0, 1],
      [false, 100, 2],
      [true, 1, 3],
      [true, 2, 4],
    ]);
  });

  it('flushes early when the entries or the copy buffer are full', () => {
    const lent = new Uint8Array(64).fill(7);
    const { outbox, delivered } = recording(2, 8, lent);
    outbox.lend(lent);
    for (let i = 0; i < 5; i++) outbox.add(lent, i, 1, endpoint(i));
    outbox.end();
    expect(delivered.map((d) => d.items.length)).toEqual([2, 2, 1]);
    const big = new Uint8Array(5).fill(9);
    outbox.add(big, 0, 5, endpoint(1));
    outbox.add(big, 0, 5, endpoint(2)); // 10 bytes do not fit in 8
    outbox.flush();
    expect(delivered.slice(3).map((d) => d.items.map((item) => item.bytes.length))).toEqual([[5], [5]]);
  });

  it('points nowhere into a buffer once its loan has ended', () => {
    const lent = Uint8Array.of(1, 2, 3, 4);
    const { outbox, delivered } = recording(4, 16, lent);
    outbox.lend(lent);
    outbox.end();
    outbox.add(lent, 0, 2, endpoint(1));
    lent.fill(0); // the reader reuses its buffer after the callback
    outbox.flush();
    expect(delivered).toEqual([{ inPlace: false, items: [{ bytes: [1, 2], endpoint: 1 }] }]);
  });

  it('reports a batch the system refuses and starts the next one empty', () => {
    const own = Uint8Array.of(5, 6);
    const { outbox, delivered, errors, failNext } = recording();
    failNext(true);
    outbox.add(own, 0, 2, endpoint(1));
    outbox.flush();
    failNext(false);
    outbox.add(own, 1, 1, endpoint(2));
    outbox.flush();
    expect(errors.map((e) => e.message)).toEqual(['ENETUNREACH']);
    expect(delivered).toEqual([{ inPlace: false, items: [{ bytes: [6], endpoint: 2 }] }]);
  });

  it('writes to the TUN (no endpoint) from either kind', () => {
    const lent = Uint8Array.of(9, 8, 7);
    const { outbox, delivered } = recording(4, 16, lent);
    outbox.lend(lent);
    outbox.add(lent, 1, 2, null);
    outbox.end();
    expect(delivered).toEqual([{ inPlace: true, items: [{ bytes: [8, 7], endpoint: 0 }] }]);
  });
});
