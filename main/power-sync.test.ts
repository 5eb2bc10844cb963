// PowerSync with a fake powerMonitor (an EventEmitter: the seam index.ts fills with Electron's) against a fake
// helper for the handshake timeline, and against the real helper for the suspend and resume calls themselves.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PeerStatus, TunnelStatus } from '../shared/ipc/control.js';
import type { HelperCalls, HelperConnection } from './helper-connection.js';
import { PowerSync } from './power-sync.js';
import { type RealHelper, connectedTo, realHelper } from './testing/real-helper.js';

function status(name: string, peer: Partial<PeerStatus>): TunnelStatus {
  return {
    name,
    publicKey: null,
    listenPort: 51820,
    fwmark: 0,
    warnings: [],
    peers: [
      {
        publicKey: 'k',
        endpoint: null,
        allowedIps: [],
        latestHandshake: 0,
        rxBytes: 0,
        txBytes: 0,
        persistentKeepalive: 0,
        hasSession: false,
        drops: {},
        ...peer,
      },
    ],
  };
}

function setUp(running = ['home', 'work']) {
  const power = new EventEmitter();
  const calls: string[] = [];
  const helper: HelperCalls = {
    call: (async (method: string) => {
      calls.push(method);
      return { tunnels: running.length };
    }) as HelperCalls['call'],
  };
  let clock = 1_000_000;
  let changes = 0;
  const sync = new PowerSync({
    power,
    helper,
    runningTunnels: () => running,
    onChange: () => changes++,
    timeoutMs: 30_000,
    now: () => clock,
  });
  return { power, calls, sync, tick: (ms: number) => (clock += ms), changes: () => changes };
}

afterEach(() => vi.useRealTimers());

describe('PowerSync', () => {
  it('tells the helper on suspend and on resume', async () => {
    const { power, calls } = setUp();
    power.emit('suspend');
    power.emit('resume');
    await vi.waitFor(() => expect(calls).toEqual(['suspend', 'resume']));
  });

  it('shows reconnecting after the wake until a handshake newer than the suspend, then on', () => {
    vi.useFakeTimers();
    const { power, sync, tick } = setUp();
    power.emit('suspend');
    const suspendedAt = tick(0);
    tick(60 * 60_000);
    power.emit('resume');
    expect([...sync.overlay]).toEqual([
      ['home', { phase: 'reconnecting' }],
      ['work', { phase: 'reconnecting' }],
    ]);
    // An old session's handshake (before the suspend) does not count, nor does a handshake without a session.
    sync.handleStatus([
      status('home', { latestHandshake: suspendedAt - 5000, hasSession: true }),
      status('work', { latestHandshake: tick(1000), hasSession: false }),
    ]);
    expect(sync.overlay.size).toBe(2);
    sync.handleStatus([status('home', { latestHandshake: tick(1000), hasSession: true })]);
    expect([...sync.overlay.keys()]).toEqual(['work']);
  });

  it('turns a tunnel that does not come back within the timeout to error, and back to on if it comes later', () => {
    vi.useFakeTimers();
    const { power, sync, tick } = setUp();
    power.emit('suspend');
    power.emit('resume');
    sync.handleStatus([status('home', { latestHandshake: tick(2000), hasSession: true })]);
    vi.advanceTimersByTime(29_999);
    expect(sync.overlay.get('work')).toEqual({ phase: 'reconnecting' });
    vi.advanceTimersByTime(1);
    expect(sync.overlay.get('work')).toEqual({ phase: 'error', error: 'no handshake within 30 s after waking up' });
    expect(sync.overlay.has('home')).toBe(false);
    sync.handleStatus([status('work', { latestHandshake: tick(60_000), hasSession: true })]);
    expect(sync.overlay.size).toBe(0);
  });

  it('stops waiting for a tunnel taken down, and counts the wake as the mark when the suspend went unseen', () => {
    vi.useFakeTimers();
    const { power, sync, tick, changes } = setUp();
    tick(5000);
    power.emit('resume');
    const before = changes();
    sync.handleTunnels([{ name: 'home', state: 'up', origin: 'store', options: {} as never, canChange: true }]);
    expect([...sync.overlay.keys()]).toEqual(['home']);
    expect(changes()).toBeGreaterThan(before);
    sync.handleStatus([status('home', { latestHandshake: tick(0) - 1, hasSession: true })]);
    expect(sync.overlay.has('home')).toBe(true);
    sync.handleStatus([status('home', { latestHandshake: tick(0), hasSession: true })]);
    expect(sync.overlay.size).toBe(0);
  });

  it('removes its listeners on close', () => {
    const { power, sync } = setUp();
    sync.close();
    expect(power.listenerCount('suspend') + power.listenerCount('resume')).toBe(0);
  });
});

describe('PowerSync and the real helper', () => {
  let helper: RealHelper | undefined;
  let connection: HelperConnection | undefined;
  afterEach(async () => {
    connection?.stop();
    await helper?.dispose();
  });

  it('suspend and resume reach the helper, which answers how many tunnels it suspended and resumed', async () => {
    helper = realHelper();
    await helper.start();
    connection = await connectedTo(helper);
    const answers: unknown[] = [];
    const logged: string[] = [];
    const calls: HelperCalls = {
      call: ((method: 'suspend' | 'resume') =>
        connection!.call(method, {}).then((r) => (answers.push([method, r]), r))) as HelperCalls['call'],
    };
    const power = new EventEmitter();
    const sync = new PowerSync({
      power,
      helper: calls,
      runningTunnels: () => [],
      onChange: () => {},
      log: (m) => logged.push(m),
    });
    await sync.suspend();
    await sync.resume();
    sync.close();
    expect(logged).toEqual([]);
    expect(answers).toEqual([
      ['suspend', { tunnels: 0 }],
      ['resume', { tunnels: 0 }],
    ]);
  });
});
