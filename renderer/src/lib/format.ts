// Numbers as the window shows them: handshake ages ("12 s ago", in the catalog's words), byte counts and rates in
// binary units.
import { strings } from './strings.js';

/** "Never", "just now", "12 s ago", "3 min ago", "2 h 5 min ago", "3 days ago"; a time ahead of `now` reads "in the future". */
export function ago(time: number | null, now: number): string {
  const t = strings.ago;
  if (time === null) return t.never;
  const seconds = Math.floor((now - time) / 1000);
  if (seconds < -1) return t.future;
  if (seconds < 1) return t.justNow;
  if (seconds < 60) return t.seconds(seconds);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t.minutes(minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t.hours(hours, minutes % 60);
  return t.days(Math.floor(hours / 24));
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 0 B, 512 B, 1.5 KiB, 12.3 MiB, 120 MiB: three significant figures at most. */
export function bytes(count: number): string {
  if (!Number.isFinite(count) || count < 0) return '–';
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Bytes per second as "1.5 KiB/s". */
export function rate(bytesPerSecond: number): string {
  return `${bytes(Math.round(bytesPerSecond))}/s`;
}

/** A log line's time of day, HH:MM:SS in local time. */
export function clock(time: number): string {
  const d = new Date(time);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
