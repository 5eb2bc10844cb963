// Issue #20 from the command line, in-process against the whole helper in memory (testing/memory-helper.ts) on a
// memory machine whose network a test sets (platform/memory/system.ts setIdentity): `set --on-demand-*` merges
// the rules the helper replaces whole, `list` says when on-demand is in charge, `network` says the network in
// words and JSON, and `sign-in` opens and closes the kill switch's hole or says why not.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NetworkIdentity } from '../../platform/types.js';
import { keyPair, tunnelText } from '../../daemon/testing/memory-tunnels.js';
import type { ListedTunnel, NetworkJson } from '../json-output.js';
import { runCli } from '../run.js';
import { ALICE, BOB, MemoryHelper, ROOT } from '../testing/memory-helper.js';
import { memoryIo } from '../testing/memory-io.js';
import { parseSettings } from './set.js';
import { UsageError } from '../command.js';

let helper: MemoryHelper;
beforeEach(async () => {
  helper = await MemoryHelper.start('9.8.7');
});
afterEach(async () => helper.close());

async function warren(uid: number, ...args: string[]) {
  helper.as(uid);
  const io = memoryIo();
  const status = await runCli(args, io, '9.8.7');
  return { status, out: io.out, err: io.err };
}

async function store(name: string, owner: number): Promise<void> {
  const file = join(helper.directory, `${name}.conf`);
  writeFileSync(
    file,
    tunnelText({
      key: keyPair(),
      address: '10.9.0.1/24',
      peer: keyPair(),
      allowedIps: '10.9.0.2/32',
      endpoint: '192.0.2.2:51820',
    }),
  );
  expect((await warren(owner, 'import', file)).status).toBe(0);
}

async function listed(): Promise<ListedTunnel[]> {
  const result = await warren(ROOT, 'list', '--json');
  expect(result.status, result.err).toBe(0);
  return (JSON.parse(result.out) as { tunnels: ListedTunnel[] }).tunnels;
}

const CAFE: NetworkIdentity = {
  available: true,
  problem: null,
  primary: {
    id: 'uuid-cafe',
    name: 'Café',
    kind: 'wifi',
    type: '802-11-wireless',
    device: 'wlan0',
    ssid: 'Café',
    dnsServers: ['192.168.7.1'],
    gateways: ['192.168.7.1'],
  },
  connectivity: 'portal',
};

const WIRED: NetworkIdentity = {
  available: true,
  problem: null,
  primary: {
    id: 'uuid-wired',
    name: 'Wired connection 1',
    kind: 'ethernet',
    type: '802-3-ethernet',
    device: 'eth0',
    ssid: null,
    dnsServers: [],
    gateways: [],
  },
  connectivity: 'full',
};

/** Sets the machine's network and waits until the helper reports it. */
async function onNetwork(identity: NetworkIdentity): Promise<void> {
  helper.host.system.setIdentity(identity);
  await vi.waitFor(async () => {
    const status = await helper.call((client) => client.call('network', {}));
    expect(status.networkManager).toBe(identity.available);
    expect(status.primary?.name ?? null).toBe(identity.primary?.name ?? null);
  });
}

