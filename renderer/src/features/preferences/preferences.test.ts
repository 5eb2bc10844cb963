import { describe, expect, it } from 'vitest';
import type { Preferences } from '../../../../shared/bridge/types.js';
import { deferred, fakeApi } from '../../testing/fake-api.js';
import { PreferencesState } from './preferences.svelte.js';

describe('PreferencesState', () => {
  it("reads the preferences, changes them in turn, and shows main's answer", async () => {
    const api = fakeApi();
    const prefs = new PreferencesState(api);
    await prefs.load();
    expect(prefs.preferences).toEqual({ startAtLogin: false, notifications: 'all', closeWindow: 'tray' });
    const held = deferred<void>();
    let kept: Preferences = { startAtLogin: false, notifications: 'all', closeWindow: 'tray' };
    const slow = fakeApi({
      getPreferences: async () => kept,
      setPreferences: async (p) => {
        await held.promise;
        return (kept = { ...kept, ...p });
      },
    });
    const other = new PreferencesState(slow);
    await other.load();
    const first = other.set('notifications', 'failures');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(other.saving).toBe('notifications');
    // A change made meanwhile follows it; setting what is already set asks nothing.
    const second = other.set('startAtLogin', true);
    const third = other.set('closeWindow', 'tray');
    held.resolve();
    await Promise.all([first, second, third]);
    expect(other.preferences).toEqual({ startAtLogin: true, notifications: 'failures', closeWindow: 'tray' });
    expect(slow.calls.filter((c) => c.name === 'setPreferences')).toEqual([
      { name: 'setPreferences', args: [{ notifications: 'failures' }] },
      { name: 'setPreferences', args: [{ startAtLogin: true }] },
    ]);
  });

  it('keeps what main has when a change fails, and says why', async () => {
    const api = fakeApi({
      setPreferences: async () => {
        throw new Error('EACCES: permission denied, open /home/ann/.config/autostart/warren.desktop');
      },
    });
    const prefs = new PreferencesState(api);
    await prefs.load();
    await prefs.set('startAtLogin', true);
    expect(prefs.preferences?.startAtLogin).toBe(false);
    expect(prefs.error).toBe(
      'Could not change the preference: EACCES: permission denied, open /home/ann/.config/autostart/warren.desktop',
    );
    expect(prefs.saving).toBeNull();
  });
});
