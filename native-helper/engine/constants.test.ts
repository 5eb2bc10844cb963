import { describe, expect, it } from 'vitest';
import * as c from './constants.js';

describe('constants', () => {
  it('keeps the exact specification limits', () => {
    expect(c.REKEY_AFTER_MESSAGES_U64).toBe(1152921504606846976n);
    expect(c.REJECT_AFTER_MESSAGES_U64).toBe(18446744073709543423n);
  });

  it('scales the counter limits into exact numbers, rekey before reject', () => {
    expect(Number.isSafeInteger(c.REJECT_AFTER_MESSAGES)).toBe(true);
    expect(Number.isSafeInteger(c.REJECT_AFTER_MESSAGES + 2)).toBe(true);
    expect(c.REJECT_AFTER_MESSAGES).toBe(Number.MAX_SAFE_INTEGER - 8192);
    expect(c.REKEY_AFTER_MESSAGES).toBeLessThan(c.REJECT_AFTER_MESSAGES);
    expect(BigInt(c.REJECT_AFTER_MESSAGES)).toBeLessThan(c.REJECT_AFTER_MESSAGES_U64);
    // the margin above the limit still holds a whole replay bitmap
    expect(2 ** 53 - c.REJECT_AFTER_MESSAGES).toBeGreaterThan(c.REPLAY_BITMAP_BITS);
  });

  it('matches the paper and wireguard-go', () => {
    expect(c.MAX_TIMER_HANDSHAKES).toBe(18);
    expect(c.REKEY_ON_RECEIVE_AFTER_MS).toBe(165_000);
    expect(c.ZERO_KEY_MATERIAL_AFTER_MS).toBe(540_000);
    expect(c.HANDSHAKE_INITIATION_RATE_MS).toBe(20);
    expect(c.REPLAY_WINDOW_SIZE).toBe(8128);
    expect(c.UNDER_LOAD_QUEUE_THRESHOLD).toBe(128);
    expect(c.MESSAGE_KEEPALIVE_SIZE).toBe(32);
    expect(c.DEFAULT_MTU).toBe(1420);
    expect(c.MAX_CONTENT_SIZE).toBe(65_503);
  });
});