describe('warren set --on-demand-*', () => {
  it('reads the on-demand flags, and --on-demand off as ethernet off and wifi never', () => {
    expect(
      parseSettings(['--on-demand-ethernet', 'on', '--on-demand-wifi', 'except', '--on-demand-ssids', 'Home, Office']),
    ).toEqual({ onDemand: { ethernet: true, wifi: 'except', ssids: ['Home', 'Office'] } });
    expect(parseSettings(['--on-demand-ssids', ''])).toEqual({ onDemand: { ssids: [] } });
    expect(parseSettings(['--on-demand', 'off', '--autostart', 'on'])).toEqual({
      autostart: true,
      onDemand: { ethernet: false, wifi: 'never' },
    });
  });

  for (const [args, message] of [
    [['--on-demand-wifi', 'sometimes'], '--on-demand-wifi takes never, any, only or except'],
    [['--on-demand-wifi'], '--on-demand-wifi takes never, any, only or except'],
    [['--on-demand-ethernet', 'yes'], '--on-demand-ethernet takes on or off'],
    [['--on-demand', 'on'], '--on-demand takes off (to switch it on, give --on-demand-ethernet or --on-demand-wifi)'],
    [
      ['--on-demand', 'off', '--on-demand-wifi', 'any'],
      '--on-demand off and --on-demand-wifi cannot be given together',
    ],
    [['--on-demand-ssids'], '--on-demand-ssids needs a value'],
    [['--on-demand-ssids', 'Home,,Office'], '--on-demand-ssids: ``: an SSID is never empty'],
    [
      ['--on-demand-ssids', 'a\tb'],
      '--on-demand-ssids: `a\tb`: an SSID holds no control characters (write them \\xNN)',
    ],
    [['--on-demand-wifi', 'any', '--on-demand-wifi', 'never'], '--on-demand-wifi is given twice'],
  ] as const) {
    it(`refuses ${JSON.stringify(args)} as a usage error`, () => {
      expect(() => parseSettings(args)).toThrow(new UsageError(message));
    });
  }

  it('sends the rules given merged into the current ones, and says what they are now', async () => {
    await store('home', ALICE);
    const first = await warren(ALICE, 'set', 'home', '--on-demand-wifi', 'only', '--on-demand-ssids', 'Home,Office');
    expect(first).toMatchObject({
      status: 0,
      out: 'home: on-demand ethernet off, wifi only (Home, Office)\n',
      err: '',
    });
    const second = await warren(ALICE, 'set', 'home', '--on-demand-ethernet', 'on');
    expect(second.out).toBe('home: on-demand ethernet on, wifi only (Home, Office)\n');
    expect((await listed())[0]!.settings.onDemand).toEqual({ ethernet: true, wifi: 'only', ssids: ['Home', 'Office'] });

    const off = await warren(ALICE, 'set', 'home', '--on-demand', 'off');
    expect(off.out).toBe('home: on-demand ethernet off, wifi never (Home, Office)\n');
    expect((await listed())[0]!.settings.onDemand).toEqual({
      ethernet: false,
      wifi: 'never',
      ssids: ['Home', 'Office'],
    });
  });

  it("prints the helper's refusal of rules that do not make sense, and another member's", async () => {
    await store('home', ALICE);
    const refused = await warren(ALICE, 'set', 'home', '--on-demand-wifi', 'except');
    expect(refused.status).toBe(1);
    expect(refused.err).toContain("Wi-Fi 'only' and 'except' need at least one SSID");
    expect((await listed())[0]!.settings.onDemand.wifi).toBe('never');
    const bob = await warren(BOB, 'set', 'home', '--on-demand-ethernet', 'on');
    expect(bob.status).toBe(1);
    expect(bob.err).toContain('only alice or an administrator may change the settings of it');
  });

  it('warns that on demand needs NetworkManager when it is not there', async () => {
    await store('home', ALICE);
    await onNetwork({
      available: false,
      problem: 'NetworkManager is not running',
      primary: null,
      connectivity: 'unknown',
    });
    const result = await warren(ALICE, 'set', 'home', '--on-demand-ethernet', 'on');
    expect(result.status).toBe(0);
    expect(result.err).toBe(
      'warren: warning: on demand needs NetworkManager, which is not available: NetworkManager is not running\n',
    );
    expect((await warren(ALICE, 'set', 'home', '--on-demand', 'off')).err).toBe('');
  });
});

describe('warren list while on demand is in charge', () => {
  it('marks the tunnel with the reason, says when it was switched by hand, and passes it through --json', async () => {
    await store('home', ALICE);
    await store('office', ALICE);
    await onNetwork(WIRED);
    expect((await warren(ALICE, 'set', 'home', '--on-demand-ethernet', 'on')).status).toBe(0);
    await vi.waitFor(async () => expect((await listed())[0]!.onDemand?.wants).toBe('up'));
    const [home, office] = await listed();
    expect(home!.onDemand).toEqual({ wants: 'up', overridden: false, reason: expect.stringMatching(/^up: /) });
    expect(office!.onDemand).toBeNull();
    const table = (await warren(ALICE, 'list')).out.split('\n');
    // The OWNER column shows when the tests run as root.
    expect(table[1]).toMatch(
      /^home +\S+ +store +no +(alice +)?\(on demand: up: on the wired network “Wired connection 1”\)$/,
    );
    expect(table[2]).not.toContain('on demand');

    expect((await warren(ALICE, 'down', 'home')).status).toBe(0);
    await vi.waitFor(async () => expect((await listed())[0]!.onDemand?.overridden).toBe(true));
    expect((await warren(ALICE, 'list')).out).toMatch(/^home .*\(on demand: switched by hand: .+\)$/m);
  });
});

