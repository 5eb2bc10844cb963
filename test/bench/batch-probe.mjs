// Preloaded into a Warren helper by profile.ts (`node --import ./test/bench/batch-probe.mjs bin/warren.js daemon`):
// counts the batches the data path sees, per batch only (no per-packet wrapper), and writes them at exit to the
// file named by WARREN_BENCH_PROBE. The daemon imports the same build/ module (same URL), so the patched class
// is the one it runs. Bench tooling only; nothing in the product loads it.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = process.env.WARREN_BENCH_PROBE;
// The build beside the entry point being run (bin/warren.js -> build/), which may be the bench's private copy.
const io = join(dirname(process.argv[1]), '../build/native-helper/io');
const { DataPath } = await import(pathToFileURL(join(io, 'data-path.js')).href);
const { Outbox } = await import(pathToFileURL(join(io, 'outbox.js')).href);

/** count -> batches; bytes, packets and the largest packet. */
function histogram() {
  return { batches: 0, packets: 0, bytes: 0, maxPacket: 0, counts: {} };
}
const probe = { fromTun: histogram(), fromNetwork: histogram(), tunWrite: histogram(), netSend: histogram() };

function record(h, count, lengths) {
  h.batches++;
  h.packets += count;
  h.counts[count] = (h.counts[count] ?? 0) + 1;
  if (lengths) {
    for (let i = 0; i < count; i++) {
      h.bytes += lengths[i];
      if (lengths[i] > h.maxPacket) h.maxPacket = lengths[i];
    }
  }
}

function wrap(cls, name, before) {
  const original = cls.prototype[name];
  if (typeof original !== 'function') throw new Error(`batch-probe: ${cls.name}.prototype.${name} is gone`);
  cls.prototype[name] = function (...args) {
    before.call(this, ...args);
    return original.apply(this, args);
  };
}

/** Which histogram each DataPath's two outboxes (its fields toNet and toTun) feed. */
const outboxes = new WeakMap();
wrap(DataPath, 'start', function () {
  if (!this.toNet || !this.toTun) throw new Error('batch-probe: DataPath has no toNet and toTun outboxes');
  outboxes.set(this.toNet, probe.netSend);
  outboxes.set(this.toTun, probe.tunWrite);
});
wrap(DataPath, 'fromTun', (batch) => record(probe.fromTun, batch.count, batch.lengths));
wrap(DataPath, 'fromNetwork', (batch) => record(probe.fromNetwork, batch.count, batch.lengths));
// An outbox holds either datagrams in place (inPlace) or copies (copies), never both; flush sends the one.
wrap(Outbox, 'flush', function () {
  const histogram = outboxes.get(this);
  const batch = this.inPlace.count > 0 ? this.inPlace : this.copies;
  if (histogram && batch.count > 0) record(histogram, batch.count, batch.lengths);
});

if (out) process.on('exit', () => writeFileSync(out, JSON.stringify(probe)));
