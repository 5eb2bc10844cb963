import { describe, expect, it } from 'vitest';
import type { AppState } from '../../../shared/bridge/types.js';
import { deferred, fakeApi } from '../testing/fake-api.js';
import { Session } from './session.svelte.js';

const connected = (tunnels: AppState['tunnels'] = []): AppState => ({
  connection: { kind: 'connected', helperVersion: '1' },
  tunnels,
});

describe('Session', () => {
  it('takes getState, then every state event', async () => {
    const api = fakeApi({
      getState: async () => connected([{ name: 'home', phase: 'off', stored: true, canChange: true }]),
    });
    const session = new Session(api);
    session.start();
    expect(session.loaded).toBe(false);
    await Promise.resolve();
    await Promise.resolve();
    expect(session.loaded).toBe(true);
    expect(session.connected).toBe(true);
    expect(session.state.tunnels.map((t) => t.name)).toEqual(['home']);
    api.emitState({ connection: { kind: 'helper-missing', message: 'm', hint: 'h' }, tunnels: [] });
    expect(session.connected).toBe(false);
  });

  it('drops a getState answer that an event overtook', async () => {
    const answer = deferred<AppState>();
    const api = fakeApi({ getState: () => answer.promise });
    const session = new Session(api);
    session.start();
    api.emitState(connected([{ name: 'new', phase: 'on', stored: true, canChange: true }]));
    answer.resolve(connected([{ name: 'old', phase: 'off', stored: true, canChange: true }]));
    await answer.promise;
    await Promise.resolve();
    expect(session.state.tunnels[0]!.name).toBe('new');
  });

  it('says why getState failed', async () => {
    const session = new Session(fakeApi({ getState: async () => Promise.reject(new Error('no preload')) }));
    session.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(session.loadError).toBe('no preload');
  });
});
