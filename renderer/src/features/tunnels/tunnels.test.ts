import { describe, expect, it } from 'vitest';
import { Session } from '../../lib/session.svelte.js';
import { deferred, fakeApi } from '../../testing/fake-api.js';
import { Tunnels } from './tunnels.svelte.js';

function setup(overrides = {}) {
  const api = fakeApi(overrides);
  const session = new Session(api);
  session.start();
  api.emitState({
    connection: { kind: 'connected', helperVersion: '1' },
    tunnels: [
      { name: 'home', phase: 'on', stored: true, canChange: true },
      { name: 'work', phase: 'off', stored: true, canChange: true },
      { name: 'lab', phase: 'error', stored: false, error: 'no route', canChange: false },
    ],
  });
  return { api, session, tunnels: new Tunnels(session, api) };
}

describe('Tunnels', () => {
  it('shows each tunnel with its state, switch position and error', () => {
    const { tunnels } = setup();
    expect(tunnels.rows.map((r) => [r.name, r.status, r.on, r.error])).toEqual([
      ['home', 'On', true, undefined],
      ['work', 'Off', false, undefined],
      ['lab', 'Failed', false, 'no route'],
    ]);
  });

  it('selects the first tunnel until one is chosen, and falls back when it disappears', () => {
    const { api, tunnels } = setup();
    expect(tunnels.selected?.name).toBe('home');
    tunnels.select('work');
    expect(tunnels.selected?.name).toBe('work');
    api.emitState({
      connection: { kind: 'connected', helperVersion: '1' },
      tunnels: [{ name: 'lab', phase: 'off', stored: true, canChange: true }],
    });
    expect(tunnels.selected?.name).toBe('lab');
  });

  it('calls setTunnel and shows the wanted position while it is pending', async () => {
    const answer = deferred<void>();
    const { api, tunnels } = setup({ setTunnel: () => answer.promise });
    const done = tunnels.toggle('work', true);
    expect(api.calls.filter((c) => c.name === 'setTunnel')).toEqual([{ name: 'setTunnel', args: ['work', true] }]);
    const work = () => tunnels.rows.find((r) => r.name === 'work')!;
    expect(work()).toMatchObject({ on: true, pending: true });
    // A second click while pending does nothing.
    await tunnels.toggle('work', false);
    expect(api.calls.filter((c) => c.name === 'setTunnel')).toHaveLength(1);
    answer.resolve();
    await done;
    expect(work()).toMatchObject({ on: false, pending: false });
  });

  it("carries who owns a tunnel and whether it may be changed, and switches another owner's as any", async () => {
    const { api, tunnels } = setup();
    api.emitState({
      connection: { kind: 'connected', helperVersion: '1' },
      tunnels: [{ name: 'office', phase: 'off', stored: true, owner: 'alice', canChange: false }],
    });
    expect(tunnels.rows[0]).toMatchObject({ name: 'office', owner: 'alice', canChange: false });
    await tunnels.toggle('office', true);
    expect(api.calls.filter((c) => c.name === 'setTunnel')).toEqual([{ name: 'setTunnel', args: ['office', true] }]);
  });

  it('keeps a refusal beside the tunnel', async () => {
    const { tunnels } = setup({ setTunnel: async () => Promise.reject(new Error('no TUN device')) });
    await tunnels.toggle('work', true);
    expect(tunnels.rows.find((r) => r.name === 'work')?.error).toBe('Could not turn on: no TUN device');
  });

  it('allows toggling only while connected', () => {
    const { api, tunnels } = setup();
    expect(tunnels.canToggle).toBe(true);
    api.emitState({ connection: { kind: 'connecting' }, tunnels: [] });
    expect(tunnels.canToggle).toBe(false);
  });
});
