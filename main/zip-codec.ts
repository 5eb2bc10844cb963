/*
 * Zip archives for import and export. Export writes with fflate's zipSync. Import reads the archive's central
 * directory here (a few fixed fields, zip64 included) and inflates with fflate's streaming Inflate, because every
 * bound must hold before and while anything is inflated, and fflate's unzipSync cannot give that: it inflates an
 * entry's whole stream whatever the entry declared (into a buffer of the declared size, so memory holds, but a
 * small entry hiding a bomb costs the main process about a second per 512 KiB of archive), and it tells no offsets
 * by which to inflate an entry any other way. The flow:
 *
 *   1. walk the central directory: each entry's name, method, flags, sizes and local header offset. Entries not
 *      wanted (`limits.wanted`) cost their name only; wanted ones declaring more than `limits.maxEntryBytes` are
 *      answered without data; an encrypted one, or one of a method other than stored or deflate, refuses the
 *      archive;
 *   2. take the other wanted entries from the import's budget all at once, by their declared sizes: when they do
 *      not fit, the archive is refused (with the budget's words) before a byte is inflated;
 *   3. inflate each into a buffer of its declared size, fed PIECE bytes at a time and counted: an entry that
 *      inflates past what it declared is stopped within one piece's output (about a MiB at deflate's ratio) and
 *      refuses the archive, as one that inflates to less does.
 */
import { Inflate, zipSync } from 'fflate';
import type { UnzipLimits, UnzippedEntry, ZipCodec } from './import-export.js';
import { strings } from './strings.js';

const t = strings.import.archive;

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** A 32-bit field with this value has its real value in the zip64 extra field. */
const IN_ZIP64 = 0xffffffff;
const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8_NAME = 0x800;
/** Names are UTF-8 when flagged so, else code page 437, of which Latin-1 gets the ASCII a `.conf` needs right. */
const UTF8 = new TextDecoder('utf-8');
const LATIN1 = new TextDecoder('latin1');
/** Compressed bytes given to the inflater at a time: deflate expands at most ~1032:1, so ~1 MiB out a step. */
const PIECE = 1024;

interface DirectoryEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The archive cannot be read as it claims to be; the message says why, for the user. */
class DamagedArchive extends Error {}

export const fflateZip: ZipCodec = {
  unzip(archive, limits) {
    const wanted = wantedEntries(archive, limits);
    const fits = (entry: DirectoryEntry) => entry.size <= limits.maxEntryBytes;
    const inflated = wanted.filter(fits);
    const refusal = limits.budget.take(
      inflated.length,
      inflated.reduce((sum, entry) => sum + entry.size, 0),
    );
    if (refusal !== null) throw new Error(refusal);
    return wanted.map((entry): UnzippedEntry => ({
      name: entry.name,
      data: fits(entry) ? entryData(archive, entry) : null,
    }));
  },
  zip(entries) {
    return zipSync(Object.fromEntries(entries.map((e) => [e.name, [e.data, { level: 6 }]])));
  },
};

/** The wanted entries of the central directory, in its order; throws for what the archive cannot be read as. */
function wantedEntries(archive: Uint8Array, limits: UnzipLimits): DirectoryEntry[] {
  const wanted: DirectoryEntry[] = [];
  const { count, offset } = directoryLocation(archive);
  // Each record is checked to lie inside the archive, so a lying count ends at the archive's end.
  for (let i = 0, at = offset; i < count; i++) {
    need(archive, at, 46);
    if (u32(archive, at) !== DIRECTORY_ENTRY) throw new DamagedArchive(t.directoryDamaged);
    const flags = u16(archive, at + 8);
    const nameLength = u16(archive, at + 28);
    const extraLength = u16(archive, at + 30);
    const recordLength = 46 + nameLength + extraLength + u16(archive, at + 32);
    need(archive, at, recordLength);
    const name = (flags & FLAG_UTF8_NAME ? UTF8 : LATIN1).decode(archive.subarray(at + 46, at + 46 + nameLength));
    const record = at;
    at += recordLength;
    if (!limits.wanted(name)) continue;
    const method = u16(archive, record + 10);
    if (flags & FLAG_ENCRYPTED) throw new DamagedArchive(t.encrypted(name));
    if (method !== STORED && method !== DEFLATED) throw new DamagedArchive(t.method(name, method));
    const sizes = zip64Sizes(archive, record + 46 + nameLength, extraLength, {
      size: u32(archive, record + 24),
      compressedSize: u32(archive, record + 20),
      localOffset: u32(archive, record + 42),
    });
    wanted.push({ name, method, ...sizes });
  }
  return wanted;
}

