/*
 * Per-source token bucket for handshake messages under load (the kernel's ratelimiter.c, wireguard-go's
 * ratelimiter): 20 packets a second, bursts of 5. Tokens are milliseconds of credit: a packet costs 50, a bucket
 * holds at most 250, and a new source starts with a full bucket less the packet that created it. IPv4 sources
 * are keyed by address; IPv6 sources by their /64, as the kernel does (wireguard-go keys the full address), since
 * whoever holds one IPv6 address usually holds the whole /64 and could otherwise mint fresh buckets at will.
 *
 * At most `capacity` sources are tracked: by default the kernel's max_entries, 8 x its table size of 8192 on any
 * machine with more than 1 GiB, so 65,536. The table is an open-addressing one (linear probing, at most half full)
 * in typed arrays, so `allow` allocates nothing; it starts small and doubles as sources come, up to twice the
 * capacity, so an idle device holds a few hundred bytes, not the 3 MiB a flood may need. Entries idle for more
 * than a second are dropped by a sweep that `allow` runs at most once a second, as the kernel's one-second GC; an
 * entry idle that long has refilled its burst anyway, so forgetting it changes no answer. When the table is full,
 * a new source is refused until a sweep frees room: like the kernel's max_entries, this fails closed. Evicting a
 * live entry instead would hand its owner a fresh burst, so an attacker cycling through addresses could defeat
 * the limit; refusing only delays new sources for up to a second, and only while the device is flooded by sources
 * that passed the cookie check, i.e. real addresses.
 *
 * The hash is keyed by a secret seed, as the kernel keys its siphash with random bytes drawn at start: each device
 * draws its own (Device), so that nobody can aim addresses at one probe chain.
 */

import type { IpVersion } from './ip-packet.js';
import { RATELIMITER_GC_AFTER_MS, RATELIMITER_PACKETS_BURSTABLE, RATELIMITER_PACKETS_PER_SECOND } from './constants.js';

const PACKET_COST_MS = 1000 / RATELIMITER_PACKETS_PER_SECOND;
const TOKEN_MAX_MS = PACKET_COST_MS * RATELIMITER_PACKETS_BURSTABLE;

const EMPTY = 0;
const V4 = 4;
const V6 = 6;

/** The kernel's max_entries: 8 x table_size, which is 8192 with more than 1 GiB of memory. */
export const DEFAULT_RATELIMITER_CAPACITY = 8 * 8192;
/** Slots a table starts with; it doubles whenever it would be more than half full, up to twice the capacity. */
const INITIAL_SLOTS = 16;

export interface RatelimiterOptions {
  /** Most sources tracked at once (default DEFAULT_RATELIMITER_CAPACITY). */
  capacity?: number;
  /** Secret hash key, any 32-bit integer; take it from a CSPRNG (Device does). */
  seed?: number;
}

export class Ratelimiter {
  readonly capacity: number;
  /** Slots the table may grow to: a power of two at least twice the capacity, so it is never more than half full. */
  private readonly maxSlots: number;
  private mask: number;
  private readonly seed: number;
  private family: Uint8Array;
  private keyHi: Int32Array;
  private keyLo: Int32Array;
  private lastMs: Float64Array;
  private tokens: Float64Array;
  private count = 0;
  private lastSweepMs = -Infinity;

