// DataPath's one timer: armed for the device's earliest deadline, moved only when that deadline comes earlier
// (a packet pushing deadlines later costs no timer work), an early fire ticks and re-arms, and one a sleep made
// overdue runs at the next batch. The device, TUN and bind are stand-ins: only the deadline, the ticks, the timer
// and the MTU told to the device are under test. And the room around packets: a Tun that leaves less than the
// engine seals in place with is refused at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Device } from '../engine/device.js';
import { SEND_HEADROOM, SEND_TAILROOM } from '../engine/device-types.js';
import type { Bind } from './bind.js';
import type { Tun } from './tun.js';
import { DataPath } from './data-path.js';
import { type PacketBatch, createPacketBatch } from './packet-batch.js';

class DeadlineDevice {
  deadline = Infinity;
  mtu = 1420;
  setMtu(mtu: number): void {
    this.mtu = mtu;
  }
  readonly ticks: number[] = [];
  onTick = (): void => {};
  nextDeadline(): number {
    return this.deadline;
  }
  tick(now: number): void {
    this.ticks.push(now);
    this.onTick();
  }
  flush(): void {}
  hasPendingHandshakes(): boolean {
    return false;
  }
  send(): void {}
  receive(): void {}
}

function standInTun(room: { headroom?: number; tailroom?: number } = {}): Tun {
  const { headroom = SEND_HEADROOM, tailroom = SEND_TAILROOM } = room;
  return { name: 'tun0', headroom, tailroom, start() {}, writeBatch: () => 0 } as unknown as Tun;
}

/** Time the machine slept: the engine's clock (boot time) counts it, Node's timers do not. */
let asleep = 0;

function setup(): { device: DeadlineDevice; path: DataPath } {
  asleep = 0;
  const device = new DeadlineDevice();
  const tun = standInTun();
  const bind = { start() {}, sendBatch: () => 0 } as unknown as Bind;
  const path = new DataPath(
    device as unknown as Device,
    tun,
    bind,
    () => Date.now() + asleep,
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

  it('after a sleep, a timer the sleep made overdue runs before the next batch or operation, not its delay later', () => {
    const { device, path } = setup();
    path.start();
    device.deadline = 10_000;
    path.run(() => {});
    vi.advanceTimersByTime(1_000);
    // Eight hours asleep: boot time jumped, Node's timer still has 9 s to go.
    asleep = 8 * 3_600_000;
    device.deadline = Infinity; // what tick() leaves
    const order: string[] = [];
    device.onTick = () => order.push('tick');
    path.run(() => order.push('operation'));
    expect(order).toEqual(['tick', 'operation']);
    expect(device.ticks).toEqual([asleep + 1_000]);
    expect(vi.getTimerCount()).toBe(0);
    // A timer less than OVERDUE_MS late by the engine's clock (a short nap, a busy event loop) is left alone.
    device.deadline = asleep + 5_000;
    path.run(() => {});
    asleep += 1_500;
    vi.advanceTimersByTime(3_000);
    path.run(() => {});
    expect(device.ticks).toEqual([8 * 3_600_000 + 1_000]);
    vi.advanceTimersByTime(1_000);
    expect(device.ticks).toEqual([8 * 3_600_000 + 1_000, 8 * 3_600_000 + 1_500 + 5_000]);
  });
});

describe('DataPath and the TUN’s MTU', () => {
  afterEach(() => vi.useRealTimers());

  it('tells the device the MTU the interface has now, read at most once a second while packets come', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const device = new DeadlineDevice();
    let onBatch: ((batch: PacketBatch) => void) | undefined;
    let mtu = 1420;
    let reads = 0;
    const tun = {
      name: 'tun0',
      headroom: SEND_HEADROOM,
      tailroom: SEND_TAILROOM,
      get mtu(): number {
        reads++;
        if (mtu === 0) throw new Error('EBADFD: the interface is gone');
        return mtu;
      },
      start(callback: (batch: PacketBatch) => void) {
        onBatch = callback;
      },
      writeBatch: () => 0,
    } as unknown as Tun;
    const bind = { start() {}, sendBatch: () => 0 } as unknown as Bind;
    const path = new DataPath(
      device as unknown as Device,
      tun,
      bind,
      () => Date.now(),
      () => {},
    );
    path.start();
    const batch = createPacketBatch(1, 64);
    // `ip link set tun0 mtu 1500`: the next packets from the TUN carry it to the device.
    mtu = 1500;
    onBatch!(batch);
    expect(device.mtu).toBe(1500);
    mtu = 9000;
    vi.advanceTimersByTime(500);
    onBatch!(batch);
    expect(device.mtu).toBe(1500);
    expect(reads).toBe(1);
    vi.advanceTimersByTime(500);
    onBatch!(batch);
    expect(device.mtu).toBe(9000);
    expect(reads).toBe(2);
    // An interface on its way out answers no more: the batch is handled all the same.
    mtu = 0;
    vi.advanceTimersByTime(1000);
    expect(() => onBatch!(batch)).not.toThrow();
    expect(device.mtu).toBe(9000);
    path.stop();
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
