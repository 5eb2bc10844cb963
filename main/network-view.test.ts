import { describe, expect, it } from 'vitest';
import type { NetworkStatus, TunnelSummary } from '../shared/ipc/control.js';
import { networkView } from './network-view.js';

const CAFE: NetworkStatus = {
  networkManager: true,
  primary: { kind: 'wifi', name: 'Café', device: 'wlan0', ssid: 'Café' },
  connectivity: 'portal',
  portal: true,
  portalHole: null,
};

function tunnel(state: TunnelSummary['state'], blockUntunneled: boolean): TunnelSummary {
  return {
    name: 'home',
    state,
    origin: 'store',
    options: { autostart: false, blockUntunneled, allowBridges: false, allowScripts: false, excludePrivateIps: false },
    canChange: true,
  };
}

describe('networkView', () => {
  it('offers a sign-in only with a portal (or a limited check) and a running tunnel that blocks', () => {
    expect(networkView(CAFE, [tunnel('up', true)])).toEqual({
      networkManager: true,
      primary: { kind: 'wifi', name: 'Café', ssid: 'Café' },
      signInNeeded: true,
      portalHole: null,
    });
    expect(networkView({ ...CAFE, portal: false, connectivity: 'limited' }, [tunnel('up', true)]).signInNeeded).toBe(
      true,
    );
    expect(networkView(CAFE, [tunnel('up', false)]).signInNeeded).toBe(false);
    expect(networkView(CAFE, [tunnel('down', true)]).signInNeeded).toBe(false);
    expect(networkView({ ...CAFE, portal: false, connectivity: 'full' }, [tunnel('up', true)]).signInNeeded).toBe(
      false,
    );
  });

  it('passes on the hole (not the interface) and why NetworkManager is absent', () => {
    const open = networkView({ ...CAFE, portalHole: { until: 5000, openedBy: 'ann', device: 'wlan0' } }, []);
    expect(open.portalHole).toEqual({ until: 5000, openedBy: 'ann' });
    const none = networkView(
      {
        networkManager: false,
        unavailable: 'NetworkManager is not running',
        primary: null,
        connectivity: 'unknown',
        portal: false,
        portalHole: null,
      },
      [tunnel('up', true)],
    );
    expect(none).toEqual({
      networkManager: false,
      unavailable: 'NetworkManager is not running',
      primary: null,
      signInNeeded: false,
      portalHole: null,
    });
  });
});
