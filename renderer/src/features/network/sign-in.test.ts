import { describe, expect, it } from 'vitest';
import type { NetworkView } from '../../../../shared/bridge/types.js';
import { deferred, fakeApi } from '../../testing/fake-api.js';
import { SignIn } from './sign-in.svelte.js';

const PORTAL: NetworkView = {
  networkManager: true,
  primary: { kind: 'wifi', name: 'Café', ssid: 'Café' },
  signInNeeded: true,
  portalHole: null,
};

describe('SignIn', () => {
  it('shows only when a sign-in is needed or the hole is open, and counts down to its end', () => {
    let now = 1_000;
    const signIn = new SignIn(fakeApi(), () => now);
    expect(signIn.shown(undefined)).toBe(false);
    expect(signIn.shown({ ...PORTAL, signInNeeded: false })).toBe(false);
    expect(signIn.shown(PORTAL)).toBe(true);
    const open = { ...PORTAL, signInNeeded: false, portalHole: { until: 301_000, openedBy: 'ann' } };
    expect(signIn.shown(open)).toBe(true);
    expect(signIn.secondsLeft(open)).toBe(300);
    now = 61_500;
    signIn.tick();
    expect(signIn.secondsLeft(open)).toBe(240);
    now = 301_000;
    signIn.tick();
    expect(signIn.hole(open)).toBeNull();
    expect(signIn.shown(open)).toBe(false);
  });

  it('opens and closes the hole one call at a time, and says why the helper refused', async () => {
    const answer = deferred<NetworkView>();
    let refuse = false;
    const api = fakeApi({
      openPortalHole: () =>
        refuse ? Promise.reject(new Error('no tunnel blocks untunneled traffic')) : answer.promise,
    });
    const signIn = new SignIn(api, () => 0);
    const opening = signIn.open();
    expect(signIn.busy).toBe(true);
    await signIn.open();
    answer.resolve({ ...PORTAL, portalHole: { until: 300_000, openedBy: 'ann' } });
    await opening;
    expect(signIn.busy).toBe(false);
    await signIn.done();
    expect(api.calls.map((c) => c.name)).toEqual(['openPortalHole', 'closePortalHole']);
    refuse = true;
    await signIn.open();
    expect(signIn.error).toBe('Could not open the way to the sign-in page: no tunnel blocks untunneled traffic');
  });
});
