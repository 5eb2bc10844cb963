/*
 * The receive side's anti-replay window (RFC 6479, as the kernel's counter_validate and wireguard-go's
 * replay.Filter): a ring of 8192 bits in 256 u32 words. A counter is accepted once, if it is below the limit and
 * no more than REPLAY_WINDOW_SIZE (8128) behind the highest one accepted. Moving the window forward clears whole
 * words; because the window is a word or more shorter than the ring, every counter still inside the window keeps
 * its bit, so the filter is exactly "seen before, or too old".
 *
 * Counters are numbers as read by readU64LE: non-negative integers, exact below 2^53. Division by 32 and
 * `& 255` / `& 31` are exact on those (ToInt32 reduces modulo 2^32), so no bigint is needed.
 *
 * Every handshake makes a keypair and every keypair a window, so rings are recycled: release() hands the ring
 * back to a bounded pool (a fresh 1 KiB ring is an off-heap allocation each time) and leaves the window
 * refusing every counter, so a wiped keypair that someone still holds can never accept a packet again.
 */

import { REJECT_AFTER_MESSAGES, REPLAY_BITMAP_BITS, REPLAY_WINDOW_SIZE } from './constants.js';
import { DOUBLE_FIELD } from './double-fields.js';

const WORD_BITS = 32;
const RING_WORDS = REPLAY_BITMAP_BITS / WORD_BITS;
const RING_MASK = RING_WORDS - 1;

/** Rings of released windows, cleared, for the next windows to take: a fixed stack, 256 KiB at most. */
const MAX_SPARE_RINGS = 256;
const spareRings: (Uint32Array | null)[] = new Array<Uint32Array | null>(MAX_SPARE_RINGS).fill(null);
let spareCount = 0;

function takeRing(): Uint32Array {
  if (spareCount === 0) return new Uint32Array(RING_WORDS);
  const ring = spareRings[--spareCount] as Uint32Array;
  spareRings[spareCount] = null;
  return ring;
}

export class ReplayWindow {
  /** null once released. */
  private ring: Uint32Array | null = takeRing();
  /** Highest counter accepted; 0 also before any, which is harmless since bit 0 is still clear then. */
  private last = DOUBLE_FIELD;

  constructor() {
    // Created as a double above (double-fields.ts): the counters stored here come from readU64LE, whose
    // arithmetic with 2^32 makes a heap number even of a small counter, so a field that began as a small integer
    // would change the window's map at the first packet received.
    this.last = 0;
  }

  /** Forget everything, for a new key (a released window becomes usable again). */
  reset(): void {
    this.last = 0;
    if (this.ring === null) this.ring = takeRing();
    else this.ring.fill(0);
  }

  /** Gives the ring back for another window; from now on every counter is refused. Idempotent. */
  release(): void {
    const ring = this.ring;
    if (ring === null) return;
    this.ring = null;
    this.last = 0;
    if (spareCount < MAX_SPARE_RINGS) {
      ring.fill(0);
      spareRings[spareCount++] = ring;
    }
  }

  /** True the first time a counter within the window is seen; records it. */
  check(counter: number, limit: number = REJECT_AFTER_MESSAGES): boolean {
    const ring = this.ring;
    if (ring === null || !(counter < limit)) return false;
    const word = Math.floor(counter / WORD_BITS);
    if (counter > this.last) {
      const current = Math.floor(this.last / WORD_BITS);
      const advance = Math.min(word - current, RING_WORDS);
      for (let i = 1; i <= advance; i++) ring[(current + i) & RING_MASK] = 0;
      this.last = counter;
    } else if (this.last - counter > REPLAY_WINDOW_SIZE) {
      return false;
    }
    const index = word & RING_MASK;
    const bit = 1 << (counter & (WORD_BITS - 1));
    // index is masked to the ring's size.
    const old = ring[index]!;
    if ((old & bit) !== 0) return false;
    ring[index] = old | bit;
    return true;
  }

  /** The highest counter accepted so far (0 before any). */
  get highest(): number {
    return this.last;
  }
}
