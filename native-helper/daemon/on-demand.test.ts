// On-demand in the whole helper, in memory (testing/memory-helper.ts): the machine's network changes as
// NetworkManager would report it (MemorySystem.setIdentity), and the helper brings tunnels up and takes them down
// by their rules, through the same requests and locks as a user; a switch by hand wins until the network changes;
// without NetworkManager nothing moves; the rules survive a restart of the helper. Against NetworkManager's D-Bus
// API (a stand-in on a private bus) is on-demand-network-manager.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlClient } from '../../shared/ipc/control-client.js';
import type { OnDemandRules, TunnelSummary } from '../../shared/ipc/control.js';
import { ALICE, BOB, MemoryHelper, WIRED, wifi } from './testing/memory-helper.js';
import { eventually, keyPair, tunnelText } from './testing/memory-tunnels.js';

const TRUSTED_HOME: OnDemandRules = { ethernet: false, wifi: 'except', ssids: ['Home'] };

const text = () =>
  tunnelText({
    key: keyPair(),
    address: '10.9.0.1/24',
    peer: keyPair(),
    allowedIps: '10.9.0.0/24',
    endpoint: '192.0.2.99:51820',
  });

let memory: MemoryHelper;
let alice: ControlClient;

const summary = async (client: ControlClient, name = 'wa'): Promise<TunnelSummary | undefined> =>
  (await client.call('list', {})).find((t) => t.name === name);
const isUp = () => memory.helper!.tunnels.get('wa')?.tunnel != null;
const settle = async () => {
  await new Promise((resolve) => setTimeout(resolve, 30));
  await memory.helper!.onDemand!.idle();
};

beforeEach(async () => {
  memory = await MemoryHelper.start();
  alice = await memory.as(ALICE);
  await alice.call('import', { files: [{ filename: 'wa.conf', text: text() }] });
});

afterEach(async () => {
  await memory.close();
});

