// Side by side with the real wg-quick(8): the same config brought up by wg-quick (over wireguard-go) in one
// network namespace and by us in another (over a wireguard-go device too, so both links behave alike) must leave
// the same rules, routes, addresses, link settings and nftables rules; and both downs the same state again.
// The config checker is held to wg-quick too: what it refuses as an `up` failure, wg-quick's `up` fails on; what
// it accepts with a warning (empty values, stray commas), wg-quick brings up as we do; and where it says what
// wg-quick would read an address or number as, wg-quick reads exactly that.
// Needs root and wg, wg-quick and wireguard-go (test/setup-machine.mjs installs them); skipped without.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../../../test/netns/namespace.js';
import { createLinuxPlatform } from './index.js';
import { createCommandRunner } from './run-command.js';
import { networkSnapshot, type NetworkSnapshot } from './testing/tunnel-fixtures.js';
import type { TunnelConfig } from '../../../shared/config/model.js';
import { parseConfig, type ParseOptions } from '../../../shared/config/parse.js';
import { readRouteTableNames } from './route-tables.js';

const has = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const available = canCreateNamespaces && has('wg-quick') && has('wg') && has('wireguard-go');
// wireguard-go's control socket (/var/run/wireguard/NAME.sock) is outside any network namespace, so each link
// needs a name no other namespace, or test process, uses at the same time.
let links = 0;
const linkNames = (n = links++) => ({ theirs: `a${process.pid}-${n}`, ours: `b${process.pid}-${n}` });
const USERSPACE = {
  WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go',
  WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
};

const BASE = `[Interface]
PrivateKey = zamsynWmDjLflUM0XwPWkJ8bxDhS41QIRAqzXLOc/nw=
`;
const PEER = `
[Peer]
PublicKey = i2n7CduWVuqnCM0wk9Dfw9gAP3AaOcyokrql7kpkq8M=
Endpoint = 198.51.100.7:51820
`;

/** Made comparable: the link-local address each wireguard-go link makes up at random, the two link names, and
 *  the nft table names (wg-quick-NAME and warren-NAME). */
function comparable(snapshot: NetworkSnapshot, link: string): unknown {
  const text = JSON.stringify(snapshot)
    .replace(/fe80::[0-9a-f:]+/g, 'fe80::(link-local)')
    .replaceAll(`wg-quick-${link}`, 'TABLE')
    .replaceAll(`warren-${link}`, 'TABLE')
    .replaceAll(link, 'LINK');
  return JSON.parse(text);
}

