// "Sign in to this network", in memory: the hole opens only with NetworkManager, a network and a kill switch, for
// the network's own interface and resolvers; it closes by itself when its time is up, when the network changes and
// when NetworkManager's check says the internet is reachable; every step logged. Through the helper: any member
// may open it, and subscribers see it. What the hole lets through is platform/linux/portal-hole-netns.test.ts's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlEvent } from '../../shared/ipc/control.js';
import { MemoryPlatform } from '../platform/memory/index.js';
import type { NetworkIdentity } from '../platform/types.js';
import { ControlFailure } from './control-server.js';
import { HelperLog } from './helper-log.js';
import { NetworkIdentityTracker } from './network-identity.js';
import { PortalHole } from './portal-hole.js';
import { BOB, MemoryHelper, wifi } from './testing/memory-helper.js';
import { eventually, keyPair, tunnelText } from './testing/memory-tunnels.js';

const KILL_SWITCH = { fwmark: 51820, endpoints: [], allowLan: false, allowBridges: false, dnsServers: [] };

describe('the sign-in hole', () => {
  let platform: MemoryPlatform;
  let log: HelperLog;
  let network: NetworkIdentityTracker;
  let hole: PortalHole;
  let changes: number;

  beforeEach(async () => {
    platform = new MemoryPlatform();
    log = new HelperLog({ output: () => {} });
    network = new NetworkIdentityTracker(platform, log);
    changes = 0;
    hole = new PortalHole({ platform, network, log, changed: () => changes++ });
    platform.system.setIdentity(wifi('Hotel', 'portal'));
    await network.start();
  });
  afterEach(async () => {
    await hole.close('the test is over');
    await network.close();
  });

  const messages = () => log.entries(100).map((entry) => `${entry.level} ${entry.message}`);
  const refusal = async (seconds = 60) => {
    try {
      await hole.open('alice', seconds);
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(ControlFailure);
      return (error as ControlFailure).code;
    }
  };

  it('opens for the network of now, says so, asks NetworkManager to check again, and closes when asked', async () => {
    await platform.killSwitch.apply('wa', KILL_SWITCH);
    const before = Date.now();
    await hole.open('alice', 120);
    expect(platform.log).toContain('portal hole wlan0 dns 192.168.1.1 120 s');
    expect(hole.status).toEqual({ until: expect.any(Number), openedBy: 'alice', device: 'wlan0' });
    expect(hole.status!.until).toBeGreaterThanOrEqual(before + 120_000);
    expect(hole.status!.until).toBeLessThanOrEqual(Date.now() + 120_000);
    expect(messages()).toContain(
      'warn sign-in hole opened by alice for 2 min: out of wlan0, DNS to 192.168.1.1 and HTTP/HTTPS to anywhere pass the kill switch',
    );
    await eventually(() => platform.log.includes('check connectivity'));
    expect(changes).toBe(1);
    expect(await hole.close('closed by alice')).toBe(true);
    expect(platform.log.at(-1)).toBe('undo portal hole wlan0');
    expect(hole.status).toBeNull();
    expect(messages()).toContain('info sign-in hole closed: closed by alice');
    expect(await hole.close('again')).toBe(false);
  });

  it('refuses without a kill switch, a network, or NetworkManager, saying which', async () => {
    expect(await refusal()).toBe('not-blocking');
    await platform.killSwitch.apply('wa', KILL_SWITCH);
    platform.system.setIdentity({ available: true, problem: null, primary: null, connectivity: 'none' });
    expect(await refusal()).toBe('no-network');
    platform.system.setIdentity({
      available: false,
      problem: 'NetworkManager stopped',
      primary: null,
      connectivity: 'unknown',
    });
    expect(await refusal()).toBe('no-network-manager');
    expect(platform.system.portalHole).toBeNull();
  });

  it('closes by itself when its time is up', async () => {
    await platform.killSwitch.apply('wa', KILL_SWITCH);
    await hole.open('alice', 0.05);
    await eventually(() => hole.status === null);
    expect(platform.system.portalHole).toBeNull();
    expect(messages()).toContain('info sign-in hole closed: its time is up');
  });

  it('closes when the network changes, and when NetworkManager then reaches the internet (signed in)', async () => {
    await platform.killSwitch.apply('wa', KILL_SWITCH);
    await hole.open('alice', 300);
    platform.system.setIdentity(wifi('Airport', 'portal'));
    await eventually(() => hole.status === null);
    expect(messages()).toContain('info sign-in hole closed: the network changed');

    await hole.open('alice', 300);
    platform.system.setIdentity(wifi('Airport', 'limited')); // still behind the portal
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hole.status).not.toBeNull();
    platform.system.connectivityCheck = 'full';
    await network.checkConnectivity();
    await eventually(() => hole.status === null);
    expect(messages()).toContain('info sign-in hole closed: NetworkManager reaches the internet now: signed in');
  });

  it('opening again moves the end', async () => {
    await platform.killSwitch.apply('wa', KILL_SWITCH);
    await hole.open('alice', 60);
    const first = hole.status!.until;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await hole.open('bob', 300);
    expect(hole.status).toMatchObject({ openedBy: 'bob' });
    expect(hole.status!.until).toBeGreaterThan(first);
  });
});