describe('on-demand in the helper', () => {
  it('brings a tunnel up on untrusted Wi-Fi and takes it down on a trusted one; Ethernet as its rule says', async () => {
    memory.host.system.setIdentity(wifi('Café'));
    await alice.call('setOptions', { name: 'wa', options: { onDemand: TRUSTED_HOME } });
    await eventually(isUp);
    expect((await summary(alice))?.onDemand).toEqual({
      wants: 'up',
      overridden: false,
      reason: 'up: Wi-Fi “Café” is not a trusted network',
    });
    expect(memory.helper!.log.entries(50).map((e) => e.message)).toContain(
      'on-demand: up: Wi-Fi “Café” is not a trusted network',
    );

    memory.host.system.setIdentity(wifi('Home'));
    await eventually(() => !isUp());
    expect((await summary(alice))?.state).toBe('down');

    memory.host.system.setIdentity(WIRED);
    await settle();
    expect(isUp()).toBe(false);
    expect((await summary(alice))?.onDemand?.reason).toBe('down: wired networks do not bring it up');
    // Changed rules take charge at once.
    await alice.call('setOptions', { name: 'wa', options: { onDemand: { ...TRUSTED_HOME, ethernet: true } } });
    await eventually(isUp);
    // And switching on-demand off leaves the tunnel as it is.
    await alice.call('setOptions', {
      name: 'wa',
      options: { onDemand: { ethernet: false, wifi: 'never', ssids: [] } },
    });
    memory.host.system.setIdentity(wifi('Home'));
    await settle();
    expect(isUp()).toBe(true);
    expect((await summary(alice))?.onDemand).toBeUndefined();
  });

  it('lets a switch by hand win until the network changes, whoever switched it', async () => {
    await alice.call('setOptions', { name: 'wa', options: { onDemand: TRUSTED_HOME } });
    memory.host.system.setIdentity(wifi('Café'));
    await eventually(isUp);

    // Bob (not its owner, but a member: anyone may switch) takes it down on the untrusted network.
    const bob = await memory.as(BOB);
    await bob.call('down', { name: 'wa' });
    await settle();
    expect(isUp()).toBe(false);
    expect((await summary(bob))?.onDemand).toMatchObject({ wants: 'up', overridden: true });
    expect(memory.helper!.log.entries(50).map((e) => e.message)).toContain(
      'switched off by bob; on-demand leaves it so until the network changes',
    );
    // Not a change of network: its connectivity, the Wi-Fi dropping and the same one coming back.
    memory.host.system.setIdentity(wifi('Café', 'limited'));
    memory.host.system.setIdentity({ available: true, problem: null, primary: null, connectivity: 'none' });
    memory.host.system.setIdentity(wifi('Café'));
    await settle();
    expect(isUp()).toBe(false);
    // Another network is.
    memory.host.system.setIdentity(wifi('Airport'));
    await eventually(isUp);
    expect((await summary(alice))?.onDemand?.overridden).toBe(false);

    // Up by hand on the trusted network stays up there, until the network changes.
    memory.host.system.setIdentity(wifi('Home'));
    await eventually(() => !isUp());
    await alice.call('up', { name: 'wa' });
    memory.host.system.setIdentity(wifi('Home', 'limited'));
    await settle();
    expect(isUp()).toBe(true);
    memory.host.system.setIdentity(WIRED);
    await eventually(() => !isUp());
  });

  it('does nothing without NetworkManager, and says why', async () => {
    memory.host.system.setIdentity({
      available: false,
      problem: 'NetworkManager is not running',
      primary: null,
      connectivity: 'unknown',
    });
    await alice.call('setOptions', {
      name: 'wa',
      options: { onDemand: { ...TRUSTED_HOME, wifi: 'any', ethernet: true } },
    });
    await settle();
    expect(isUp()).toBe(false);
    expect((await summary(alice))?.onDemand).toEqual({
      wants: null,
      overridden: false,
      reason: 'on-demand needs NetworkManager: NetworkManager is not running',
    });
    expect(await alice.call('network', {})).toMatchObject({
      networkManager: false,
      unavailable: 'NetworkManager is not running',
      primary: null,
    });
    // When it comes, on-demand takes charge.
    memory.host.system.setIdentity(wifi('Café'));
    await eventually(isUp);
  });

  it('keeps the rules across a restart of the helper, and applies them to what comes back', async () => {
    memory.host.system.setIdentity(wifi('Café'));
    await alice.call('setOptions', { name: 'wa', options: { onDemand: TRUSTED_HOME } });
    await eventually(isUp);
    memory.host.system.setIdentity(wifi('Home', 'full'));
    await eventually(() => !isUp());
    memory.host.system.setIdentity(wifi('Café'));
    await eventually(isUp);

    await memory.restart();
    alice = await memory.as(ALICE);
    expect((await alice.call('get', { name: 'wa' })).options.onDemand).toEqual(TRUSTED_HOME);
    await eventually(isUp); // it was up: a restart within the boot brings it back, and the rules agree
    memory.host.system.setIdentity(wifi('Home'));
    await eventually(() => !isUp());
  });

  it('tries a tunnel that failed to come up again only at the next network change', async () => {
    memory.host.system.failAt('address wa');
    memory.host.system.setIdentity(wifi('Café'));
    await alice.call('setOptions', { name: 'wa', options: { onDemand: TRUSTED_HOME } });
    await eventually(async () => (await summary(alice))?.state === 'error');
    expect(memory.helper!.log.entries(50).map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^on-demand could not take it up: wa: address wa/),
    );
    const attempts = () => memory.host.log.filter((line) => line.startsWith('address wa')).length;
    const before = attempts();
    memory.host.system.setIdentity(wifi('Café', 'portal'));
    await settle();
    expect(attempts()).toBe(before);
    memory.host.system.setIdentity(wifi('Airport'));
    await eventually(isUp);
  });
});