describe('warren network', () => {
  it('says the network, its connectivity and a portal in words, and as JSON', async () => {
    await onNetwork(CAFE);
    const words = await warren(ALICE, 'network');
    expect(words.status, words.err).toBe(0);
    expect(words.out).toBe(
      'Network: Wi-Fi “Café” on wlan0\n' +
        'Connectivity: a sign-in page (captive portal) is in the way\n' +
        'A captive portal is in the way: open the sign-in hole with `warren sign-in`, then sign in in a browser\n',
    );
    const json = JSON.parse((await warren(ALICE, 'network', '--json')).out) as NetworkJson;
    expect(json).toEqual({
      networkManager: true,
      unavailable: null,
      primary: { kind: 'wifi', name: 'Café', device: 'wlan0', ssid: 'Café' },
      connectivity: 'portal',
      portal: true,
      portalHole: null,
    });
  });

  it('says why without NetworkManager, and when not connected', async () => {
    expect((await warren(ALICE, 'network')).out).toBe('Network: not connected\nConnectivity: none\n');
    await onNetwork({
      available: false,
      problem: 'it does not answer on the system bus',
      primary: null,
      connectivity: 'unknown',
    });
    expect((await warren(ALICE, 'network')).out).toBe(
      'NetworkManager: not available: it does not answer on the system bus (on demand and sign-in need it)\n',
    );
  });

  it('refuses other arguments as a usage error', async () => {
    const result = await warren(ALICE, 'network', '--jsn');
    expect(result.status).toBe(2);
    expect(result.err).toContain('unexpected argument `--jsn`');
  });
});

describe('warren sign-in', () => {
  it('says why it cannot open the hole: no network, nothing blocking', async () => {
    const none = await warren(ALICE, 'sign-in');
    expect(none).toMatchObject({
      status: 1,
      err: 'warren: this machine is not connected to a network: connect to one first\n',
    });
    await onNetwork(CAFE);
    const open = await warren(ALICE, 'sign-in');
    expect(open).toMatchObject({
      status: 1,
      err: 'warren: no tunnel blocks untunneled traffic: the sign-in page is reachable as it is\n',
    });
  });

  it('opens the hole for the seconds asked, shows it in warren network, and closes it', async () => {
    await store('home', ALICE);
    expect((await warren(ALICE, 'set', 'home', '--block-untunneled', 'on')).status).toBe(0);
    expect((await warren(ALICE, 'up', 'home')).status).toBe(0);
    await onNetwork(CAFE);
    const opened = await warren(ALICE, 'sign-in', '--seconds', '90');
    expect(opened.status, opened.err).toBe(0);
    expect(opened.out).toMatch(
      /^The sign-in hole is open on wlan0 for 1 minute (30|29) seconds: sign in in a browser now, then run `warren sign-in --close`\n$/,
    );
    expect((await warren(ALICE, 'network')).out).toMatch(/^Sign-in hole: open on wlan0 for alice, closes in 1 minute/m);
    const hole = (JSON.parse((await warren(ALICE, 'network', '--json')).out) as NetworkJson).portalHole;
    expect(hole).toMatchObject({ openedBy: 'alice', device: 'wlan0' });
    expect(hole!.until - Date.now() / 1000).toBeGreaterThan(80);

    expect(await warren(ALICE, 'sign-in', '--close')).toMatchObject({ status: 0, out: 'The sign-in hole is closed\n' });
    expect(await warren(ALICE, 'sign-in', '--close')).toMatchObject({ status: 0, out: 'No sign-in hole was open\n' });
  });

  for (const [args, message] of [
    [['--seconds', '10'], '--seconds takes a whole number of seconds from 30 to 600'],
    [['--seconds', '601'], '--seconds takes a whole number of seconds from 30 to 600'],
    [['--seconds', '1e2'], '--seconds takes a whole number of seconds from 30 to 600'],
    [['--seconds'], '--seconds takes a whole number of seconds from 30 to 600'],
    [['--close', '--seconds', '60'], '--close takes no other option'],
    [['--now'], 'unknown option `--now`'],
  ] as const) {
    it(`refuses ${JSON.stringify(args)} as a usage error`, async () => {
      const result = await warren(ALICE, 'sign-in', ...args);
      expect(result.status).toBe(2);
      expect(result.err).toContain(message);
    });
  }
});