function directoryLocation(archive: Uint8Array): { count: number; offset: number } {
  const end = endOfDirectory(archive);
  if (end >= 20 && u32(archive, end - 20) === ZIP64_END_LOCATOR) {
    const at = u64(archive, end - 20 + 8);
    need(archive, at, 56);
    if (u32(archive, at) !== ZIP64_END_OF_DIRECTORY) throw new DamagedArchive(t.zip64EndDamaged);
    return { count: u64(archive, at + 32), offset: u64(archive, at + 48) };
  }
  return { count: u16(archive, end + 10), offset: u32(archive, end + 16) };
}

/** The end-of-central-directory record: 22 bytes, then a comment of up to 65535, at the archive's end. */
function endOfDirectory(archive: Uint8Array): number {
  const last = archive.length - 22;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (u32(archive, at) === END_OF_DIRECTORY) return at;
  }
  throw new DamagedArchive(t.notZip);
}

type Sizes = { size: number; compressedSize: number; localOffset: number };

/** The sizes and offset of an entry, those saturated at IN_ZIP64 read from its zip64 extra field (id 1). */
function zip64Sizes(archive: Uint8Array, extra: number, extraLength: number, sizes: Sizes): Sizes {
  if (sizes.size !== IN_ZIP64 && sizes.compressedSize !== IN_ZIP64 && sizes.localOffset !== IN_ZIP64) return sizes;
  for (let at = extra; at + 4 <= extra + extraLength; at += 4 + u16(archive, at + 2)) {
    if (u16(archive, at) !== 1) continue;
    const out = { ...sizes };
    let field = at + 4;
    const end = Math.min(at + 4 + u16(archive, at + 2), extra + extraLength);
    for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
      if (out[key] !== IN_ZIP64) continue;
      if (field + 8 > end) throw new DamagedArchive(t.zip64ExtraDamaged);
      out[key] = u64(archive, field);
      field += 8;
    }
    return out;
  }
  throw new DamagedArchive(t.zip64SizesMissing);
}

function entryData(archive: Uint8Array, entry: DirectoryEntry): Uint8Array {
  const at = entry.localOffset;
  need(archive, at, 30);
  if (u32(archive, at) !== LOCAL_HEADER) throw new DamagedArchive(t.localHeaderDamaged(entry.name));
  const start = at + 30 + u16(archive, at + 26) + u16(archive, at + 28);
  need(archive, start, entry.compressedSize);
  const compressed = archive.subarray(start, start + entry.compressedSize);
  if (entry.method === STORED) {
    if (entry.compressedSize !== entry.size) throw new DamagedArchive(t.storedSizesDiffer(entry.name));
    return compressed.slice();
  }
  return inflateExactly(compressed, entry.size, entry.name);
}

/** Inflates `compressed`, which must come to exactly `size` bytes; stops as soon as it comes to more. */
function inflateExactly(compressed: Uint8Array, size: number, name: string): Uint8Array {
  const out = new Uint8Array(size);
  let filled = 0;
  const inflater = new Inflate((chunk) => {
    if (chunk.length > size - filled) throw new DamagedArchive(t.inflatesMore(name, size));
    out.set(chunk, filled);
    filled += chunk.length;
  });
  try {
    for (let at = 0; at < compressed.length; at += PIECE)
      inflater.push(compressed.subarray(at, at + PIECE), at + PIECE >= compressed.length);
  } catch (error) {
    if (error instanceof DamagedArchive) throw error;
    throw new DamagedArchive(t.cannotInflate(name, (error as Error).message));
  }
  if (filled !== size) throw new DamagedArchive(t.inflatesOther(name, filled, size));
  return out;
}

/** Throws unless `length` bytes from `at` lie inside the archive. */
function need(archive: Uint8Array, at: number, length: number): void {
  if (!(at >= 0 && at + length <= archive.length)) throw new DamagedArchive(t.truncated);
}

// The readers below trust their callers: every read lies inside a range already checked (need(), the loops'
// bounds, the fixed 22-byte end record), so each byte is there.
function u16(a: Uint8Array, at: number): number {
  return a[at]! | (a[at + 1]! << 8);
}

function u32(a: Uint8Array, at: number): number {
  return (a[at]! | (a[at + 1]! << 8) | (a[at + 2]! << 16)) + a[at + 3]! * 0x1000000;
}

/** Exact below 2^53; anything larger is far past any archive's end, which is all that matters here. */
function u64(a: Uint8Array, at: number): number {
  return u32(a, at) + u32(a, at + 4) * 0x100000000;
}
