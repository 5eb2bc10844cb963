// "Sign in to this network", in memory: the hole opens only with NetworkManager, a network and a kill switch, for
// the network's own interface and resolvers; it closes by itself when its time is up, when the network changes and
// when NetworkManager's check says the internet is reachable; every step logged. While it is open, name lookups go
// to the network's resolvers, and the tunnels' DNS comes back as it closes, whichever way, but not onto a tunnel
// that went down. Through the helper: any member may open it, subscribers see it, and a crash with it open leaves
// the tunnel's DNS right after the restart. What the hole lets through, and a lookup through it with the
// resolv.conf method, are platform/linux/portal-hole-netns.test.ts's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlEvent } from '../../shared/ipc/control.js';
import { MemoryPlatform } from '../platform/memory/index.js';
import type { DnsMethod, NetworkIdentity, TunnelHandle } from '../platform/types.js';
import { ControlFailure } from './control-server.js';
import { HelperLog } from './helper-log.js';
import { NetworkIdentityTracker } from './network-identity.js';
import { PortalHole } from './portal-hole.js';
import { BOB, MemoryHelper, wifi } from './testing/memory-helper.js';
import { eventually, keyPair, parsed, tunnelText } from './testing/memory-tunnels.js';

const KILL_SWITCH = { fwmark: 51820, endpoints: [], allowLan: false, allowBridges: false, dnsServers: [] };
/** A tunnel with DNS: its resolver, reachable only through the tunnel, and a search domain. */
const TUNNEL_DNS = 'dns wa 10.9.0.53 corp.example';
const NETWORK_DNS = 'dns wa 192.168.1.1';
const DNS_LINE = 'DNS = 10.9.0.53, corp.example';
const withDns = () =>
  parsed(
    tunnelText({
      key: keyPair(),
      address: '10.9.0.1/24',
      peer: keyPair(),
      allowedIps: '0.0.0.0/0',
      interfaceLines: [DNS_LINE],
    }),
  );

