// Side by side with the real wg-quick(8): the same config brought up by wg-quick (over wireguard-go) in one
// network namespace and by us in another (over a wireguard-go device too, so both links behave alike) must leave
// the same rules, routes, addresses, link settings and nftables rules; and both downs the same state again.
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
import { parseConfig } from '../../../shared/config/parse.js';

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
const linkNames = () => {
  const n = links++;
  return { theirs: `a${process.pid}-${n}`, ours: `b${process.pid}-${n}` };
};
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
  ];

  it.each(scenarios)('%s', async (_, interfaceLines, peerLines) => {
    const text = `${BASE}${interfaceLines}\n${PEER}${peerLines}\n`;
    const parsed = parseConfig(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));

    const theirs = await namespace();
    const ours = await namespace();
    const names = linkNames();
    const initial = comparable(await networkSnapshot(theirs), names.theirs);
    expect(comparable(await networkSnapshot(ours), names.ours)).toEqual(initial);
    const userspace = Object.entries(USERSPACE).map(([key, value]) => `${key}=${value}`);

    await mkdir(join(dir, theirs.name));
    const file = join(dir, theirs.name, `${names.theirs}.conf`);
    await writeFile(file, text, { mode: 0o600 });
    await theirs.exec(['env', ...userspace, 'wg-quick', 'up', file]);

    await ours.exec(['env', ...userspace, 'wireguard-go', names.ours]);
    const platform = createLinuxPlatform({ runner: createCommandRunner({ prefix: ours.prefix }) });
    const handle = await platform.tunnels.up(names.ours, parsed.config, {
      // What wg-quick does with `wg set fwmark`; the rules do not care, but the snapshots then agree.
      onFwmark: async (fwmark) => void (await ours.exec(['wg', 'set', names.ours, 'fwmark', String(fwmark)])),
    });
    const during = comparable(await networkSnapshot(ours), names.ours);
    expect(during).toEqual(comparable(await networkSnapshot(theirs), names.theirs));
    expect(during).not.toEqual(initial);

    await theirs.exec(['env', ...userspace, 'wg-quick', 'down', file]);
    await handle.down();
    await ours.exec(['ip', 'link', 'del', names.ours]);
    expect(comparable(await networkSnapshot(theirs), names.theirs)).toEqual(initial);
    expect(comparable(await networkSnapshot(ours), names.ours)).toEqual(initial);
  });
});
