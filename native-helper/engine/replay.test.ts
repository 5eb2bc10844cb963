import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECT_AFTER_MESSAGES, REPLAY_WINDOW_SIZE } from './constants.js';
import { COUNTER_SATURATED } from './messages.js';
import { ReplayWindow } from './replay.js';

const W = REPLAY_WINDOW_SIZE;
const REJECT = REJECT_AFTER_MESSAGES;

/** The kernel's counter self-test (selftest/counter.c), case numbers kept, against our counter limit. */
describe('kernel counter self-test', () => {
  let window = new ReplayWindow();
  let n = 0;
  const T = (counter: number, expected: boolean): void => {
    n++;
    expect(window.check(counter), `case ${n}: ${counter}`).toBe(expected);
  };
  const init = (): void => {
    window = new ReplayWindow();
    n = 0;
  };
  const T_LIM = W + 1;

  it('cases 1-34', () => {
    init();
    T(0, true); /*  1 */
    T(1, true); /*  2 */
    T(1, false); /*  3 */
    T(9, true); /*  4 */
    T(8, true); /*  5 */
    T(7, true); /*  6 */
    T(7, false); /*  7 */
    T(T_LIM, true); /*  8 */
    T(T_LIM - 1, true); /*  9 */
    T(T_LIM - 1, false); /* 10 */
    T(T_LIM - 2, true); /* 11 */
    T(2, true); /* 12 */
    T(2, false); /* 13 */
    T(T_LIM + 16, true); /* 14 */
    T(3, false); /* 15 */
    T(T_LIM + 16, false); /* 16 */
    T(T_LIM * 4, true); /* 17 */
    T(T_LIM * 4 - (T_LIM - 1), true); /* 18 */
    T(10, false); /* 19 */
    T(T_LIM * 4 - T_LIM, false); /* 20 */
    T(T_LIM * 4 - (T_LIM + 1), false); /* 21 */
    T(T_LIM * 4 - (T_LIM - 2), true); /* 22 */
    T(T_LIM * 4 + 1 - T_LIM, false); /* 23 */
    T(0, false); /* 24 */
    T(REJECT, false); /* 25 */
    T(REJECT - 1, true); /* 26 */
    T(REJECT, false); /* 27 */
    T(REJECT - 1, false); /* 28 */
    T(REJECT - 2, true); /* 29 */
    T(REJECT + 1, false); /* 30 */
    T(REJECT + 2, false); /* 31 */
    T(REJECT - 2, false); /* 32 */
    T(REJECT - 3, true); /* 33 */
    T(0, false); /* 34 */
  });

  it('bulk 1: ascending from 1, then 0 once', () => {
    init();
    for (let i = 1; i <= W; i++) T(i, true);
    T(0, true);
    T(0, false);
  });

  it('bulk 2: ascending from 2, then 1, and 0 has fallen out', () => {
    init();
    for (let i = 2; i <= W + 1; i++) T(i, true);
    T(1, true);
    T(0, false);
  });

  it('bulk 3: descending from the window edge to 0', () => {
    init();
    for (let i = W; i >= 0; i--) T(i, true);
  });

  it('bulk 4: descending from one past the edge, 0 falls out', () => {
    init();
    for (let i = W + 1; i >= 1; i--) T(i, true);
    T(0, false);
  });

  it('bulk 5: descending, then forward by one pushes 0 out', () => {
    init();
    for (let i = W; i >= 1; i--) T(i, true);
    T(W + 1, true);
    T(0, false);
  });

  it('bulk 6: descending, 0 on the edge, then forward', () => {
    init();
    for (let i = W; i >= 1; i--) T(i, true);
    T(0, true);
    T(W + 1, true);
  });
});

describe('ReplayWindow', () => {
  it('rejects a saturated (unrepresentable) counter', () => {
    const window = new ReplayWindow();
    expect(window.check(COUNTER_SATURATED)).toBe(false);
    expect(window.check(0)).toBe(true);
  });

  it('honours a caller limit', () => {
    const window = new ReplayWindow();
    expect(window.check(99, 100)).toBe(true);
    expect(window.check(100, 100)).toBe(false);
  });

  it('resets to empty', () => {
    const window = new ReplayWindow();
    for (let i = 0; i < 20_000; i += 7) window.check(i);
    window.reset();
    expect(window.highest).toBe(0);
    for (let i = 0; i < 300; i++) expect(window.check(i)).toBe(true);
  });

  it('jumps across the ring by a word and by a whole ring without stale bits', () => {
    const window = new ReplayWindow();
    expect(window.check(5)).toBe(true);
    expect(window.check(5 + 8192)).toBe(true);
    expect(window.check(5 + 8192 - W)).toBe(true);
    expect(window.check(5 + 8192 + 32)).toBe(true);
    expect(window.check(5 + 8192)).toBe(false);
    expect(window.check(5 + 10 * 8192)).toBe(true);
    expect(window.check(5 + 9 * 8192 + 100)).toBe(true);
  });

  it('agrees with a naive model', () => {
    const limit = fc.oneof(fc.constant(REJECT), fc.integer({ min: 1, max: 60_000 }));
    const counter = (): fc.Arbitrary<number> =>
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: REJECT - 20_000, max: REJECT + 5 }) },
        { weight: 1, arbitrary: fc.constant(COUNTER_SATURATED) },
      );
    // Walk forward in small steps around a moving base so that the window edges are hit often.
    const walk = fc.array(fc.tuple(fc.integer({ min: -8300, max: 300 }), fc.integer({ min: 0, max: 3 })), {
      maxLength: 400,
      size: 'max',
    });
    fc.assert(
      fc.property(limit, fc.array(counter(), { maxLength: 300, size: 'max' }), walk, (lim, randoms, steps) => {
        const window = new ReplayWindow();
        const seen = new Set<number>();
        let last = 0;
        const model = (c: number): boolean => {
          if (!(c < lim)) return false;
          if (c <= last && last - c > W) return false;
          if (seen.has(c)) return false;
          seen.add(c);
          if (c > last) last = c;
          return true;
        };
        let base = 0;
        const sequence = [...randoms];
        for (const [delta, advance] of steps) {
          base += advance * 40;
          sequence.push(Math.max(0, base + delta));
        }
        for (const c of sequence) expect(window.check(c, lim), `counter ${c}`).toBe(model(c));
      }),
      { numRuns: 300 },
    );
  });
});

describe('released windows', () => {
  it('refuse every counter, and a reset one starts over', () => {
    const window = new ReplayWindow();
    expect(window.check(5)).toBe(true);
    window.release();
    window.release();
    expect(window.check(6)).toBe(false);
    expect(window.check(0)).toBe(false);
    window.reset();
    expect(window.check(5)).toBe(true);
    expect(window.check(5)).toBe(false);
  });

  it('hand their ring to a new window cleared', () => {
    const first = new ReplayWindow();
    for (let c = 0; c < 9000; c += 3) first.check(c);
    first.release();
    const second = new ReplayWindow();
    for (let c = 0; c < 9000; c += 3) expect(second.check(c)).toBe(true);
    // The released one stays dead even though its ring now serves another window.
    expect(first.check(9001)).toBe(false);
    expect(second.check(9001)).toBe(true);
  });
});