describe('the sign-in hole', () => {
  let platform: MemoryPlatform;
  let log: HelperLog;
  let network: NetworkIdentityTracker;
  let hole: PortalHole;
  let changes: number;
  /** The tunnels the hole sees running. */
  let running: TunnelHandle[];

  beforeEach(async () => {
    platform = new MemoryPlatform();
    log = new HelperLog({ output: () => {} });
    network = new NetworkIdentityTracker(platform, log);
    changes = 0;
    running = [];
    hole = new PortalHole({ platform, network, tunnels: { running: () => running }, log, changed: () => changes++ });
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

  /** A tunnel with DNS by `method`, blocking, that the hole sees running. */
  const tunnelUp = async (method: DnsMethod = 'resolv.conf', name = 'wa') => {
    platform.system.dnsMethod = method;
    const handle = await platform.tunnels.up(name, withDns());
    running.push(handle);
    await platform.killSwitch.apply(name, KILL_SWITCH);
    return handle;
  };
  /** The platform's calls since `since`, but the connectivity checks (timed, so not in a fixed place). */
  const callsSince = (since: number) => platform.log.slice(since).filter((line) => line !== 'check connectivity');

  const closings: [string, string, () => Promise<unknown>][] = [
    ['the user closes it', 'closed by alice', () => hole.close('closed by alice')],
    ['its time is up', 'its time is up', () => eventually(() => hole.status === null)],
    [
      'the network changes',
      'the network changed',
      async () => {
        platform.system.setIdentity(wifi('Airport', 'portal'));
        await eventually(() => hole.status === null);
      },
    ],
    [
      "NetworkManager's check says 'full'",
      'NetworkManager reaches the internet now: signed in',
      async () => {
        platform.system.connectivityCheck = 'full';
        await network.checkConnectivity();
        await eventually(() => hole.status === null);
      },
    ],
  ];
  it.each(closings)(
    "hands name lookups to the network's resolvers while open, and the tunnel's DNS back when %s",
    async (_how, why, closeIt) => {
      await tunnelUp('resolv.conf');
      expect(platform.system.inPlace('wa')).toContain(TUNNEL_DNS);
      const since = platform.log.length;
      const seconds = why === 'its time is up' ? 0.5 : 300;
      await hole.open('alice', seconds);
      expect(callsSince(since)).toEqual([
        `portal hole wlan0 dns 192.168.1.1 ${seconds} s`,
        `undo ${TUNNEL_DNS}`,
        NETWORK_DNS,
      ]);
      expect(platform.system.inPlace('wa').filter((line) => line.startsWith('dns '))).toEqual([NETWORK_DNS]);
      expect(messages()).toContain(
        "info sign-in hole: name lookups go to the network's resolvers (192.168.1.1) instead of the tunnel's until it closes",
      );
      expect(log.entries(100).at(-1)).toMatchObject({ tunnel: 'wa' });

      const closing = platform.log.length;
      await closeIt();
      expect(await hole.close('again')).toBe(false); // after the closing under way, which it waits for
      // The hole first, then the tunnel's resolvers, as they were.
      expect(callsSince(closing)).toEqual(['undo portal hole wlan0', `undo ${NETWORK_DNS}`, TUNNEL_DNS]);
      expect(platform.system.inPlace('wa').filter((line) => line.startsWith('dns '))).toEqual([TUNNEL_DNS]);
      expect(
        messages()
          .filter((line) => line.includes('sign-in hole closed'))
          .slice(-2),
      ).toEqual([
        `info sign-in hole closed: ${why}`,
        "info sign-in hole closed: name lookups go to the tunnel's resolvers again",
      ]);
    },
  );

  it("takes back resolved's per-link DNS of the tunnel while open, setting nothing in its place", async () => {
    await tunnelUp('resolvectl');
    await hole.open('alice', 300);
    expect(platform.system.inPlace('wa').filter((line) => line.startsWith('dns '))).toEqual([]);
    expect(platform.log).not.toContain(NETWORK_DNS);
    await hole.close('closed by alice');
    expect(platform.system.inPlace('wa').filter((line) => line.startsWith('dns '))).toEqual([TUNNEL_DNS]);
  });

  it('sets nothing again for a tunnel that went down while it was open', async () => {
    const handle = await tunnelUp('resolv.conf');
    await hole.open('alice', 300);
    const downAt = platform.log.length;
    await handle.down();
    running = [];
    // Down took back what was in place then: the network's resolvers, the original's backup's.
    expect(platform.log.slice(downAt)).toContain(`undo ${NETWORK_DNS}`);
    const since = platform.log.length;
    await hole.close('closed by alice');
    expect(callsSince(since)).toEqual(['undo portal hole wlan0']);
    expect(platform.system.inPlace('wa')).toEqual([]);
    expect(messages().join('\n')).not.toContain("go to the tunnel's resolvers again");
  });

  it('sets nothing again for a tunnel going down even when the hole still sees it running', async () => {
    const handle = await tunnelUp('resolv.conf');
    await hole.open('alice', 300);
    const down = handle.down(); // under way: the platform's own guard, whatever the helper's list says
    await hole.close('closed by alice');
    await down;
    expect(platform.system.inPlace('wa')).toEqual([]);
    expect(platform.log.filter((line) => line === TUNNEL_DNS)).toHaveLength(1); // its up's, only
  });

  it('hands over the DNS of a tunnel that comes up while it is open, and gives it back with the others', async () => {
    await tunnelUp('resolv.conf');
    await hole.open('alice', 300);
    platform.system.dnsMethod = 'networkmanager';
    running.push(await platform.tunnels.up('wb', withDns()));
    hole.tunnelsChanged();
    await eventually(() => platform.system.inPlace('wb').includes('dns wb 192.168.1.1'));
    hole.tunnelsChanged(); // nothing new: nothing asked twice
    await hole.close('closed by alice');
    expect(platform.log.filter((line) => line.startsWith('dns wb '))).toEqual([
      'dns wb 10.9.0.53 corp.example',
      'dns wb 192.168.1.1',
      'dns wb 10.9.0.53 corp.example',
    ]);
    expect(
      platform.system
        .inPlace()
        .filter((line) => line.startsWith('dns '))
        .sort(),
    ).toEqual([TUNNEL_DNS, 'dns wb 10.9.0.53 corp.example']);
  });

  it("keeps the tunnel's DNS when the network's resolvers cannot be set, and says so", async () => {
    await tunnelUp('resolv.conf');
    platform.system.failAt(NETWORK_DNS);
    await hole.open('alice', 300);
    expect(hole.status).not.toBeNull();
    expect(platform.system.inPlace('wa').filter((line) => line.startsWith('dns '))).toEqual([TUNNEL_DNS]);
    expect(messages().at(-1)).toMatch(
      /^warn sign-in hole: could not hand name lookups to the network's resolvers \(.*failed.*\); they still go to the tunnel's$/,
    );
    const since = platform.log.length;
    await hole.close('closed by alice');
    expect(callsSince(since)).toEqual(['undo portal hole wlan0']);
  });

  it("names the network's interface for an IPv6 link-local resolver, which means nothing without it", async () => {
    await tunnelUp('resolv.conf');
    const home = wifi('Hotel', 'portal');
    const dnsServers = ['fe80::1', '192.168.1.1', 'fe9f::53', 'fec0::1', '2001:db8::53'];
    platform.system.setIdentity({ ...home, primary: { ...home.primary!, dnsServers } });
    await hole.open('alice', 300);
    expect(platform.system.inPlace('wa').filter((line) => line.startsWith('dns '))).toEqual([
      'dns wa fe80::1%wlan0 192.168.1.1 fe9f::53%wlan0 fec0::1 2001:db8::53',
    ]);
    // The kill switch's rules name the interface themselves: they take the addresses as NetworkManager gave them.
    expect(platform.system.portalHole?.dnsServers).toEqual(expect.arrayContaining(dnsServers));
  });

  it('hands nothing over when the network names no resolver and no gateway', async () => {
    await tunnelUp('resolv.conf');
    const hotel = wifi('Hotel', 'portal');
    platform.system.setIdentity({ ...hotel, primary: { ...hotel.primary!, dnsServers: [], gateways: [] } });
    await hole.open('alice', 300);
    expect(platform.system.inPlace('wa')).toContain(TUNNEL_DNS);
    await hole.close('closed by alice');
    expect(platform.log.filter((line) => line.includes('dns wa'))).toEqual([TUNNEL_DNS]);
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

  /** A full tunnel (one peer, every address) with these extra [Interface] lines. */
  const fullTunnel = (interfaceLines: string[] = []) =>
    tunnelText({
      key: keyPair(),
      address: '10.9.0.1/24',
      peer: keyPair(),
      allowedIps: '0.0.0.0/0',
      endpoint: '192.0.2.99:51820',
      interfaceLines,
    });

  it('lets any member open it over a tunnel that blocks, shows it in the network status and events, and close it', async () => {
    const root = await memory.as(0);
    await root.call('import', { files: [{ filename: 'wa.conf', text: fullTunnel() }] });
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

  /** A stored full tunnel `wa` with DNS by the resolv.conf method, up with its kill switch, on a hotel's Wi-Fi. */
  const upWithDns = async () => {
    memory.host.system.dnsMethod = 'resolv.conf';
    const root = await memory.as(0);
    await root.call('import', { files: [{ filename: 'wa.conf', text: fullTunnel([DNS_LINE]) }] });
    const bob = await memory.as(BOB);
    memory.host.system.setIdentity(wifi('Hotel', 'portal'));
    await eventually(async () => (await bob.call('network', {})).portal);
    await bob.call('up', { name: 'wa' });
    return bob;
  };
  const dnsInPlace = () => memory.host.system.inPlace('wa').filter((line) => line.startsWith('dns '));

  it("hands a running tunnel's DNS over while open, and sets nothing again once it went down", async () => {
    const bob = await upWithDns();
    expect(dnsInPlace()).toEqual([TUNNEL_DNS]);
    await bob.call('openPortalHole', {});
    expect(dnsInPlace()).toEqual([NETWORK_DNS]);

    await bob.call('down', { name: 'wa' });
    expect(dnsInPlace()).toEqual([]);
    const since = memory.host.log.length;
    await bob.call('closePortalHole', {});
    expect(memory.host.log.slice(since)).not.toContain(TUNNEL_DNS);
    expect(dnsInPlace()).toEqual([]);

    // Up again with the hole closed: its own resolvers, as ever.
    await bob.call('up', { name: 'wa' });
    expect(dnsInPlace()).toEqual([TUNNEL_DNS]);
  });

  it("leaves the tunnel's DNS, not the network's, after a helper that died with the hole open is restarted", async () => {
    const bob = await upWithDns();
    await bob.call('openPortalHole', {});
    expect(dnsInPlace()).toEqual([NETWORK_DNS]);

    // SIGKILL: resolv.conf (and its backup) outlive the helper, as the kill switch does.
    memory.host.crash();
    await memory.helper!.close(); // the dead helper's objects let go; they can change nothing any more
    memory.helper = null;
    expect(dnsInPlace()).toEqual([NETWORK_DNS]);
    const since = memory.host.log.length;
    await memory.restart();
    const restarted = memory.host.log.slice(since);
    expect(restarted).toContain('recover wa fwmark 51820 dns resolv.conf');
    expect(restarted).toContain('recover dns');
    expect(restarted.indexOf('recover dns')).toBeLessThan(restarted.indexOf(TUNNEL_DNS));
    expect(dnsInPlace()).toEqual([TUNNEL_DNS]);
  });
});
