import { describe, expect, it } from 'vitest';
import type { TunnelSettings } from '../../../../shared/bridge/types.js';
import { deferred, fakeApi } from '../../testing/fake-api.js';
import { TunnelSettingsState } from './tunnel-settings.svelte.js';

const OFF: TunnelSettings = {
  startWithSystem: false,
  blockUntunneled: false,
  allowBridges: false,
  allowScripts: false,
  excludePrivateIps: false,
  onDemand: { ethernet: false, wifi: 'never', ssids: [] },
};

describe('TunnelSettingsState', () => {
  it('reads the settings (never the config: anyone may see them) and shows what the helper answers to a change', async () => {
    const api = fakeApi({
      getTunnelSettings: async () => ({ ...OFF, startWithSystem: true }),
      setTunnelSettings: async (_name, changes) => ({ ...OFF, startWithSystem: true, ...changes, allowBridges: false }),
    });
    const state = new TunnelSettingsState(api);
    await state.load('home');
    expect(state.settings).toEqual({ ...OFF, startWithSystem: true });
    expect(api.calls.map((c) => c.name)).toEqual(['getTunnelSettings']);
    await state.request('blockUntunneled', true);
    expect(api.calls.filter((c) => c.name === 'setTunnelSettings')).toEqual([
      { name: 'setTunnelSettings', args: ['home', { blockUntunneled: true }] },
    ]);
    expect(state.settings).toEqual({ ...OFF, startWithSystem: true, blockUntunneled: true });
    expect(state.saving).toBeNull();
  });

  it('asks before allowing scripts, and turns them off without asking', async () => {
    const api = fakeApi();
    const state = new TunnelSettingsState(api);
    await state.load('home');
    await state.request('allowScripts', true);
    expect(state.confirmingScripts).toBe(true);
    expect(api.calls.some((c) => c.name === 'setTunnelSettings')).toBe(false);
    state.cancelScripts();
    expect(state.confirmingScripts).toBe(false);
    await state.request('allowScripts', true);
    await state.confirmScripts();
    expect(state.settings?.allowScripts).toBe(true);
    await state.request('allowScripts', false);
    expect(api.calls.filter((c) => c.name === 'setTunnelSettings').map((c) => c.args[1])).toEqual([
      { allowScripts: true },
      { allowScripts: false },
    ]);
  });

  it("stays busy on scripts while the administrator's password is asked for, and says why they stay off", async () => {
    const password = deferred<TunnelSettings>();
    const api = fakeApi({ setTunnelSettings: () => password.promise });
    const state = new TunnelSettingsState(api);
    await state.load('home');
    await state.request('allowScripts', true);
    const confirmed = state.confirmScripts();
    expect(state.saving).toBe('allowScripts');
    password.reject(new Error('Scripts stay off: administrator authentication was cancelled or failed.'));
    await confirmed;
    expect(state.saving).toBeNull();
    expect(state.settings?.allowScripts).toBe(false);
    expect(state.error).toBe(
      'Could not change the setting: Scripts stay off: administrator authentication was cancelled or failed.',
    );
  });

  it('takes one change at a time and says why one failed', async () => {
    const answer = deferred<TunnelSettings>();
    let calls = 0;
    const api = fakeApi({
      setTunnelSettings: async () => {
        calls++;
        if (calls === 1) return answer.promise;
        throw new Error('not allowed');
      },
    });
    const state = new TunnelSettingsState(api);
    await state.load('home');
    const first = state.request('excludePrivateIps', true);
    expect(state.saving).toBe('excludePrivateIps');
    await state.request('startWithSystem', true);
    expect(calls).toBe(1);
    answer.resolve({ ...OFF, excludePrivateIps: true });
    await first;
    await state.request('startWithSystem', true);
    expect(state.error).toBe('Could not change the setting: not allowed');
    expect(state.settings?.excludePrivateIps).toBe(true);
  });

  it('drops the answer for a tunnel no longer shown', async () => {
    const slow = deferred<TunnelSettings>();
    const api = fakeApi({ getTunnelSettings: async (name) => (name === 'slow' ? slow.promise : OFF) });
    const state = new TunnelSettingsState(api);
    const first = state.load('slow');
    await state.load('work');
    slow.resolve({ ...OFF, allowScripts: true });
    await first;
    expect(state.name).toBe('work');
    expect(state.settings).toEqual(OFF);
  });

  it('sends the on-demand rules whole, and holds a Wi-Fi choice that names networks until one is added', async () => {
    const api = fakeApi({
      getTunnelSettings: async () => OFF,
      setTunnelSettings: async (_name, changes) => ({ ...OFF, ...changes }),
    });
    const state = new TunnelSettingsState(api);
    await state.load('home');
    await state.setEthernet(true);
    await state.chooseWifi('except');
    expect(state.wifi).toBe('except');
    expect(state.settings?.onDemand.wifi).toBe('never');
    await state.addSsid('  Home ');
    await state.addSsid('Home');
    await state.removeSsid('Home');
    const sent = api.calls.filter((c) => c.name === 'setTunnelSettings').map((c) => c.args[1]);
    expect(sent).toEqual([
      { onDemand: { ethernet: true, wifi: 'never', ssids: [] } },
      { onDemand: { ethernet: true, wifi: 'except', ssids: ['Home'] } },
      { onDemand: { ethernet: true, wifi: 'except', ssids: ['Home'] } },
      // The last network gone: 'except' with none would be refused, so Wi-Fi goes back to never.
      { onDemand: { ethernet: true, wifi: 'never', ssids: [] } },
    ]);
    expect(state.pendingWifi).toBeNull();
    expect(state.wifi).toBe('never');
  });

  it("says why rules were refused and keeps the helper's", async () => {
    const api = fakeApi({
      getTunnelSettings: async () => OFF,
      setTunnelSettings: async () => {
        throw new Error('on-demand: an SSID has at most 32 bytes');
      },
    });
    const state = new TunnelSettingsState(api);
    await state.load('home');
    await state.chooseWifi('only');
    await state.addSsid('x'.repeat(200));
    expect(state.error).toBe('Could not change the setting: on-demand: an SSID has at most 32 bytes');
    expect(state.settings?.onDemand).toEqual(OFF.onDemand);
    expect(state.wifi).toBe('only');
  });
});
