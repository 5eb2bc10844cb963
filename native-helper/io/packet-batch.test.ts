// Every batch has one map, whichever outbox or tunnel made it (packet-batch.ts says why it is spelled out): the
// data path's property accesses then stay monomorphic, and a tunnel that comes up reuses the optimised code of
// the ones before it. Checked with %HaveSameMap under the helper's runtime flags; the control is the object
// spread the batches were once made with, which under those flags gives each object a map of its own.
import { describe, expect, it } from 'vitest';
import { fileUrl as url, runWithNatives } from '../engine/testing/v8-natives.js';

const SCRIPT = `
import { createDatagramBatch, createPacketBatch } from '${url('native-helper/io/packet-batch.ts')}';
import { Outbox } from '${url('native-helper/io/outbox.ts')}';

const spread = () => ({ ...createPacketBatch(4, 64), endpoints: new Uint8Array(4) });
const outbox = () => new Outbox(() => {}, () => {}, 4, 64);
const first = outbox();
const second = outbox();
// In use: a lent buffer, one datagram in place, one copied.
const lent = new Uint8Array(64);
second.lend(lent);
second.add(lent, 0, 8, new Uint8Array(40));
second.end();
second.add(new Uint8Array(8), 0, 8, new Uint8Array(40));
second.flush();

console.log(JSON.stringify({
  control: %HaveSameMap(spread(), spread()),
  batches: %HaveSameMap(createDatagramBatch(4, 64), createDatagramBatch(8, 128)),
  inPlace: %HaveSameMap(first.inPlace, second.inPlace),
  copies: %HaveSameMap(first.copies, second.copies),
  kinds: %HaveSameMap(first.inPlace, first.copies),
}));
`;

describe('packet batches', () => {
  it('share one map across outboxes and tunnels', async () => {
    expect(await runWithNatives(SCRIPT)).toEqual({
      control: false,
      batches: true,
      inPlace: true,
      copies: true,
      kinds: true,
    });
  }, 40_000);
});