describe('which network the helper says it is on', () => {
  it('keeps a portal NetworkManager saw while its checks go limited, until the check passes or the network changes', async () => {
    const platform = new MemoryPlatform();
    const network = new NetworkIdentityTracker(platform, new HelperLog({ output: () => {} }));
    const seen: [NetworkIdentity, boolean][] = [];
    network.listen((identity, changed) => seen.push([identity, changed]));
    platform.system.setIdentity(wifi('Hotel', 'full'));
    await network.start();
    expect(network.status(null)).toEqual({
      networkManager: true,
      primary: { kind: 'wifi', name: 'Hotel', device: 'wlan0', ssid: 'Hotel' },
      connectivity: 'full',
      portal: false,
      portalHole: null,
    });
    for (const [connectivity, portal] of [
      ['portal', true],
      ['limited', true],
      ['none', true],
      ['full', false],
      ['portal', true],
    ] as const) {
      platform.system.setIdentity(wifi('Hotel', connectivity));
      expect(network.portal, connectivity).toBe(portal);
    }
    platform.system.setIdentity(wifi('Airport', 'limited'));
    expect(network.portal).toBe(false);
    expect(seen.map(([identity, changed]) => `${identity.primary?.ssid} ${identity.connectivity} ${changed}`)).toEqual([
      'Hotel full true',
      'Hotel portal false',
      'Hotel limited false',
      'Hotel none false',
      'Hotel full false',
      'Hotel portal false',
      'Airport limited true',
    ]);
    await network.close();
  });
});

describe('the sign-in hole through the helper', () => {
  let memory: MemoryHelper;
  beforeEach(async () => {
    memory = await MemoryHelper.start();
  });
  afterEach(() => memory.close());

  it('lets any member open it over a tunnel that blocks, shows it in the network status and events, and close it', async () => {
    const root = await memory.as(0);
    const text = tunnelText({
      key: keyPair(),
      address: '10.9.0.1/24',
      peer: keyPair(),
      allowedIps: '0.0.0.0/0',
      endpoint: '192.0.2.99:51820',
    });
    await root.call('import', { files: [{ filename: 'wa.conf', text }] });
    const bob = await memory.as(BOB);
    memory.host.system.setIdentity(wifi('Hotel', 'portal'));
    await eventually(async () => (await bob.call('network', {})).portal);
    await expect(bob.call('openPortalHole', {})).rejects.toMatchObject({ code: 'not-blocking' });
    await bob.call('up', { name: 'wa' }); // a full tunnel with one peer: its kill switch is on by default

    const events: ControlEvent[] = [];
    await bob.call('subscribe', {});
    bob.onEvent((event) => events.push(event));
    const opened = await bob.call('openPortalHole', { seconds: 120 });
    expect(opened).toMatchObject({
      connectivity: 'portal',
      portal: true,
      portalHole: { openedBy: 'bob', device: 'wlan0' },
    });
    expect(memory.host.system.portalHole).toEqual({ device: 'wlan0', dnsServers: ['192.168.1.1'], seconds: 120 });
    await eventually(() =>
      events.some((event) => event.type === 'network' && event.network.portalHole?.openedBy === 'bob'),
    );
    await expect(bob.call('openPortalHole', { seconds: 601 })).rejects.toMatchObject({ code: 'invalid-request' });

    expect((await bob.call('closePortalHole', {})).portalHole).toBeNull();
    expect(memory.host.system.portalHole).toBeNull();
    const logged = (await bob.call('logs', {})).map((entry) => entry.message);
    expect(logged).toContain('sign-in hole closed: closed by bob');
  });
});
