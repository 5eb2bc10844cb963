// DataPath's one timer: armed for the device's earliest deadline, moved only when that deadline comes earlier
// (a packet pushing deadlines later costs no timer work), and an early fire ticks and re-arms. The device, TUN
// and bind are stand-ins: only the deadline, the ticks and the timer are under test. And the room around packets:
// a Tun that leaves less than the engine seals in place with is refused at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Device } from '../engine/device.js';
import { SEND_HEADROOM, SEND_TAILROOM } from '../engine/device-types.js';
import type { Bind } from './bind.js';
import type { Tun } from './tun.js';
import { DataPath } from './data-path.js';

class DeadlineDevice {
  deadline = Infinity;
  readonly ticks: number[] = [];
  nextDeadline(): number {
    return this.deadline;
  }
  tick(now: number): void {
    this.ticks.push(now);
  }
  flush(): void {}
  send(): void {}
  receive(): void {}
}

function standInTun(room: { headroom?: number; tailroom?: number } = {}): Tun {
  const { headroom = SEND_HEADROOM, tailroom = SEND_TAILROOM } = room;
  return { name: 'tun0', headroom, tailroom, start() {}, writeBatch: () => 0 } as unknown as Tun;
}

function setup(): { device: DeadlineDevice; path: DataPath } {
  const device = new DeadlineDevice();
  const tun = standInTun();
  const bind = { start() {}, sendBatch: () => 0 } as unknown as Bind;
  const path = new DataPath(
    device as unknown as Device,
    tun,
    bind,
    () => Date.now(),
    (error) => {
      throw error;
    },
  );
  return { device, path };
}

describe('DataPath timer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sleeps with no deadline, and arms for the earliest one', () => {
    const { device, path } = setup();
    path.start();
    expect(vi.getTimerCount()).toBe(0);
    device.deadline = 1000;
    path.run(() => {});
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(device.ticks).toEqual([]);
    device.deadline = Infinity; // what tick() would leave once nothing else is due
    vi.advanceTimersByTime(1);
    expect(device.ticks).toEqual([1000]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the armed timer when the deadline moves later; the early fire ticks and re-arms', () => {
    const { device, path } = setup();
    path.start();
    device.deadline = 1000;
    path.run(() => {});
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout');
    for (let later = 1100; later <= 5000; later += 100) {
      device.deadline = later;
      path.run(() => {});
    }
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(clearTimeoutSpy).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(device.ticks).toEqual([1000]); // early: nothing due yet, and the timer moves on to 5000
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(3999);
    expect(device.ticks).toEqual([1000]);
    vi.advanceTimersByTime(1);
    expect(device.ticks).toEqual([1000, 5000]);
  });

  it('moves the timer when the deadline comes earlier, and stop() clears it', () => {
    const { device, path } = setup();
    path.start();
    device.deadline = 10_000;
    path.run(() => {});
    device.deadline = 50; // a queued handshake, say
    path.run(() => {});
    expect(vi.getTimerCount()).toBe(1);
    device.deadline = 10_000;
    vi.advanceTimersByTime(50);
    expect(device.ticks).toEqual([50]);
    path.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(20_000);
    expect(device.ticks).toEqual([50]);
  });
});

describe('DataPath room around packets', () => {
  it("refuses a Tun that leaves less room than the engine's SEND_HEADROOM and SEND_TAILROOM", () => {
    const device = new DeadlineDevice() as unknown as Device;
    const bind = { start() {}, sendBatch: () => 0 } as unknown as Bind;
    const make = (tun: Tun) =>
      new DataPath(
        device,
        tun,
        bind,
        () => 0,
        () => {},
      );
    expect(() => make(standInTun({ headroom: SEND_HEADROOM - 1 }))).toThrow(/tun0 leaves 15 bytes before and 32 after/);
    expect(() => make(standInTun({ tailroom: SEND_TAILROOM - 1 }))).toThrow(RangeError);
    expect(() => make(standInTun({ headroom: 64, tailroom: 64 }))).not.toThrow();
  });
});
