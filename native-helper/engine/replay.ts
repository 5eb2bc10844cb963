/*
 * The receive side's anti-replay window (RFC 6479, as the kernel's counter_validate and wireguard-go's
 * replay.Filter): a ring of 8192 bits in 256 u32 words. A counter is accepted once, if it is below the limit and
 * no more than REPLAY_WINDOW_SIZE (8128) behind the highest one accepted. Moving the window forward clears whole
 * words; because the window is a word or more shorter than the ring, every counter still inside the window keeps
 * its bit, so the filter is exactly "seen before, or too old".
 *
 * Counters are numbers as read by readU64LE: non-negative integers, exact below 2^53. Division by 32 and
 * `& 255` / `& 31` are exact on those (ToInt32 reduces modulo 2^32), so no bigint is needed.
 */

import { REJECT_AFTER_MESSAGES, REPLAY_BITMAP_BITS, REPLAY_WINDOW_SIZE } from './constants.js';

const WORD_BITS = 32;
const RING_WORDS = REPLAY_BITMAP_BITS / WORD_BITS;
const RING_MASK = RING_WORDS - 1;

export class ReplayWindow {
  private readonly ring = new Uint32Array(RING_WORDS);
  /** Highest counter accepted; 0 also before any, which is harmless since bit 0 is still clear then. */
  private last = 0;

  /** Forget everything, for a new key. */
  reset(): void {
    this.last = 0;
    this.ring.fill(0);
  }

  /** True the first time a counter within the window is seen; records it. */
  check(counter: number, limit: number = REJECT_AFTER_MESSAGES): boolean {
    if (!(counter < limit)) return false;
    const ring = this.ring;
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
    const old = ring[index];
    if ((old & bit) !== 0) return false;
    ring[index] = old | bit;
    return true;
  }

  /** The highest counter accepted so far (0 before any). */
  get highest(): number {
    return this.last;
  }
}
