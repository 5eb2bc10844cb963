import { describe, expect, it } from 'vitest';
import type { KillSwitchSpec } from '../types.js';
import { killSwitchScript, killSwitchTableName, linkOfKillSwitchTable, NftKillSwitch } from './kill-switch.js';
import type { CommandRunner } from './run-command.js';

const base: KillSwitchSpec = { fwmark: 51820, endpoints: [], allowLan: false, allowBridges: false, dnsServers: [] };

/** The rules of a chain as `match -> verdict (comment)`, in order. */
function chain(script: string, name: 'output' | 'forward'): string[] {
  const prefix = `add rule inet ${killSwitchTableName('wg0')} ${name} `;
  return script
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) =>
      line
        .slice(prefix.length)
        .replace(/ ?counter (accept|drop) comment "(.*)"$/, ' -> $1 ($2)')
        .trim(),
    );
}

describe('killSwitchTableName', () => {
  it('is inet warren-killswitch-NAME, escaped one-to-one, and reads back', () => {
    expect(killSwitchTableName('wg0')).toBe('warren-killswitch-wg0');
    const names = ['wg0', 'a=b', 'a+b', 'a_b', 'a_eb', 'a__b', '_=+', 'my.vpn-1'];
    for (const name of names) expect(linkOfKillSwitchTable(killSwitchTableName(name))).toBe(name);
    expect(new Set(names.map(killSwitchTableName)).size).toBe(names.length);
  });

  it('does not claim tables it could not have made', () => {
    for (const table of [
      'warren-wg0',
      'warren-killswitch-',
      'warren-killswitch-a_b',
      'warren-killswitch-a_',
      'other',
      'warren-killswitch-a b',
    ])
      expect(linkOfKillSwitchTable(table)).toBeNull();
  });
});

