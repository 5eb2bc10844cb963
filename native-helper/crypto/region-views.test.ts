import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from './noble.js';
import { MIN_CACHED_BUFFER, regionView } from './region-views.js';
import { createSodiumCrypto } from './sodium.js';

describe('regionView', () => {
  it('views exactly the region, the same view each time for a big buffer', () => {
    const buf = new Uint8Array(MIN_CACHED_BUFFER * 4);
    const view = regionView(buf, 100, 1440);
    expect(view.buffer).toBe(buf.buffer);
    expect([view.byteOffset, view.length]).toEqual([100, 1440]);
    expect(regionView(buf, 100, 1440)).toBe(view);
    expect(regionView(buf, 100, 1424)).not.toBe(view);
    expect(regionView(buf, 100, 1424).length).toBe(1424);
    expect(regionView(buf, 0, 0).length).toBe(0);
  });

  it('hands back the buffer itself for all of it, and fresh views of small buffers', () => {
    const small = new Uint8Array(148);
    expect(regionView(small, 0, 148)).toBe(small);
    const a = regionView(small, 40, 48);
    expect([a.byteOffset, a.length]).toEqual([40, 48]);
    expect(regionView(small, 40, 48)).not.toBe(a);
  });

  it('stays right through collisions and when a table fills and starts over', () => {
    const buf = new Uint8Array(1 << 16);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 60_000 }), fc.nat({ max: 1500 })), { maxLength: 1500 }),
        (regions) => {
          for (const [offset, length] of regions) {
            const view = regionView(buf, offset, length);
            expect([view.byteOffset - buf.byteOffset, view.length]).toEqual([offset, length]);
            expect(view.buffer).toBe(buf.buffer);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('views of a buffer that is itself a view of a larger one', () => {
    const backing = new Uint8Array(3 * MIN_CACHED_BUFFER);
    const buf = backing.subarray(7, 7 + 2 * MIN_CACHED_BUFFER);
    const view = regionView(buf, 10, 20);
    expect([view.byteOffset, view.length]).toEqual([17, 20]);
  });
});

describe('sodium sealing in place inside a batch buffer (cached views) agrees with noble', () => {
  const noble = createNobleCrypto();
  const sodium = createSodiumCrypto();

  it('over repeated batches of mixed sizes, including more regions than a table holds', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
    const batch = new Uint8Array(1 << 16);
    const reference = new Uint8Array(1 << 16);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1420 }), { minLength: 1, maxLength: 40 }),
        fc.nat({ max: 600 }),
        (sizes, rounds) => {
          for (let round = 0; round <= rounds % 3; round++) {
            let off = 16 + ((round * 7) % 64);
            for (let i = 0; i < sizes.length && off + sizes[i]! + 32 < batch.length; i++) {
              const len = sizes[i]!;
              for (let j = 0; j < len; j++) batch[off + j] = reference[off + j] = (i * 31 + j + round) & 0xff;
              const counter = round * 1000 + i;
              expect(sodium.seal(batch, off, key, counter, batch, off, len)).toBe(len + 16);
              noble.seal(reference, off, key, counter, reference, off, len);
              expect(batch.subarray(off, off + len + 16)).toEqual(reference.subarray(off, off + len + 16));
              expect(sodium.open(batch, off, key, counter, batch, off, len + 16)).toBe(len);
              expect(noble.open(reference, off, key, counter, reference, off, len + 16)).toBe(len);
              expect(batch.subarray(off, off + len)).toEqual(reference.subarray(off, off + len));
              off += len + 48;
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
