// The on-demand decision, case by case: every Wi-Fi mode on listed, unlisted and hidden networks, Ethernet with and
// without its rule, the networks and states it leaves alone, and a switch by hand.
import { describe, expect, it } from 'vitest';
import type { OnDemandRules } from '../../shared/ipc/control.js';
import { type OnDemandNetwork, decideOnDemand, networkKey } from './on-demand-rules.js';

const wifi = (ssid: string | null): OnDemandNetwork => ({ kind: 'wifi', name: ssid ?? 'Hidden', ssid });
const ethernet: OnDemandNetwork = { kind: 'ethernet', name: 'Wired connection 1', ssid: null };
const rules = (wifiMode: OnDemandRules['wifi'], ethernetRule = false, ssids = ['Home', 'Office']): OnDemandRules => ({
  ethernet: ethernetRule,
  wifi: wifiMode,
  ssids,
});
const wants = (r: OnDemandRules, network: OnDemandNetwork) => decideOnDemand(r, network, false)?.wants;

describe('decideOnDemand', () => {
  it('is not in charge of a tunnel without rules, or whose rules bring it up nowhere', () => {
    expect(decideOnDemand(undefined, wifi('Café'), false)).toBeNull();
    expect(decideOnDemand(rules('never'), wifi('Café'), false)).toBeNull();
    expect(decideOnDemand(rules('never', false, []), ethernet, true)).toBeNull();
  });

  it('Wi-Fi any: up on every Wi-Fi network, hidden ones too', () => {
    for (const ssid of ['Home', 'Café', null]) expect(wants(rules('any'), wifi(ssid))).toBe('up');
  });

  it('Wi-Fi only: up on the listed networks, down elsewhere, and a hidden network is listed nowhere', () => {
    expect(wants(rules('only'), wifi('Office'))).toBe('up');
    expect(wants(rules('only'), wifi('Café'))).toBe('down');
    expect(wants(rules('only'), wifi(null))).toBe('down');
  });

  it('Wi-Fi except: down on the trusted networks, up on every other, hidden ones too', () => {
    expect(wants(rules('except'), wifi('Home'))).toBe('down');
    expect(wants(rules('except'), wifi('Café'))).toBe('up');
    expect(wants(rules('except'), wifi(null))).toBe('up');
    // SSIDs are bytes: another spelling is another network.
    expect(wants(rules('except'), wifi('home'))).toBe('up');
    expect(wants(rules('except'), wifi('Home '))).toBe('up');
  });

  it('Wi-Fi never with Ethernet on: down on Wi-Fi', () => {
    expect(wants(rules('never', true), wifi('Café'))).toBe('down');
  });

  it('Ethernet: up with its rule, down without it (the tunnel is on for Wi-Fi only then)', () => {
    expect(wants(rules('never', true), ethernet)).toBe('up');
    expect(wants(rules('any', false), ethernet)).toBe('down');
  });

  it('leaves it as it is without a network, on another kind of network, and without NetworkManager', () => {
    for (const network of [
      null,
      { kind: 'other', name: 'Mobile', ssid: null } as const,
      { unavailable: 'NetworkManager is not running' },
    ]) {
      const decision = decideOnDemand(rules('any', true), network, false);
      expect(decision).toMatchObject({ wants: null, act: false, overridden: false });
    }
    expect(decideOnDemand(rules('any'), { unavailable: 'no system bus' }, false)?.reason).toBe(
      'on-demand needs NetworkManager: no system bus',
    );
    expect(decideOnDemand(rules('any'), { kind: 'other', name: 'Mobile', ssid: null }, false)?.reason).toBe(
      '“Mobile” is neither Wi-Fi nor Ethernet; left as it is',
    );
  });

  it('acts on what it wants, says why, and after a switch by hand only says what it would do', () => {
    expect(decideOnDemand(rules('except'), wifi('Café'), false)).toEqual({
      wants: 'up',
      act: true,
      overridden: false,
      reason: 'up: Wi-Fi “Café” is not a trusted network',
    });
    expect(decideOnDemand(rules('except'), wifi('Home'), false)?.reason).toBe(
      'down: on Wi-Fi “Home”, a trusted network',
    );
    expect(decideOnDemand(rules('only'), wifi('Office'), false)?.reason).toBe(
      'up: on Wi-Fi “Office”, one of the networks it is for',
    );
    expect(decideOnDemand(rules('except'), wifi('Café'), true)).toEqual({
      wants: 'up',
      act: false,
      overridden: true,
      reason:
        'switched by hand: on-demand takes over again when the network changes (its rules say up: Wi-Fi “Café” is not a trusted network)',
    });
  });
});

describe('networkKey', () => {
  it('changes with the connection, its kind or its SSID, and is null without a network', () => {
    const cafe = { id: 'uuid-1', kind: 'wifi' as const, ssid: 'Café' };
    expect(networkKey(cafe)).toBe(networkKey({ ...cafe }));
    expect(networkKey(cafe)).not.toBe(networkKey({ ...cafe, ssid: 'Home' }));
    expect(networkKey(cafe)).not.toBe(networkKey({ ...cafe, id: 'uuid-2' }));
    expect(networkKey(null)).toBeNull();
  });
});
