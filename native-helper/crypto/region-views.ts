/*
 * Exact-length views of regions of big caller buffers, made once and reused.
 *
 * sodium-native sizes every argument by its view, so sealing or opening a packet inside a batch buffer takes two
 * views of that buffer. The data path's batch buffers live as long as their tunnel, and packets land in them at
 * recurring offsets with recurring lengths (same-sized packets in the same places, batch after batch), so the
 * views are cached per buffer: an open-addressing table keyed by (offset, length), at most half full, cleared
 * when it would fill. A WeakMap holds the tables, so a buffer nobody else holds goes, views and all.
 *
 * Buffers below MIN_CACHED_BUFFER (handshake messages, scratch arrays) get plain subarray views: they are many
 * and rarely sealed twice at the same place, and a table each would cost more than it saves.
 */

/** Batch buffers are far larger; handshake messages and per-packet scratch far smaller. */
export const MIN_CACHED_BUFFER = 4096;
const TABLE_SIZE = 1024;
const MASK = TABLE_SIZE - 1;
const MAX_ENTRIES = TABLE_SIZE / 2;
/** Offsets and lengths are stored as int32; regions beyond are not cached (no batch buffer is that large). */
const MAX_CACHED = 0x7fff_ffff;

class ViewTable {
  /** -1 marks an empty slot. */
  readonly offsets = new Int32Array(TABLE_SIZE).fill(-1);
  readonly lengths = new Int32Array(TABLE_SIZE);
  readonly views: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(TABLE_SIZE).fill(undefined);
  count = 0;

  clear(): void {
    this.offsets.fill(-1);
    this.views.fill(undefined);
    this.count = 0;
  }
}

const tables = new WeakMap<Uint8Array, ViewTable>();

function slotOf(offset: number, length: number): number {
  return ((Math.imul(offset, 0x9e3779b1) ^ Math.imul(length + 1, 0x85ebca77)) >>> 16) & MASK;
}

/** buf[offset, offset + length) as a view: buf itself when that is all of it. The caller checked the region. */
export function regionView(buf: Uint8Array, offset: number, length: number): Uint8Array {
  if (offset === 0 && length === buf.length) return buf;
  if (buf.length < MIN_CACHED_BUFFER || offset + length > MAX_CACHED) return buf.subarray(offset, offset + length);
  let table = tables.get(buf);
  if (table === undefined) {
    table = new ViewTable();
    tables.set(buf, table);
  }
  let slot = slotOf(offset, length);
  for (let o = table.offsets[slot]; o !== -1; o = table.offsets[slot]) {
    if (o === offset && table.lengths[slot] === length) return table.views[slot] as Uint8Array;
    slot = (slot + 1) & MASK;
  }
  if (table.count === MAX_ENTRIES) {
    // Traffic whose layout keeps changing: start over rather than evict (probe chains stay valid that way).
    table.clear();
    slot = slotOf(offset, length);
  }
  const view = buf.subarray(offset, offset + length);
  table.offsets[slot] = offset;
  table.lengths[slot] = length;
  table.views[slot] = view;
  table.count++;
  return view;
}
