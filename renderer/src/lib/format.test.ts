import { describe, expect, it } from 'vitest';
import { ago, bytes, rate } from './format.js';

describe('ago', () => {
  const now = 1_700_000_000_000;
  it('says how long ago a handshake was, in the largest fitting unit', () => {
    expect(ago(null, now)).toBe('Never');
    expect(ago(now - 400, now)).toBe('just now');
    expect(ago(now - 12_300, now)).toBe('12 s ago');
    expect(ago(now - 59_999, now)).toBe('59 s ago');
    expect(ago(now - 60_000, now)).toBe('1 min ago');
    expect(ago(now - 2 * 3600_000, now)).toBe('2 h ago');
    expect(ago(now - (2 * 3600 + 5 * 60) * 1000, now)).toBe('2 h 5 min ago');
    expect(ago(now - 3 * 86400_000, now)).toBe('3 days ago');
    expect(ago(now - 86400_000, now)).toBe('1 day ago');
  });

  it('does not call a time ahead of the clock "ago"', () => {
    expect(ago(now + 5000, now)).toBe('in the future (clock changed?)');
  });
});

describe('bytes and rate', () => {
  it('uses binary units with at most three figures', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1023)).toBe('1023 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(150 * 1024 * 1024)).toBe('150 MiB');
    expect(bytes(-1)).toBe('–');
    expect(rate(2048.4)).toBe('2.0 KiB/s');
  });
});
