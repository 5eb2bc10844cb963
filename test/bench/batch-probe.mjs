// Preloaded into a Warren helper by profile.ts (`node --import ./test/bench/batch-probe.mjs bin/warren.js daemon`):
// counts the batches the data path sees, per batch only (no per-packet wrapper), and writes them at exit to the
// file named by WARREN_BENCH_PROBE. The daemon imports the same build/ module (same URL), so the patched class
// is the one it runs. Bench tooling only; nothing in the product loads it.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = process.env.WARREN_BENCH_PROBE;
// The build beside the entry point being run (bin/warren.js -> build/), which may be the bench's private copy.
const dataPath = join(dirname(process.argv[1]), '../build/native-helper/io/data-path.js');
const { DataPath } = await import(pathToFileURL(dataPath).href);

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

function wrap(name, before) {
  const original = DataPath.prototype[name];
  if (typeof original !== 'function') throw new Error(`batch-probe: DataPath.prototype.${name} is gone`);
  DataPath.prototype[name] = function (...args) {
    before.call(this, ...args);
    return original.apply(this, args);
  };
}

wrap('fromTun', (batch) => record(probe.fromTun, batch.count, batch.lengths));
wrap('fromNetwork', (batch) => record(probe.fromNetwork, batch.count, batch.lengths));
wrap('flushTun', function () {
  if (this.outTun.count > 0) record(probe.tunWrite, this.outTun.count, this.outTun.lengths);
});
wrap('flushNet', function () {
  if (this.outNet.count > 0) record(probe.netSend, this.outNet.count, this.outNet.lengths);
});

if (out) process.on('exit', () => writeFileSync(out, JSON.stringify(probe)));