describe.skipIf(!available)('parity with wg-quick', () => {
  let dir: string;
  const created: TestNamespace[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-parity-'));
  });
  afterAll(async () => {
    for (const namespace of created) await namespace.remove();
    await rm(dir, { recursive: true, force: true });
    // A wireguard-go killed with its namespace (a test that failed half-way) leaves its socket behind.
    for (let n = 0; n < links; n++) {
      for (const link of Object.values(linkNames(n))) await rm(`/var/run/wireguard/${link}.sock`, { force: true });
    }
  });

  /** A namespace with an uplink (MTU 9000, default route) so that the automatic MTU has something to find. */
  async function namespace(): Promise<TestNamespace> {
    const ns = await createNamespace();
    created.push(ns);
    await ns.exec(['ip', 'tuntap', 'add', 'dev', 'up0', 'mode', 'tun']);
    await ns.exec(['ip', 'link', 'set', 'up0', 'mtu', '9000', 'up']);
    await ns.exec(['ip', 'address', 'add', '192.0.2.2/24', 'dev', 'up0']);
    await ns.exec(['ip', 'route', 'add', 'default', 'dev', 'up0']);
    return ns;
  }

  const scenarios: [string, string, string][] = [
    [
      'a full tunnel with split routes',
      'Address = 10.9.0.2/24, fd00::2/64\nMTU = 1380',
      'AllowedIPs = 0.0.0.0/0, ::/0, 10.20.0.0/16, 10.9.0.5/32, fd10::/64',
    ],
    ['an IPv4-only full tunnel, automatic MTU', 'Address = 10.9.0.2/32', 'AllowedIPs = 0.0.0.0/0, 192.168.7.0/24'],
    ['a FwMark', 'Address = 10.9.0.2/24\nFwMark = 0x1234', 'AllowedIPs = 0.0.0.0/0, ::/0'],
    ['Table = 1234', 'Address = 10.9.0.2/24\nTable = 1234', 'AllowedIPs = 0.0.0.0/0, 10.20.0.0/16'],
    ['Table = off', 'Address = 10.9.0.2/24, fd00::2/64\nTable = off', 'AllowedIPs = 0.0.0.0/0, ::/0'],
    [
      "empty values of wg-quick's keys and stray commas, which both take as nothing",
      'Address =\nAddress = 10.9.0.2/24,, fd00::2/64,\nDNS = ,\nMTU =\nTable =\nPostUp =',
      'AllowedIPs = 0.0.0.0/0, ::/0, 10.20.0.0/16',
    ],
  ];

  const userspace = Object.entries(USERSPACE).map(([key, value]) => `${key}=${value}`);

  /** Writes `text` as LINK.conf for wg-quick, in a directory of the namespace's own. */
  async function confFile(ns: TestNamespace, link: string, text: string): Promise<string> {
    await mkdir(join(dir, ns.name), { recursive: true });
    const file = join(dir, ns.name, `${link}.conf`);
    await writeFile(file, text, { mode: 0o600 });
    return file;
  }

  const wgQuick = (ns: TestNamespace, command: 'up' | 'down', file: string) =>
    ns.exec(['env', ...userspace, 'wg-quick', command, file]);

  /** Our `up` of `config` over a wireguard-go link, as wg-quick's `up` makes one. */
  async function ourUp(ns: TestNamespace, link: string, config: TunnelConfig) {
    await ns.exec(['env', ...userspace, 'wireguard-go', link]);
    const platform = createLinuxPlatform({ runner: createCommandRunner({ prefix: ns.prefix }) });
    const handle = await platform.tunnels.up(link, config, {
      // What wg-quick does with `wg set fwmark`; the rules do not care, but the snapshots then agree.
      onFwmark: async (fwmark) => void (await ns.exec(['wg', 'set', link, 'fwmark', String(fwmark)])),
    });
    return {
      down: async () => {
        await handle.down();
        await ns.exec(['ip', 'link', 'del', link]);
      },
    };
  }

  function parsed(text: string, options?: ParseOptions): TunnelConfig {
    const result = parseConfig(text, options);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.config;
  }

  it.each(scenarios)('%s', async (_, interfaceLines, peerLines) => {
    const text = `${BASE}${interfaceLines}\n${PEER}${peerLines}\n`;
    const config = parsed(text);

    const theirs = await namespace();
    const ours = await namespace();
    const names = linkNames();
    const initial = comparable(await networkSnapshot(theirs), names.theirs);
    expect(comparable(await networkSnapshot(ours), names.ours)).toEqual(initial);

    const file = await confFile(theirs, names.theirs, text);
    await wgQuick(theirs, 'up', file);
    const handle = await ourUp(ours, names.ours, config);
    const during = comparable(await networkSnapshot(ours), names.ours);
    expect(during).toEqual(comparable(await networkSnapshot(theirs), names.theirs));
    expect(during).not.toEqual(initial);

    await wgQuick(theirs, 'down', file);
    await handle.down();
    expect(comparable(await networkSnapshot(theirs), names.theirs)).toEqual(initial);
    expect(comparable(await networkSnapshot(ours), names.ours)).toEqual(initial);
  });

  it("routes Table = main over the Address subnets as no Table, where wg-quick's up fails", async () => {
    const withoutTable = `${BASE}Address = 10.9.0.2/24, fd00::2/64\n${PEER}AllowedIPs = 10.9.0.0/24, fd00::/64, 10.20.0.0/16\n`;
    const withTable = withoutTable.replace('Address =', 'Table = main\nAddress =');

    const failing = await namespace();
    const reference = await namespace();
    const ours = await namespace();
    const names = linkNames();
    const initial = comparable(await networkSnapshot(failing), names.theirs);

    // wg-quick: `ip -4 route add 10.9.0.0/24 dev LINK table main` meets the kernel's own route, and undoes all.
    await expect(wgQuick(failing, 'up', await confFile(failing, names.theirs, withTable))).rejects.toThrow(
      /ip -4 route add 10\.9\.0\.0\/24 dev \S+ table main[\s\S]*File exists/,
    );
    expect(comparable(await networkSnapshot(failing), names.theirs)).toEqual(initial);

    // Ours comes up, as wg-quick does without a Table; the checker says wg-quick would not.
    const file = await confFile(reference, names.theirs, withoutTable);
    await wgQuick(reference, 'up', file);
    const result = parseConfig(withTable);
    expect(result.ok && result.warnings.map((w) => w.message)).toContainEqual(
      expect.stringMatching(/^AllowedIPs 10\.9\.0\.0\/24 .* wg-quick with Table = main fails \("File exists"\)$/),
    );
    const handle = await ourUp(ours, names.ours, parsed(withTable));
    expect(comparable(await networkSnapshot(ours), names.ours)).toEqual(
      comparable(await networkSnapshot(reference), names.theirs),
    );
    await wgQuick(reference, 'down', file);
    await handle.down();
    expect(comparable(await networkSnapshot(ours), names.ours)).toEqual(initial);
  });

  // What the checker refuses because `up` would fail: wg-quick's `up` fails on each, with the kernel's or ip's
  // words that the checker quotes, and leaves the namespace as it found it.
  const refused: [string, string, string, RegExp, number, RegExp][] = [
    [
      'the same IPv4 Address twice',
      'Address = 10.9.0.2/24\nAddress = 10.9.0.2/24',
      'AllowedIPs = 10.20.0.0/16',
      /Address already assigned/,
      4,
      /Address 10\.9\.0\.2\/24 is given twice/,
    ],
    [
      'an IPv6 Address again with another prefix length',
      'Address = fd00::2/64, fd00::2/128',
      'AllowedIPs = 10.20.0.0/16',
      /address already assigned/,
      3,
      /Address fd00::2\/128 repeats the address of fd00::2\/64/,
    ],
    [
      'an MTU below 1280 with IPv6',
      'Address = 10.9.0.2/24, fd00::2/64\nMTU = 1200',
      'AllowedIPs = 10.20.0.0/16, fd10::/64',
      /ip -6 route add fd10::\/64[\s\S]*No such device/,
      4,
      /^MTU 1200 is below 1280.*the route for AllowedIPs fd10::\/64 \(line 9\) cannot be added/,
    ],
    [
      'a Table name ip(8) does not know',
      'Address = 10.9.0.2/24\nTable = nosuchtable',
      'AllowedIPs = 10.20.0.0/16',
      /argument "nosuchtable" is wrong/,
      4,
      /^Table `nosuchtable` is not a routing table ip\(8\) knows/,
    ],
  ];

  it.each(refused)('refuses %s, as wg-quick up fails on it', async (_, iface, peer, theirError, line, ourError) => {
    const text = `${BASE}${iface}\n${PEER}${peer}\n`;
    // The names this machine's ip(8) knows: the namespace shares the host's /etc/iproute2.
    const result = parseConfig(text, { routeTableNames: await readRouteTableNames() });
    expect(result.ok ? [] : result.errors.map((e) => [e.line, e.message])).toEqual([
      [line, expect.stringMatching(ourError)],
    ]);

    const ns = await namespace();
    const { theirs } = linkNames();
    const initial = comparable(await networkSnapshot(ns), theirs);
    await expect(wgQuick(ns, 'up', await confFile(ns, theirs, text))).rejects.toThrow(theirError);
    expect(comparable(await networkSnapshot(ns), theirs)).toEqual(initial);
  });

  it('says what wg-quick reads an octal, hex or short IPv4 address and an octal MTU as, and wg-quick does', async () => {
    const SECOND_PEER = 'oxldsE74SHgokfP4W2FQEvj47TihInm7v9ImtWBh0g4=';
    const text =
      `${BASE}Address = 010.9.0.2/24, 10.7.3/24\nMTU = 01420\n` +
      `${PEER}AllowedIPs = 10.20.0.0/16\n` +
      `\n[Peer]\nPublicKey = ${SECOND_PEER}\nEndpoint = 0x0a.1:51820\n`;
    const result = parseConfig(text);
    if (result.ok) expect.fail('the checker takes the file');
    // Each message: `... reads it as X;` (an address) or `reads it as octal: MTU N;`.
    const said = result.errors.map((e) => /reads it as (?:octal: MTU )?([^;]+);/.exec(e.message)?.[1]);
    expect(said).toEqual(['8.9.0.2', '10.7.3.0', '784', '10.0.0.1']);

    const ns = await namespace();
    const { theirs } = linkNames();
    await wgQuick(ns, 'up', await confFile(ns, theirs, text));
    const [link] = await ns.ipJson<{ mtu: number; addr_info: { family: string; local: string }[] }[]>(
      'address',
      'show',
      'dev',
      theirs,
    );
    const addresses = link!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local);
    const endpoints = (await ns.exec(['wg', 'show', theirs, 'endpoints'])).split('\n');
    const second = endpoints.find((e) => e.startsWith(SECOND_PEER))?.split(/\s+/)[1];
    expect([...addresses, String(link!.mtu), second]).toEqual(['8.9.0.2', '10.7.3.0', '784', '10.0.0.1:51820']);
    await wgQuick(ns, 'down', await confFile(ns, theirs, text));
  });
});
