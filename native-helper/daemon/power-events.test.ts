// Suspend and resume from logind, against a private dbus-daemon and a fake logind on it (logind cannot run here):
// the lock is held while awake, released only after the suspend work, taken again on resume; and no bus, no
// logind, a bus that dies, or a signal from someone else never crash the helper.
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeLogind,
  type PrivateBus,
  FakeLogind as Fake,
  hasDbusDaemon,
  hasSystemBusPolicy,
  startPrivateBus,
} from '../platform/linux/testing/fake-logind.js';
import { LOGIND_MANAGER, LOGIND_PATH } from '../platform/linux/logind.js';
import { INHIBITOR_WHO, INHIBITOR_WHY, type PowerEvents, startPowerEvents } from './power-events.js';
import { Message, MessageType, sessionBus } from 'dbus-next';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A PrepareForSleep(true) sent to `destination` alone, as anyone on the bus may send one. */
const directedPrepareForSleep = (destination: string) =>
  new Message({
    type: MessageType.SIGNAL,
    destination,
    path: LOGIND_PATH,
    interface: LOGIND_MANAGER,
    member: 'PrepareForSleep',
    signature: 'b',
    body: [true],
  });

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe.skipIf(!hasDbusDaemon)('power events from logind', () => {
  let bus: PrivateBus;
  let logind: FakeLogind;
  let events: PowerEvents | null;
  let log: string[];
  const calls: string[] = [];

  beforeEach(async () => {
    bus = await startPrivateBus();
    logind = await Fake.start(bus.address);
    events = null;
    log = [];
    calls.length = 0;
  });
  afterEach(async () => {
    await events?.close();
    await logind.stop();
    await bus.stop();
  });

  const start = (hooks: { onSuspend?: () => Promise<void> | void; onResume?: () => Promise<void> | void } = {}) =>
    startPowerEvents({
      busAddress: bus.address,
      log: (message) => log.push(message),
      onSuspend: hooks.onSuspend ?? (() => void calls.push('suspend')),
      onResume: hooks.onResume ?? (() => void calls.push('resume')),
      callTimeoutMs: 2000,
    });

  it('takes a delay lock on sleep at start, and holds it', async () => {
    events = await start();
    expect(events.available).toBe(true);
    const lock = await logind.waitForLocks(1);
    expect(lock).toMatchObject({ what: 'sleep', who: INHIBITOR_WHO, why: INHIBITOR_WHY, mode: 'delay' });
    await sleep(100);
    expect(lock.isReleased()).toBe(false);
  });

  it('releases the lock only after onSuspend has finished', async () => {
    let suspendStarted = 0;
    let suspendFinished = 0;
    events = await start({
      onSuspend: async () => {
        suspendStarted = performance.now();
        await sleep(100);
        suspendFinished = performance.now();
      },
    });
    const lock = await logind.waitForLocks(1);
    logind.prepareForSleep(true);
    const releasedAt = await lock.released;
    expect(suspendStarted).toBeGreaterThan(0);
    expect(suspendFinished).toBeGreaterThan(0);
    expect(releasedAt).toBeGreaterThanOrEqual(suspendFinished);
    expect(releasedAt - suspendStarted).toBeGreaterThanOrEqual(95);
  });

  it('runs onResume on PrepareForSleep(false) and takes a new lock', async () => {
    events = await start();
    const first = await logind.waitForLocks(1);
    logind.prepareForSleep(true);
    await first.released;
    expect(calls).toEqual(['suspend']);
    logind.prepareForSleep(false);
    const second = await logind.waitForLocks(2);
    await until(() => calls.length === 2, 'onResume');
    expect(calls).toEqual(['suspend', 'resume']);
    await sleep(50);
    expect(second.isReleased()).toBe(false);
    // and the cycle repeats
    logind.prepareForSleep(true);
    await second.released;
    expect(calls).toEqual(['suspend', 'resume', 'suspend']);
  });

  it('still releases the lock when onSuspend fails, and says so', async () => {
    events = await start({ onSuspend: () => Promise.reject(new Error('boom')) });
    const lock = await logind.waitForLocks(1);
    logind.prepareForSleep(true);
    await lock.released;
    expect(log.some((line) => line.includes('suspend failed: boom'))).toBe(true);
  });

  it('close() releases the lock', async () => {
    events = await start();
    const lock = await logind.waitForLocks(1);
    await events.close();
    await lock.released;
  });

  it('keeps the lock out of the processes the helper starts (close-on-exec)', async () => {
    events = await start();
    const lock = await logind.waitForLocks(1);
    const fds = execFileSync('sh', ['-c', 'ls -l /proc/$$/fd/'], { encoding: 'utf8' });
    // The listing worked: the shell's standard input is there (a pipe or a socket, depending on how libuv made it).
    expect(fds).toMatch(/ 0 -> (pipe|socket):\[/);
    expect(fds).not.toContain(lock.path);
    expect(lock.isReleased()).toBe(false);
  });

  it('ignores a PrepareForSleep that does not come from logind', async () => {
    events = await start();
    const lock = await logind.waitForLocks(1);
    const impostor = sessionBus({ busAddress: bus.address });
    impostor.on('error', () => {});
    await new Promise<void>((resolve) => impostor.once('connect', () => resolve()));
    // broadcast (the daemon's match rule keeps it away), and aimed at the helper (only the sender check does)
    impostor.send(Message.newSignal(LOGIND_PATH, LOGIND_MANAGER, 'PrepareForSleep', 'b', [true]));
    impostor.send(directedPrepareForSleep(logind.lastCaller!));
    await sleep(150);
    impostor.disconnect();
    expect(calls).toEqual([]);
    expect(lock.isReleased()).toBe(false);
  });

  it('gives up on a lock logind is too slow to give, and closes it when it comes after all', async () => {
    logind.inhibitDelayMs = 300;
    events = await startPowerEvents({
      busAddress: bus.address,
      log: (m) => log.push(m),
      onSuspend() {},
      onResume() {},
      callTimeoutMs: 100,
    });
    expect(events.available).toBe(true);
    expect(log.join('\n')).toMatch(
      /no sleep delay lock \(org\.freedesktop\.login1\.Manager\.Inhibit: no answer in 100 ms\)/,
    );
    const late = await logind.waitForLocks(1);
    await late.released;
  });

  it('takes a new lock when logind restarts', async () => {
    events = await start();
    const first = await logind.waitForLocks(1);
    await logind.stop();
    await first.released;
    logind = await Fake.start(bus.address);
    const second = await logind.waitForLocks(1);
    expect(second.isReleased()).toBe(false);
    logind.prepareForSleep(true);
    await second.released;
    expect(calls).toEqual(['suspend']);
  });

  it('survives the bus going away: a log line, no crash, close() still works', async () => {
    events = await start();
    await logind.waitForLocks(1);
    await bus.stop();
    await until(() => log.some((line) => line.includes('lost the system bus')), 'the log line');
    await events.close();
    expect(calls).toEqual([]);
  });

  it('reports available=false when the bus has no logind', async () => {
    await logind.stop();
    events = await start();
    expect(events.available).toBe(false);
    expect(log.join('\n')).toMatch(/no logind on the system bus/);
    await events.close();
  });
});

describe.skipIf(!hasDbusDaemon || !hasSystemBusPolicy)('power events under the system bus policy', () => {
  it("gets logind's lock and signal through the system bus's own rules, and no one else's signal", async () => {
    const bus = await startPrivateBus('system');
    const logind = await Fake.start(bus.address);
    const calls: string[] = [];
    const events = await startPowerEvents({
      busAddress: bus.address,
      log: () => {},
      onSuspend: () => void calls.push('suspend'),
      onResume: () => void calls.push('resume'),
    });
    try {
      expect(events.available).toBe(true);
      const lock = await logind.waitForLocks(1);
      // The system policy lets anyone send a signal, even one aimed at the helper alone.
      const impostor = sessionBus({ busAddress: bus.address });
      impostor.on('error', () => {});
      await new Promise<void>((resolve) => impostor.once('connect', () => resolve()));
      impostor.send(directedPrepareForSleep(logind.lastCaller!));
      await sleep(150);
      impostor.disconnect();
      expect(calls).toEqual([]);
      logind.prepareForSleep(true);
      await lock.released;
      logind.prepareForSleep(false);
      await logind.waitForLocks(2);
      await until(() => calls.length === 2, 'onResume');
      expect(calls).toEqual(['suspend', 'resume']);
    } finally {
      await events.close();
      await logind.stop();
      await bus.stop();
    }
  });
});

describe('power events without a bus', () => {
  it('reports available=false for a bus socket that does not exist, and does not throw', async () => {
    const log: string[] = [];
    const events = await startPowerEvents({
      busAddress: 'unix:path=/nonexistent/warren-test/bus.sock',
      log: (message) => log.push(message),
      onSuspend: () => {},
      onResume: () => {},
    });
    expect(events.available).toBe(false);
    expect(log.join('\n')).toMatch(/no system bus at unix:path=\/nonexistent/);
    await events.close();
  });

  it('reports available=false for an address it cannot use', async () => {
    const log: string[] = [];
    const events = await startPowerEvents({
      busAddress: 'nonsense',
      log: (m) => log.push(m),
      onSuspend() {},
      onResume() {},
    });
    expect(events.available).toBe(false);
    expect(log).toHaveLength(1);
  });
});
