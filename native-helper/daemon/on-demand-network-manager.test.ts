// On-demand in the whole helper against NetworkManager's D-Bus API: a stand-in NetworkManager on a private
// dbus-daemon (platform/linux/testing/fake-network-manager.ts) reports the network changes, the helper's Linux
// NetworkManager client follows them, and the rest of the machine is in memory (testing/memory-helper.ts).
// Driven as the issue tells the story: untrusted Wi-Fi -> up, a trusted SSID -> down, Ethernet by its rule, a
// switch by hand until the next network change, the rules kept across a restart of the helper; and a captive
// portal seen by NetworkManager shown to members.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlClient } from '../../shared/ipc/control-client.js';
import type { OnDemandRules } from '../../shared/ipc/control.js';
import { watchNetworkManager } from '../platform/linux/network-manager.js';
import { type PrivateBus, hasDbusDaemon, startPrivateBus } from '../platform/linux/testing/fake-logind.js';
import { type FakeNetwork, FakeNetworkManager } from '../platform/linux/testing/fake-network-manager.js';
import type { Platform } from '../platform/types.js';
import type { MemoryHost } from './testing/memory-host.js';
import { ALICE, BOB, MemoryHelper } from './testing/memory-helper.js';
import { eventually, keyPair, tunnelText } from './testing/memory-tunnels.js';

const RULES: OnDemandRules = { ethernet: true, wifi: 'except', ssids: ['Home'] };
const network = (kind: 'wifi' | 'ethernet', name: string, ssid?: string): FakeNetwork => ({
  kind,
  name,
  uuid: `uuid-${name}`,
  device: kind === 'wifi' ? 'wlan0' : 'eth0',
  ...(ssid === undefined ? {} : { ssid }),
  dns4: ['192.168.1.1'],
  gateway4: '192.168.1.1',
});
const CAFE = network('wifi', 'Café', 'Café');
const HOME = network('wifi', 'Home', 'Home');
const AIRPORT = network('wifi', 'Airport Free Wi-Fi', 'Airport');
const WIRED = network('ethernet', 'Wired connection 1');

describe.skipIf(!hasDbusDaemon)('on-demand with NetworkManager on a private bus', () => {
  let bus: PrivateBus;
  let nm: FakeNetworkManager;
  let memory: MemoryHelper;
  let alice: ControlClient;

  /** The memory machine, but which network it is on comes from NetworkManager over D-Bus. */
  const platform = (host: MemoryHost): Platform => {
    const machine = host.platform;
    return {
      tunnels: machine.tunnels,
      killSwitch: machine.killSwitch,
      watchNetwork: (onChange, options) => machine.watchNetwork(onChange, options),
      watchNetworkIdentity: (onChange, options) =>
        watchNetworkManager(onChange, { address: bus.address, log: options?.log, settleMs: 10, retryMs: 100 }),
      recoverTunnel: (name, leftovers) => machine.recoverTunnel(name, leftovers),
      recoverDns: () => machine.recoverDns(),
      recoverKillSwitch: (name) => machine.recoverKillSwitch(name),
      routeTableNames: () => machine.routeTableNames(),
    };
  };
  const isUp = () => memory.helper!.tunnels.get('wa')?.tunnel != null;
  const settled = async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await memory.helper!.onDemand!.idle();
  };

  beforeEach(async () => {
    bus = await startPrivateBus();
    nm = await FakeNetworkManager.start(bus.address);
    memory = await MemoryHelper.start({ platform });
    alice = await memory.as(ALICE);
    const text = tunnelText({
      key: keyPair(),
      address: '10.9.0.1/24',
      peer: keyPair(),
      allowedIps: '10.9.0.0/24',
      endpoint: '192.0.2.99:51820',
    });
    await alice.call('import', { files: [{ filename: 'wa.conf', text }] });
    await alice.call('setOptions', { name: 'wa', options: { onDemand: RULES } });
  });

  afterEach(async () => {
    await memory.close();
    await nm.stop();
    await bus.stop();
  });

  it('goes up on untrusted Wi-Fi, down on the trusted SSID, up on Ethernet, and shows it in the list', async () => {
    nm.connect(CAFE);
    await eventually(isUp);
    const [listed] = await alice.call('list', {});
    expect(listed).toMatchObject({
      name: 'wa',
      options: { onDemand: RULES },
      onDemand: { wants: 'up', overridden: false, reason: 'up: Wi-Fi “Café” is not a trusted network' },
    });
    expect(await alice.call('network', {})).toEqual({
      networkManager: true,
      primary: { kind: 'wifi', name: 'Café', device: 'wlan0', ssid: 'Café' },
      connectivity: 'none',
      portal: false,
      portalHole: null,
    });

    nm.connect(HOME);
    await eventually(() => !isUp());
    nm.connect(WIRED);
    await eventually(isUp);
    expect((await alice.call('list', {}))[0]?.onDemand?.reason).toBe('up: on the wired network “Wired connection 1”');
  });

  it('leaves a tunnel switched by hand as it is until the network changes', async () => {
    nm.connect(CAFE);
    await eventually(isUp);
    const bob = await memory.as(BOB);
    await bob.call('down', { name: 'wa' });
    nm.setConnectivity('limited');
    nm.signalStrength(20);
    await settled();
    expect(isUp()).toBe(false);
    expect((await bob.call('list', {}))[0]?.onDemand?.overridden).toBe(true);
    nm.connect(AIRPORT);
    await eventually(isUp);
    expect((await bob.call('list', {}))[0]?.onDemand?.overridden).toBe(false);
  });

  it('keeps the rules across a restart of the helper, and follows NetworkManager again after it', async () => {
    nm.connect(CAFE);
    await eventually(isUp);
    await memory.restart();
    alice = await memory.as(ALICE);
    expect((await alice.call('get', { name: 'wa' })).options.onDemand).toEqual(RULES);
    await eventually(isUp);
    nm.connect(HOME);
    await eventually(() => !isUp());
  });

  it('shows members the captive portal NetworkManager found, and says when NetworkManager is gone', async () => {
    const bob = await memory.as(BOB);
    nm.connect(CAFE);
    nm.setConnectivity('portal');
    await eventually(async () => (await bob.call('network', {})).portal);
    await nm.stop();
    await eventually(async () => !(await bob.call('network', {})).networkManager);
    expect(await bob.call('network', {})).toMatchObject({ unavailable: 'NetworkManager stopped', primary: null });
    expect((await bob.call('list', {}))[0]?.onDemand?.reason).toBe(
      'on-demand needs NetworkManager: NetworkManager stopped',
    );
  });
});
