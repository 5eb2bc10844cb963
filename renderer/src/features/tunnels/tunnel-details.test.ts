import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TunnelDetails } from '../../../../shared/bridge/types.js';
import { fakeApi } from '../../testing/fake-api.js';
import { TunnelDetailsState } from './tunnel-details.svelte.js';

const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';

/** A getTunnelDetails whose counters grow by 1 KiB received and 512 B sent each read, stamped with the fake clock. */
function growing(running = true) {
  let reads = 0;
  return async (name: string): Promise<TunnelDetails> => {
    reads++;
    return {
      name,
      publicKey: KEY,
      addresses: ['10.0.0.2/32'],
      dns: [],
      listenPort: 51820,
      mtu: null,
      running,
      configReadable: true,
      peers: [
        {
          publicKey: 'peer',
          endpoint: '192.0.2.1:51820',
          allowedIps: ['0.0.0.0/0'],
          latestHandshake: Date.now() - 5000,
          rxBytes: reads * 1024,
          txBytes: reads * 512,
          persistentKeepalive: 0,
        },
      ],
      warnings: [],
      sampledAt: Date.now(),
    };
  };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('TunnelDetailsState', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads once for a tunnel that is off, and keeps the clock ticking', async () => {
    const api = fakeApi({ getTunnelDetails: growing(false) });
    const state = new TunnelDetailsState(api, { visible: () => true });
    const stop = state.watch('home', false);
    await settle();
    expect(state.details?.addresses).toEqual(['10.0.0.2/32']);
    const start = state.now;
    await vi.advanceTimersByTimeAsync(3000);
    expect(api.calls.filter((c) => c.name === 'getTunnelDetails')).toHaveLength(1);
    expect(state.now - start).toBe(3000);
    stop();
  });

  it("reads every second while live, builds each peer's throughput, and stops on leave", async () => {
    const api = fakeApi({ getTunnelDetails: growing() });
    const state = new TunnelDetailsState(api, { visible: () => true });
    const stop = state.watch('home', true);
    await settle();
    await vi.advanceTimersByTimeAsync(3000);
    const reads = () => api.calls.filter((c) => c.name === 'getTunnelDetails').length;
    expect(reads()).toBe(4);
    expect(state.throughput.peer).toEqual([
      { rx: 1024, tx: 512 },
      { rx: 1024, tx: 512 },
      { rx: 1024, tx: 512 },
    ]);
    expect(state.polling).toBe(true);
    stop();
    expect(state.polling).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads()).toBe(4);
  });

  it('does not read while the window is hidden', async () => {
    let visible = false;
    const api = fakeApi({ getTunnelDetails: growing() });
    const state = new TunnelDetailsState(api, { visible: () => visible });
    const stop = state.watch('home', true);
    await settle();
    await vi.advanceTimersByTimeAsync(3000);
    expect(api.calls.filter((c) => c.name === 'getTunnelDetails')).toHaveLength(1);
    visible = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.calls.filter((c) => c.name === 'getTunnelDetails')).toHaveLength(2);
    stop();
  });

  it('drops an answer for a tunnel no longer shown, and starts the graph afresh for another', async () => {
    let release!: () => void;
    const api = fakeApi({
      getTunnelDetails: async (name) => {
        if (name === 'slow') await new Promise<void>((r) => (release = r));
        return growing()(name);
      },
    });
    const state = new TunnelDetailsState(api, { visible: () => true });
    state.watch('slow', false);
    await settle();
    const stop = state.watch('work', false);
    await settle();
    release();
    await settle();
    expect(state.details?.name).toBe('work');
    expect(state.throughput).toEqual({});
    stop();
  });

  it('says why a read failed', async () => {
    const api = fakeApi({ getTunnelDetails: async () => Promise.reject(new Error('no such tunnel')) });
    const state = new TunnelDetailsState(api, { visible: () => true });
    const stop = state.watch('gone', false);
    await settle();
    expect(state.error).toBe('no such tunnel');
    stop();
  });
});
