import { describe, expect, it } from 'vitest';
import type { PeerDetails, TunnelDetails } from '../../../../shared/bridge/types.js';
import { HISTORY, graphMax, graphPoints, pushRate, ratesBetween } from './throughput.js';

const peer = (publicKey: string, rxBytes: number, txBytes: number): PeerDetails => ({
  publicKey,
  endpoint: null,
  allowedIps: [],
  latestHandshake: null,
  rxBytes,
  txBytes,
  persistentKeepalive: 0,
});
const read = (sampledAt: number, peers: PeerDetails[], running = true): TunnelDetails => ({
  name: 'home',
  publicKey: null,
  addresses: [],
  dns: [],
  listenPort: null,
  mtu: null,
  running,
  configReadable: true,
  peers,
  warnings: [],
  sampledAt,
});

describe('ratesBetween', () => {
  it("divides each peer's counter growth by the time between reads", () => {
    const rates = ratesBetween(
      read(1000, [peer('a', 100, 50), peer('b', 0, 0)]),
      read(3000, [peer('a', 4196, 2098), peer('c', 9, 9)]),
    );
    expect([...rates]).toEqual([['a', { rx: 2048, tx: 1024 }]]);
  });

  it('gives nothing across a stop, a different tunnel or no time passing, and counts reset counters as quiet', () => {
    expect(ratesBetween(read(0, [peer('a', 0, 0)], false), read(1000, [peer('a', 10, 10)])).size).toBe(0);
    expect(ratesBetween(read(0, [peer('a', 0, 0)]), { ...read(1000, [peer('a', 10, 10)]), name: 'work' }).size).toBe(0);
    expect(ratesBetween(read(1000, [peer('a', 0, 0)]), read(1000, [peer('a', 10, 10)])).size).toBe(0);
    expect(ratesBetween(read(0, [peer('a', 500, 500)]), read(1000, [peer('a', 10, 10)])).get('a')).toEqual({
      rx: 0,
      tx: 0,
    });
  });
});

describe('the graph', () => {
  it('keeps the last minute', () => {
    let history = pushRate(undefined, { rx: 0, tx: 0 });
    for (let i = 1; i <= HISTORY + 5; i++) history = pushRate(history, { rx: i, tx: i });
    expect(history).toHaveLength(HISTORY);
    expect(history.at(-1)).toEqual({ rx: HISTORY + 5, tx: HISTORY + 5 });
  });

  it('puts the newest sample at the right edge and scales to the largest', () => {
    const max = graphMax([
      { rx: 4096, tx: 100 },
      { rx: 2048, tx: 0 },
    ]);
    expect(max).toBe(4096);
    expect(graphMax([])).toBe(1024);
    const points = graphPoints([4096, 2048], 236, 40, max).split(' ');
    expect(points).toEqual(['232,0', '236,20']);
    expect(graphPoints([], 236, 40, max)).toBe('');
    // Values above the scale are clipped to the top.
    expect(graphPoints([9999], 236, 40, 1024)).toBe('236,0');
  });
});
