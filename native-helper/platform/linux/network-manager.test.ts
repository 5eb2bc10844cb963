// NetworkManager over D-Bus, against a stand-in on a private dbus-daemon (testing/fake-network-manager.ts): which
// network this is (kind, name, SSID, resolvers, connectivity) and its changes as NetworkManager signals them;
// leaving an interface alone; and no bus, no NetworkManager, NetworkManager leaving and coming back, or a signal
// from someone else never crash and never mislead. The real NetworkManager is test/netns/network-manager-real.
import { Message, Variant, sessionBus } from 'dbus-next';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NetworkIdentity, NetworkIdentityWatch } from '../types.js';
import {
  NM_MANAGER,
  NM_PATH,
  NetworkManagerClient,
  NetworkManagerUnavailable,
  connectivityOf,
  networkKind,
  ssidText,
  watchNetworkManager,
} from './network-manager.js';
import { PROPERTIES } from './system-bus.js';
import { type PrivateBus, hasDbusDaemon, startPrivateBus } from './testing/fake-logind.js';
import { type FakeNetwork, FakeNetworkManager } from './testing/fake-network-manager.js';

const CAFE: FakeNetwork = {
  kind: 'wifi',
  name: 'Café Wi-Fi',
  uuid: '5b1e7c52-0000-4000-8000-00000000cafe',
  device: 'wlan0',
  ssid: 'Café ☕',
  dns4: ['192.168.1.1', '192.168.1.2'],
  gateway4: '192.168.1.1',
  dns6: ['fd00::53'],
  gateway6: 'fe80::1',
};
const WIRED: FakeNetwork = {
  kind: 'ethernet',
  name: 'Wired connection 1',
  uuid: 'wired-1',
  device: 'eth0',
  dns4: ['10.0.0.1'],
};

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('NetworkManager words', () => {
  it('spells SSIDs as UTF-8 when they are, and escapes every other byte (and the backslash) as \\xNN', () => {
    expect(ssidText(Buffer.from('Café ☕'))).toBe('Café ☕');
    expect(ssidText(Buffer.from([0x48, 0x6f, 0xff, 0x6d, 0x65]))).toBe('Ho\\xffme');
    expect(ssidText(Buffer.from([0x61, 0x5c, 0xc3]))).toBe('a\\x5c\\xc3');
    expect(ssidText(Buffer.from('tab\there'))).toBe('tab\\x09here');
    expect(ssidText(Buffer.alloc(0))).toBeNull();
  });

  it('tells Wi-Fi, wired and other connections apart, and reads NMConnectivityState', () => {
    expect(networkKind('802-11-wireless')).toBe('wifi');
    for (const type of ['802-3-ethernet', 'vlan', 'bond', 'bridge']) expect(networkKind(type)).toBe('ethernet');
    for (const type of ['gsm', 'bluetooth', 'wireguard', 'vpn', '']) expect(networkKind(type)).toBe('other');
    expect([0, 1, 2, 3, 4, 9, 'x'].map(connectivityOf)).toEqual([
      'unknown',
      'none',
      'portal',
      'limited',
      'full',
      'unknown',
      'unknown',
    ]);
  });
});