  constructor(options: RatelimiterOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_RATELIMITER_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`invalid capacity ${capacity}`);
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.capacity = capacity;
    this.maxSlots = slots;
    this.seed = (options.seed ?? 0x2545f491) | 0;
    const initial = Math.min(INITIAL_SLOTS, slots);
    this.mask = initial - 1;
    this.family = new Uint8Array(initial);
    this.keyHi = new Int32Array(initial);
    this.keyLo = new Int32Array(initial);
    this.lastMs = new Float64Array(initial);
    this.tokens = new Float64Array(initial);
  }

  /** Slots in the table now (it grows with the sources tracked). */
  get slots(): number {
    return this.mask + 1;
  }

  /** Sources currently tracked. */
  get size(): number {
    return this.count;
  }

  /**
   * Whether a packet from the address at `buf[offset]` (4 or 16 bytes) may pass at `nowMs`, charging its
   * bucket if so. `nowMs` is a monotonic clock in milliseconds.
   */
  allow(family: IpVersion, buf: Uint8Array, offset: number, nowMs: number): boolean {
    if (nowMs - this.lastSweepMs >= RATELIMITER_GC_AFTER_MS) this.sweep(nowMs);
    const hi = readWord(buf, offset);
    const lo = family === 4 ? 0 : readWord(buf, offset + 4);
    const tag = family === 4 ? V4 : V6;
    let slot = this.hash(tag, hi, lo) & this.mask;
    for (;;) {
      const f = this.family[slot];
      if (f === EMPTY) break;
      if (f === tag && this.keyHi[slot] === hi && this.keyLo[slot] === lo) {
        // slot is masked to the table size, so these reads are in range.
        const elapsed = Math.max(0, nowMs - this.lastMs[slot]!);
        const tokens = Math.min(TOKEN_MAX_MS, this.tokens[slot]! + elapsed);
        this.lastMs[slot] = nowMs;
        const ok = tokens >= PACKET_COST_MS;
        this.tokens[slot] = ok ? tokens - PACKET_COST_MS : tokens;
        return ok;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.count >= this.capacity) return false;
    if ((this.count + 1) * 2 > this.mask + 1) {
      this.grow();
      slot = this.hash(tag, hi, lo) & this.mask;
      while (this.family[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    }
    this.family[slot] = tag;
    this.keyHi[slot] = hi;
    this.keyLo[slot] = lo;
    this.lastMs[slot] = nowMs;
    this.tokens[slot] = TOKEN_MAX_MS - PACKET_COST_MS;
    this.count++;
    return true;
  }

  /** Forgets sources idle for more than a second. `allow` calls this by itself; a timer may too. */
  sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    if (this.count === 0) return;
    // Start just past an empty slot so that no probe chain wraps around the scan's start (the table is never
    // more than half full, so one exists), then delete by shifting each chain back over the hole.
    let start = 0;
    while (this.family[start] !== EMPTY) start++;
    const slots = this.mask + 1;
    for (let n = 1; n <= slots; n++) {
      const slot = (start + n) & this.mask;
      if (this.family[slot] !== EMPTY && nowMs - this.lastMs[slot]! > RATELIMITER_GC_AFTER_MS) {
        this.deleteAt(slot);
        n--; // the slot may now hold a shifted entry that needs the same test
      }
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.family.fill(EMPTY);
    this.count = 0;
  }

  /** Twice the slots, every entry placed again (only while sources are added: never on a known source's path). */
  private grow(): void {
    const { family, keyHi, keyLo, lastMs, tokens } = this;
    const slots = Math.min(this.maxSlots, (this.mask + 1) * 2);
    this.mask = slots - 1;
    this.family = new Uint8Array(slots);
    this.keyHi = new Int32Array(slots);
    this.keyLo = new Int32Array(slots);
    this.lastMs = new Float64Array(slots);
    this.tokens = new Float64Array(slots);
    for (let from = 0; from < family.length; from++) {
      // from < family.length, the length of every old array.
      const f = family[from]!;
      if (f === EMPTY) continue;
      let slot = this.hash(f, keyHi[from]!, keyLo[from]!) & this.mask;
      while (this.family[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.family[slot] = f;
      this.keyHi[slot] = keyHi[from]!;
      this.keyLo[slot] = keyLo[from]!;
      this.lastMs[slot] = lastMs[from]!;
      this.tokens[slot] = tokens[from]!;
    }
  }

  private deleteAt(hole: number): void {
    const mask = this.mask;
    let slot = hole;
    for (;;) {
      slot = (slot + 1) & mask;
      // slot and hole are masked to the table size, so every read below is in range.
      const f = this.family[slot]!;
      if (f === EMPTY) break;
      const home = this.hash(f, this.keyHi[slot]!, this.keyLo[slot]!) & mask;
      // The entry may move back into the hole only if its home does not lie cyclically in (hole, slot].
      const homeAfterHole = ((home - hole) & mask) !== 0 && ((home - hole) & mask) <= ((slot - hole) & mask);
      if (homeAfterHole) continue;
      this.family[hole] = f;
      this.keyHi[hole] = this.keyHi[slot]!;
      this.keyLo[hole] = this.keyLo[slot]!;
      this.lastMs[hole] = this.lastMs[slot]!;
      this.tokens[hole] = this.tokens[slot]!;
      hole = slot;
    }
    this.family[hole] = EMPTY;
    this.count--;
  }

  private hash(tag: number, hi: number, lo: number): number {
    let h = this.seed ^ tag;
    h = Math.imul(h ^ hi, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h ^ lo, 0x85ebca77);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae3d);
    return h ^ (h >>> 16);
  }
}

/** The caller's packet holds the source address at buf[o], so the four bytes exist. */
function readWord(buf: Uint8Array, o: number): number {
  return (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
}
