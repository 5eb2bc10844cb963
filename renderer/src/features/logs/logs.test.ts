import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../../shared/bridge/types.js';
import { fakeApi } from '../../testing/fake-api.js';
import { LOG_LIMIT, Logs } from './logs.svelte.js';

const LINES: LogLine[] = [
  { time: 1, level: 'debug', message: 'timer fired', tunnel: 'home' },
  { time: 2, level: 'info', message: 'helper started' },
  { time: 3, level: 'info', message: 'up', tunnel: 'home' },
  { time: 4, level: 'warn', message: 'no handshake yet', tunnel: 'work' },
  { time: 5, level: 'error', message: 'endpoint did not resolve', tunnel: 'home' },
];

describe('Logs', () => {
  it('reads the latest lines and filters them by lowest level and tunnel', async () => {
    const api = fakeApi({ getLogs: async () => LINES });
    const logs = new Logs(api);
    await logs.refresh();
    expect(api.calls.filter((c) => c.name === 'getLogs')).toEqual([{ name: 'getLogs', args: [LOG_LIMIT] }]);
    expect(logs.tunnels).toEqual(['home', 'work']);
    expect(logs.shown.map((l) => l.time)).toEqual([2, 3, 4, 5]);
    logs.level = 'warn';
    expect(logs.shown.map((l) => l.time)).toEqual([4, 5]);
    logs.tunnel = 'home';
    expect(logs.shown.map((l) => l.time)).toEqual([5]);
    logs.level = 'debug';
    expect(logs.shown.map((l) => l.time)).toEqual([1, 3, 5]);
  });

  it('keeps the lines it had and says why a refresh failed', async () => {
    let fail = false;
    const logs = new Logs(
      fakeApi({ getLogs: async () => (fail ? Promise.reject(new Error('not connected')) : LINES) }),
    );
    await logs.refresh();
    fail = true;
    await logs.refresh();
    expect(logs.error).toBe("Could not read the helper's log: not connected");
    expect(logs.lines).toHaveLength(5);
    expect(logs.loading).toBe(false);
  });
});