describe.skipIf(!hasDbusDaemon)('NetworkManager on a private bus', () => {
  let bus: PrivateBus;
  let nm: FakeNetworkManager;
  let watch: NetworkIdentityWatch | null;
  let seen: NetworkIdentity[];

  beforeEach(async () => {
    bus = await startPrivateBus();
    nm = await FakeNetworkManager.start(bus.address);
    watch = null;
    seen = [];
  });
  afterEach(async () => {
    await watch?.close();
    await nm.stop();
    await bus.stop();
  });

  const follow = async (): Promise<NetworkIdentityWatch> => {
    watch = watchNetworkManager((identity) => seen.push(identity), {
      address: bus.address,
      settleMs: 10,
      retryMs: 100,
    });
    await watch.ready;
    return watch;
  };

  it('reads the primary connection: Wi-Fi with its SSID, interface, resolvers and gateways, and connectivity', async () => {
    nm.connect(CAFE);
    nm.setConnectivity('portal');
    const client = await NetworkManagerClient.connect({ address: bus.address });
    try {
      expect(await client.identity()).toEqual({
        available: true,
        problem: null,
        connectivity: 'portal',
        primary: {
          id: CAFE.uuid,
          name: 'Café Wi-Fi',
          kind: 'wifi',
          type: '802-11-wireless',
          device: 'wlan0',
          ssid: 'Café ☕',
          dnsServers: ['192.168.1.1', '192.168.1.2', 'fd00::53'],
          gateways: ['192.168.1.1', 'fe80::1'],
        },
      });
      nm.connect({ ...CAFE, ssid: undefined, uuid: 'hidden' });
      expect((await client.identity()).primary).toMatchObject({ kind: 'wifi', ssid: null });
      nm.disconnect();
      expect(await client.identity()).toEqual({ available: true, problem: null, primary: null, connectivity: 'none' });
    } finally {
      client.close();
    }
  });

  it('follows network changes as NetworkManager signals them, once per change, and not for signal strength', async () => {
    await follow();
    expect(seen.at(-1)).toMatchObject({ available: true, primary: null });
    nm.connect(CAFE);
    await until(() => seen.at(-1)?.primary?.ssid === 'Café ☕', 'the café');
    nm.setConnectivity('portal');
    await until(() => seen.at(-1)?.connectivity === 'portal', 'the portal');
    const count = seen.length;
    nm.signalStrength(30);
    nm.signalStrength(80);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(count);
    nm.connect(WIRED);
    await until(() => seen.at(-1)?.primary?.kind === 'ethernet', 'the wire');
    expect(seen.at(-1)?.primary).toMatchObject({ name: 'Wired connection 1', device: 'eth0', ssid: null });
    expect(watch!.current()).toEqual(seen.at(-1));
  });

  it('asks for a connectivity check, and sees what it found', async () => {
    nm.connect(CAFE);
    nm.setConnectivity('limited');
    await follow();
    nm.checkResult = 'full';
    expect(await watch!.checkConnectivity()).toBe('full');
    await until(() => seen.at(-1)?.connectivity === 'full', 'the check');
    expect(nm.calls).toContain('CheckConnectivity');
  });

  it('ignores a look-alike signal from someone else on the bus', async () => {
    nm.connect(CAFE);
    await follow();
    const count = seen.length;
    const other = sessionBus({ busAddress: bus.address });
    try {
      await new Promise((resolve) => other.once('connect', resolve));
      other.send(
        Message.newSignal(NM_PATH, PROPERTIES, 'PropertiesChanged', 'sa{sv}as', [
          NM_MANAGER,
          { Connectivity: new Variant('u', 2) },
          [],
        ]),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(seen).toHaveLength(count);
      expect(watch!.current().connectivity).toBe('none');
    } finally {
      other.disconnect();
    }
  });

  it('says so when NetworkManager leaves the bus, and follows it again when it is back', async () => {
    nm.connect(CAFE);
    await follow();
    await nm.stop();
    await until(() => seen.at(-1)?.available === false, 'NetworkManager gone');
    expect(seen.at(-1)?.problem).toBe('NetworkManager stopped');
    nm = await FakeNetworkManager.start(bus.address);
    nm.connect(WIRED);
    await until(() => seen.at(-1)?.primary?.kind === 'ethernet', 'NetworkManager back');
  });

  it('waits for NetworkManager when the bus has none yet', async () => {
    await nm.stop();
    await follow();
    expect(watch!.current()).toMatchObject({
      available: false,
      problem: expect.stringMatching(/NetworkManager is not running/),
    });
    nm = await FakeNetworkManager.start(bus.address);
    nm.connect(CAFE);
    await until(() => seen.at(-1)?.primary?.kind === 'wifi', 'NetworkManager started');
  });

  it('says there is no system bus, without throwing, and tries again later', async () => {
    watch = watchNetworkManager((identity) => seen.push(identity), {
      address: 'unix:path=/nonexistent/bus',
      retryMs: 50,
    });
    await watch.ready;
    expect(watch.current()).toMatchObject({
      available: false,
      problem: expect.stringMatching(/no system bus at unix:path=\/nonexistent\/bus.*on-demand needs NetworkManager/),
    });
    await expect(NetworkManagerClient.connect({ address: 'unix:path=/nonexistent/bus' })).rejects.toBeInstanceOf(
      NetworkManagerUnavailable,
    );
    await new Promise((resolve) => setTimeout(resolve, 120)); // retried, still nothing, still no throw
    expect(watch.current().available).toBe(false);
  });

  it('tells NetworkManager to leave an interface alone, waiting for it to see the interface', async () => {
    const client = await NetworkManagerClient.connect({ address: bus.address });
    try {
      expect(await client.leaveAlone('wt9', 100)).toBe(false);
      setTimeout(() => nm.addDevice('wt0'), 50); // it learns of the link a moment after it appears
      expect(await client.leaveAlone('wt0')).toBe(true);
      expect(nm.managed('wt0')).toBe(false);
      // Set even where NetworkManager says it does not manage it (yet): a TUN without an address is unmanaged only
      // until it gets one, unless someone set it so.
      nm.addDevice('wt1', false);
      expect(await client.leaveAlone('wt1')).toBe(true);
      expect(nm.calls).toContain('Set org.freedesktop.NetworkManager.Device.Managed');
      expect(nm.calls.filter((call) => call === 'Set org.freedesktop.NetworkManager.Device.Managed')).toHaveLength(2);
    } finally {
      client.close();
    }
  });
});
