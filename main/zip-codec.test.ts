import { zipSync } from 'fflate';
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from '../shared/config/parse.js';
import type { UnzipBudget, UnzipLimits } from './import-export.js';
import { fflateZip } from './zip-codec.js';

const text = (s: string) => new TextEncoder().encode(s);

/** A budget that takes anything, recording what was taken. */
function recordingBudget(refusal: string | null = null): UnzipBudget & { taken: [number, number][] } {
  const taken: [number, number][] = [];
  return {
    taken,
    take(count, bytes) {
      if (refusal === null) taken.push([count, bytes]);
      return refusal;
    },
  };
}

function limits(overrides: Partial<UnzipLimits> = {}): UnzipLimits {
  return {
    wanted: (name) => name.endsWith('.conf'),
    maxEntryBytes: MAX_CONFIG_BYTES,
    budget: recordingBudget(),
    ...overrides,
  };
}

interface RawEntry {
  name: string;
  method: number;
  data: Uint8Array;
  /** The uncompressed size the archive declares (anything, for a lying one). */
  size: number;
  flags?: number;
  /** Declare the size in a zip64 extra field. */
  zip64?: boolean;
}

/** An archive exactly as described, lies included (fflate writes only honest ones). CRCs are left 0. */
function rawZip(entries: RawEntry[]): Uint8Array {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.flags ?? 0, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.zip64 ? 0xffffffff : entry.size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const extra = Buffer.alloc(entry.zip64 ? 12 : 0);
    if (entry.zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(entry.size), 4);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.flags ?? 0, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.zip64 ? 0xffffffff : entry.size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(offset, 42);
    directory.push(central, name, extra);
    parts.push(local, name, Buffer.from(entry.data));
    offset += local.length + name.length + entry.data.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, directoryBytes, end]));
}

/** A raw deflate stream of `gib` GiB of zeros, built in a few ms: one 8 MiB run, sync-flushed, repeated. */
function deflatedZeros(gib: number): Uint8Array {
  const piece = deflateRawSync(Buffer.alloc(8 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  return new Uint8Array(Buffer.concat([...Array<Buffer>(gib * 128).fill(piece), Buffer.from([0x03, 0x00])]));
}

describe('fflate zip codec', () => {
  it('round-trips entries', () => {
    const entries = [
      { name: 'wg0.conf', data: text('[Interface]\n') },
      { name: 'dir/wg1.conf', data: text('[Peer]\n') },
    ];
    const back = fflateZip.unzip(fflateZip.zip(entries), limits());
    expect(back.map((e) => [e.name, new TextDecoder().decode(e.data!)])).toEqual([
      ['wg0.conf', '[Interface]\n'],
      ['dir/wg1.conf', '[Peer]\n'],
    ]);
  });

  it('inflates only wanted entries; one declaring more than a config comes back without data (a zip bomb inflates nothing)', () => {
    const bomb = new Uint8Array(MAX_CONFIG_BYTES * 40); // compresses to almost nothing
    const archive = zipSync({ 'huge.conf': bomb, 'notes.txt': text('hi'), 'ok.conf': text('[Interface]\n') });
    expect(archive.length).toBeLessThan(100_000);
    const budget = recordingBudget();
    const entries = fflateZip.unzip(archive, limits({ budget }));
    expect(entries.map((e) => [e.name, e.data?.length ?? null])).toEqual([
      ['huge.conf', null],
      ['ok.conf', 12],
    ]);
    expect(budget.taken).toEqual([[1, 12]]);
  });

  it('takes all wanted entries from the budget at once, by their declared sizes, before inflating any', () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 300; i++) files[`t${i}.conf`] = text('[Interface]\n');
    const budget = recordingBudget();
    expect(fflateZip.unzip(zipSync(files), limits({ budget }))).toHaveLength(300);
    expect(budget.taken).toEqual([[300, 300 * 12]]);
  });

  it("refuses the archive with the budget's words when it does not fit, before inflating anything", () => {
    // Entries that would fail to inflate: the budget's refusal comes first, so nothing was inflated.
    const garbage = new Uint8Array(64).fill(0xff);
    const archive = rawZip([
      { name: 'a.conf', method: 8, data: garbage, size: 1000 },
      { name: 'b.conf', method: 8, data: garbage, size: 1000 },
    ]);
    expect(() => fflateZip.unzip(archive, limits())).toThrow(/a\.conf cannot be inflated/);
    expect(() => fflateZip.unzip(archive, limits({ budget: recordingBudget('too much for this import') }))).toThrow(
      'too much for this import',
    );
  });

  it('stops an entry that inflates past its declared size at once, and refuses the archive', () => {
    // 4 GiB of zeros under a header that says 100 bytes: decoding it all would take seconds; it stops in the first piece.
    const archive = rawZip([{ name: 'liar.conf', method: 8, data: deflatedZeros(4), size: 100 }]);
    const started = performance.now();
    expect(() => fflateZip.unzip(archive, limits())).toThrow(
      'liar.conf inflates to more than the 100 bytes it declares',
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses an entry that inflates to less than it declares, a stored one whose sizes differ, encryption and unknown methods', () => {
    const short = rawZip([
      { name: 'short.conf', method: 8, data: deflateRawSync(Buffer.from('[Interface]\n')), size: 1000 },
    ]);
    expect(() => fflateZip.unzip(short, limits())).toThrow('short.conf inflates to 12 bytes, not the 1000 it declares');
    const stored = rawZip([{ name: 's.conf', method: 0, data: text('[Interface]\n'), size: 5 }]);
    expect(() => fflateZip.unzip(stored, limits())).toThrow(/s\.conf: a stored entry whose two sizes differ/);
    const encrypted = rawZip([{ name: 'e.conf', method: 8, data: text('xx'), size: 2, flags: 1 }]);
    expect(() => fflateZip.unzip(encrypted, limits())).toThrow('e.conf is encrypted');
    const bzip2 = rawZip([{ name: 'b.conf', method: 12, data: text('xx'), size: 2 }]);
    expect(() => fflateZip.unzip(bzip2, limits())).toThrow('b.conf is compressed with method 12');
    // Not wanted: neither is looked at.
    expect(
      fflateZip.unzip(rawZip([{ name: 'e.txt', method: 12, data: text('xx'), size: 2, flags: 1 }]), limits()),
    ).toEqual([]);
  });

  it('reads stored entries and zip64 sizes (a 1 TiB claim is answered without data)', () => {
    const archive = rawZip([
      { name: 'plain.conf', method: 0, data: text('[Peer]\n'), size: 7 },
      { name: 'big.conf', method: 0, data: text('x'), size: 2 ** 40, zip64: true },
    ]);
    const budget = recordingBudget();
    expect(
      fflateZip.unzip(archive, limits({ budget })).map((e) => [e.name, e.data && new TextDecoder().decode(e.data)]),
    ).toEqual([
      ['plain.conf', '[Peer]\n'],
      ['big.conf', null],
    ]);
    expect(budget.taken).toEqual([[1, 7]]);
  });

  it('throws on bytes that are not a zip, and on a truncated one', () => {
    expect(() => fflateZip.unzip(text('not a zip at all'), limits())).toThrow(/not a zip archive/);
    const archive = fflateZip.zip([{ name: 'a.conf', data: text('[Interface]\n') }]);
    const cut = new Uint8Array([...archive.subarray(0, 20), ...archive.subarray(archive.length - 22)]);
    expect(() => fflateZip.unzip(cut, limits())).toThrow(/truncated or damaged/);
  });
});