describe('killSwitchScript', () => {
  it('replaces the table whole in one transaction, hooked after mangle and NAT, before the usual filters', () => {
    const lines = killSwitchScript('wg0', base).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'add table inet warren-killswitch-wg0',
      'delete table inet warren-killswitch-wg0',
      'add table inet warren-killswitch-wg0',
      'add chain inet warren-killswitch-wg0 output { type filter hook output priority filter - 10; policy accept; }',
      'add chain inet warren-killswitch-wg0 forward { type filter hook forward priority filter - 10; policy accept; }',
    ]);
    expect(lines.at(-1)).toBe('');
  });

  it('with a fwmark: the tunnel, its marked UDP, what the link needs, no DNS elsewhere, then drop', () => {
    const script = killSwitchScript('wg0', base);
    expect(chain(script, 'output')).toEqual([
      'oifname "lo" -> accept (loopback)',
      'oifname "wg0" -> accept (tunnel)',
      "meta l4proto udp meta mark 51820 -> accept (the tunnel's UDP (fwmark))",
      'meta nfproto ipv4 udp sport 68 udp dport 67 -> accept (DHCP)',
      'meta nfproto ipv6 udp sport 546 udp dport 547 -> accept (DHCPv6)',
      'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld-listener-done, mld2-listener-report } -> accept (IPv6 neighbour and router discovery)',
      'meta l4proto { icmp, ipv6-icmp } ct state related -> accept (ICMP errors about a tracked flow)',
      "meta l4proto { tcp, udp } th dport { 53, 853 } meta nfproto ipv4 -> drop (DNS not to the tunnel's servers)",
      "meta l4proto { tcp, udp } th dport { 53, 853 } meta nfproto ipv6 -> drop (DNS not to the tunnel's servers)",
      '-> drop (untunneled)',
    ]);
    expect(chain(script, 'forward')).toEqual([
      'oifname "wg0" -> accept (into the tunnel)',
      'iifname "wg0" ct state established,related -> accept (replies from the tunnel)',
      "meta l4proto { tcp, udp } th dport { 53, 853 } meta nfproto ipv4 -> drop (DNS not to the tunnel's servers)",
      "meta l4proto { tcp, udp } th dport { 53, 853 } meta nfproto ipv6 -> drop (DNS not to the tunnel's servers)",
      '-> drop (untunneled)',
    ]);
  });

  it('without a fwmark: the peer endpoints by address and port, per family, IPv4-mapped as IPv4, each once', () => {
    const script = killSwitchScript('wg0', {
      ...base,
      fwmark: null,
      endpoints: [
        { address: '198.51.100.7', port: 51820 },
        { address: '2001:DB8::7', port: 4500 },
        { address: '::ffff:198.51.100.7', port: 51820 },
        { address: '203.0.113.9', port: 1 },
      ],
    });
    const output = chain(script, 'output');
    expect(output.filter((rule) => rule.includes('peer endpoints'))).toEqual([
      "ip daddr . udp dport { 198.51.100.7 . 51820, 203.0.113.9 . 1 } -> accept (the tunnel's UDP (peer endpoints))",
      "ip6 daddr . udp dport { 2001:db8::7 . 4500 } -> accept (the tunnel's UDP (peer endpoints))",
    ]);
    expect(output.some((rule) => rule.includes('mark'))).toBe(false);
    // With a fwmark the endpoints are not needed: a roaming peer must not lose its replies.
    expect(killSwitchScript('wg0', { ...base, endpoints: [{ address: '198.51.100.7', port: 51820 }] })).not.toContain(
      '198.51.100.7',
    );
  });

  it("lets DNS out only to the tunnel's servers, and drops it before the LAN is let through", () => {
    const script = killSwitchScript('wg0', {
      ...base,
      allowLan: true,
      dnsServers: ['10.64.0.1', 'FD00::53', '10.64.0.1'],
    });
    for (const name of ['output', 'forward'] as const) {
      const rules = chain(script, name);
      const dns4 = rules.indexOf(
        "meta l4proto { tcp, udp } th dport { 53, 853 } ip daddr != { 10.64.0.1 } -> drop (DNS not to the tunnel's servers)",
      );
      const dns6 = rules.indexOf(
        "meta l4proto { tcp, udp } th dport { 53, 853 } ip6 daddr != { fd00::53 } -> drop (DNS not to the tunnel's servers)",
      );
      const lan = rules.findIndex((rule) => rule.includes('(local network)'));
      const tunnel = rules.findIndex((rule) => rule.includes('oifname "wg0"'));
      expect(dns4).toBeGreaterThan(tunnel);
      expect(dns6).toBe(dns4 + 1);
      expect(lan).toBeGreaterThan(dns6);
    }
  });

  it('lets the LAN and the bridges through only when asked, in both chains', () => {
    const closed = killSwitchScript('wg0', base);
    expect(closed).not.toContain('local network');
    expect(closed).not.toContain('bridge');
    const open = killSwitchScript('wg0', { ...base, allowLan: true, allowBridges: true });
    for (const name of ['output', 'forward'] as const) {
      expect(chain(open, name).slice(-4)).toEqual([
        'ip daddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, 224.0.0.0/24, 239.255.255.250, 255.255.255.255 } -> accept (local network)',
        'ip6 daddr { fc00::/7, fe80::/10, ff02::/16 } -> accept (local network)',
        'meta oifkind "bridge" oifname { "docker*", "br-*", "virbr*", "lxdbr*", "incusbr*", "podman*", "cni-podman*" } -> accept (container and VM bridges)',
        '-> drop (untunneled)',
      ]);
    }
  });

  it('refuses what it cannot write safely', () => {
    expect(() => killSwitchScript('wg 0', base)).toThrow(/invalid interface name/);
    expect(() => killSwitchScript('wg0', { ...base, fwmark: 0 })).toThrow(/not a mark/);
    expect(() => killSwitchScript('wg0', { ...base, fwmark: 2 ** 32 })).toThrow(/not a mark/);
    expect(() => killSwitchScript('wg0', { ...base, dnsServers: ['1.1.1.1; flush ruleset'] })).toThrow(/DNS server/);
    expect(() => killSwitchScript('wg0', { ...base, endpoints: [{ address: 'vpn.example.com', port: 1 }] })).toThrow(
      /endpoint/,
    );
    expect(() => killSwitchScript('wg0', { ...base, endpoints: [{ address: '1.2.3.4', port: 0 }] })).toThrow(
      /not a port/,
    );
  });
});

describe('NftKillSwitch', () => {
  function runner(nft: string | null, tables = ''): { runner: CommandRunner; runs: string[] } {
    const runs: string[] = [];
    return {
      runs,
      runner: {
        run: async (argv, options) => {
          runs.push([...argv, ...(options?.stdin === undefined ? [] : [`<<${options.stdin}`])].join(' '));
          return { stdout: argv.includes('list') ? tables : '', stderr: '' };
        },
        which: async () => nft,
      },
    };
  }

  it('refuses to pretend when nft is missing: a kill switch that is not there is a leak', async () => {
    const { runner: r, runs } = runner(null);
    await expect(new NftKillSwitch(r).apply('wg0', base)).rejects.toThrow(
      /cannot block untunneled traffic: the nft command/,
    );
    expect(runs).toEqual([]);
  });

  it('lists only its own tables and removes by an add-then-delete that cannot fail on a missing table', async () => {
    const tables = [
      'table inet warren-killswitch-wg0',
      'table inet warren-killswitch-my__vpn',
      'table inet warren-killswitch-a_b',
      'table inet filter',
    ].join('\n');
    const { runner: r, runs } = runner('/usr/sbin/nft', tables);
    const killSwitch = new NftKillSwitch(r);
    expect(await killSwitch.active()).toEqual(['wg0', 'my_vpn']);
    expect(await killSwitch.remove('wg1')).toBe(false);
    expect(await killSwitch.remove('my_vpn')).toBe(true);
    expect(runs.at(-1)).toBe(
      'nft -f - <<add table inet warren-killswitch-my__vpn\ndelete table inet warren-killswitch-my__vpn\n',
    );
  });
});
