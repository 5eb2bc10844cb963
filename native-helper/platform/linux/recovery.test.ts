// Recovery after a crash, for real inside a network namespace of the test's own: a full tunnel is brought up and
// never taken down (as when its helper is killed), then recoverTunnel must leave the namespace as it was before,
// while rules and interfaces that only look like ours stay.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../../../test/netns/namespace.js';
import { createLinuxPlatform } from './index.js';
import { createCommandRunner } from './run-command.js';
import { networkSnapshot, recordingRunner, tunnelConfig } from './testing/tunnel-fixtures.js';

const LINK = 'wt0';

describe.skipIf(!canCreateNamespaces)('recovering a crashed tunnel', () => {
  let ns: TestNamespace;
  let log: string[];

  beforeEach(async () => {
    ns = await createNamespace();
    log = [];
  });
  afterEach(async () => {
    await ns.remove();
  });

  const platform = () =>
    createLinuxPlatform({ runner: recordingRunner(createCommandRunner({ prefix: ns.prefix }), log) });

  it('removes the interface, the full-tunnel rules of both families and the nft tables, and nothing else', async () => {
    // Rules that resemble ours but are someone else's: another selector, and a suppress rule of its own.
    await ns.exec(['ip', '-4', 'rule', 'add', 'priority', '100', 'fwmark', '51820', 'table', '51820']);
    await ns.exec(['ip', '-6', 'rule', 'add', 'priority', '101', 'table', 'main', 'suppress_prefixlength', '0']);
    await ns.exec(['sysctl', '-q', 'net.ipv4.conf.all.src_valid_mark=1']);
    const before = await networkSnapshot(ns);
    await ns.exec(['ip', 'tuntap', 'add', 'dev', LINK, 'mode', 'tun']);
    const handle = await platform().tunnels.up(
      LINK,
      tunnelConfig('Address = 10.9.0.2/24, fd00::2/64', 'AllowedIPs = 0.0.0.0/0, ::/0'),
    );
    expect(handle.fwmark).toBe(51820);
    expect(await networkSnapshot(ns)).not.toEqual(before);

    log.length = 0;
    const done = await platform().recoverTunnel(LINK, { fwmark: handle.fwmark, dnsMethod: null });
    expect(await networkSnapshot(ns)).toEqual(before);
    expect(done).toEqual([
      'deleted the leftover interface wt0',
      expect.stringMatching(/^deleted the IPv4 rule \d+: not fwmark 51820 table 51820$/),
      expect.stringMatching(/^deleted the IPv4 rule \d+: table main suppress_prefixlength 0$/),
      expect.stringMatching(/^deleted the IPv6 rule \d+: not fwmark 51820 table 51820$/),
      expect.stringMatching(/^deleted the IPv6 rule \d+: table main suppress_prefixlength 0$/),
      'deleted the nft table ip warren-wt0',
      'deleted the nft table ip6 warren-wt0',
    ]);
    // A second run finds nothing to do.
    expect(await platform().recoverTunnel(LINK, { fwmark: 51820, dnsMethod: null })).toEqual([]);
  });

  it('leaves an interface of that name alone when it is not a TUN device', async () => {
    await ns.exec(['ip', 'link', 'add', LINK, 'type', 'veth', 'peer', 'name', 'wt0peer']);
    const done = await platform().recoverTunnel(LINK, { fwmark: null, dnsMethod: null });
    expect(done).toEqual(["left the interface wt0 alone: it is not a TUN device, so not Warren's"]);
    expect((await ns.ipJson<unknown[]>('link', 'show', 'dev', LINK)).length).toBe(1);
    expect(log.filter((line) => line.includes(' del'))).toEqual([]);
  });
});
