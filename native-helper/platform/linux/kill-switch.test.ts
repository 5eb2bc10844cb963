import { describe, expect, it } from 'vitest';
import type { KillSwitchSpec } from '../types.js';
import {
  killSwitchScript,
  killSwitchTableName,
  linkOfKillSwitchTable,
  NftKillSwitch,
  portalHoleScript,
} from './kill-switch.js';
import type { CommandRunner } from './run-command.js';

const base: KillSwitchSpec = { fwmark: 51820, endpoints: [], allowLan: false, allowBridges: false, dnsServers: [] };

/** The rules of a chain as `match -> verdict (comment)`, in order (no verdict: the rule only marks). */
function chain(script: string, name: 'output' | 'forward' | 'route' | 'prerouting' | 'leaving'): string[] {
  const prefix = `add rule inet ${killSwitchTableName('wg0')} ${name} `;
  return script
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) =>
      line
        .slice(prefix.length)
        .replace(/ ?counter (?:(accept|drop) )?comment "(.*)"$/, (_, verdict?: string, comment?: string) =>
          verdict === undefined ? ` -> (${comment})` : ` -> ${verdict} (${comment})`,
        )
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
      'oifname @portal_if meta l4proto tcp th dport @portal_ports -> accept (sign-in hole: HTTP and HTTPS)',
      'oifname @portal_if meta l4proto { tcp, udp } th dport 53 ip daddr @portal_dns4 -> accept (sign-in hole: DNS)',
      'oifname @portal_if meta l4proto { tcp, udp } th dport 53 ip6 daddr @portal_dns6 -> accept (sign-in hole: DNS)',
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

  it('holds the sign-in hole as empty sets; with a fwmark, routes what it lets through around the tunnel', () => {
    const script = killSwitchScript('wg0', base);
    for (const set of [
      'portal_if { type ifname; flags timeout; }',
      'portal_ports { type inet_service; flags timeout; }',
      'portal_dns4 { type ipv4_addr; flags timeout; }',
      'portal_dns6 { type ipv6_addr; flags timeout; }',
    ])
      expect(script).toContain(`add set inet warren-killswitch-wg0 ${set}`);
    expect(script).toContain(
      'add chain inet warren-killswitch-wg0 route { type route hook output priority mangle + 10; policy accept; }',
    );
    expect(chain(script, 'route')).toEqual([
      'meta l4proto tcp th dport @portal_ports meta mark set 51820 ct mark set 51820 -> (sign-in hole: around the tunnel)',
      'meta l4proto { tcp, udp } th dport 53 ip daddr @portal_dns4 meta mark set 51820 ct mark set 51820 -> (sign-in hole: around the tunnel)',
      'meta l4proto { tcp, udp } th dport 53 ip6 daddr @portal_dns6 meta mark set 51820 ct mark set 51820 -> (sign-in hole: around the tunnel)',
    ]);
    expect(chain(script, 'prerouting')).toEqual([
      'iifname @portal_if meta l4proto { tcp, udp } ct mark 51820 meta mark set ct mark -> (sign-in hole: replies)',
    ]);
    // Where it really leaves is judged after the re-route, and its source made the network's.
    expect(chain(script, 'leaving')).toEqual([
      "meta mark 51820 meta l4proto tcp th dport @portal_ports oifname != @portal_if -> drop (sign-in hole: only out of the network's interface)",
      "meta mark 51820 meta l4proto { tcp, udp } th dport 53 ip daddr @portal_dns4 oifname != @portal_if -> drop (sign-in hole: only out of the network's interface)",
      "meta mark 51820 meta l4proto { tcp, udp } th dport 53 ip6 daddr @portal_dns6 oifname != @portal_if -> drop (sign-in hole: only out of the network's interface)",
    ]);
    expect(script).toContain(
      'add rule inet warren-killswitch-wg0 postrouting oifname @portal_if meta mark 51820 meta l4proto { tcp, udp } counter masquerade comment',
    );
    // Without a full tunnel nothing is routed into the tunnel that must be taken around it.
    const split = killSwitchScript('wg0', { ...base, fwmark: null });
    expect(split).not.toContain(' route ');
    expect(split).not.toContain('prerouting');
    expect(chain(split, 'output').filter((rule) => rule.includes('sign-in hole'))).toHaveLength(3);
  });

  it('opens the sign-in hole with elements the kernel expires, and closes it by emptying the sets', () => {
    const hole = { device: 'wlan0', dnsServers: ['192.168.1.1', 'FE80::1', '192.168.1.1'], seconds: 300 };
    expect(portalHoleScript('wg0', hole, 300).split('\n')).toEqual([
      'flush set inet warren-killswitch-wg0 portal_if',
      'flush set inet warren-killswitch-wg0 portal_ports',
      'flush set inet warren-killswitch-wg0 portal_dns4',
      'flush set inet warren-killswitch-wg0 portal_dns6',
      'add element inet warren-killswitch-wg0 portal_if { "wlan0" timeout 300s }',
      'add element inet warren-killswitch-wg0 portal_ports { 80 timeout 300s, 443 timeout 300s }',
      'add element inet warren-killswitch-wg0 portal_dns4 { 192.168.1.1 timeout 300s }',
      'add element inet warren-killswitch-wg0 portal_dns6 { fe80::1 timeout 300s }',
      '',
    ]);
    expect(portalHoleScript('wg0', hole, 0)).not.toContain('add element');
    expect(() => portalHoleScript('wg0', { ...hole, device: 'wlan0"; flush ruleset; "' }, 60)).toThrow();
    expect(() => portalHoleScript('wg0', { ...hole, dnsServers: ['192.168.1.1 timeout 9999s'] }, 60)).toThrow(
      /DNS server/,
    );
    expect(() => portalHoleScript('wg0', hole, 86_400)).toThrow(/0 to 3600 s/);
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

  it('opens the sign-in hole in every kill switch, and in one applied while it is open; the undo empties them', async () => {
    const hole = { device: 'wlan0', dnsServers: ['192.168.1.1'], seconds: 120 };
    await expect(new NftKillSwitch(runner('/usr/sbin/nft').runner).openPortalHole(hole)).rejects.toThrow(
      /no kill switch is in place/,
    );

    const tables = 'table inet warren-killswitch-wg0\ntable inet warren-killswitch-wg1\n';
    const { runner: r, runs } = runner('/usr/sbin/nft', tables);
    const killSwitch = new NftKillSwitch(r);
    const undo = await killSwitch.openPortalHole(hole);
    const opened = runs.at(-1)!;
    for (const table of ['warren-killswitch-wg0', 'warren-killswitch-wg1'])
      expect(opened).toContain(`add element inet ${table} portal_if { "wlan0" timeout 120s }`);

    // A kill switch applied now (a changed setting, a new tunnel) gets the hole with the time it has left.
    await killSwitch.apply('wg2', base);
    expect(runs.at(-1)).toMatch(/add element inet warren-killswitch-wg2 portal_if \{ "wlan0" timeout 1(19|20)s \}/);

    await undo();
    expect(runs.at(-1)).toContain('flush set inet warren-killswitch-wg0 portal_if');
    expect(runs.at(-1)).not.toContain('add element');
    await killSwitch.apply('wg2', base);
    expect(runs.at(-1)).not.toContain('add element');
    // An undo of a hole opened again since is the newer hole's business.
    const first = await killSwitch.openPortalHole(hole);
    await killSwitch.openPortalHole({ ...hole, seconds: 60 });
    const count = runs.length;
    await first();
    expect(runs).toHaveLength(count);
  });
});
