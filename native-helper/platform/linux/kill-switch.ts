// The kill switch ("Block untunneled traffic") on Linux: while a tunnel is up, an nftables table of its own,
// `inet warren-killswitch-NAME`, drops every IPv4 and IPv6 packet this machine sends or forwards unless it is
//   - over the tunnel interface (DNS included: through the tunnel it is not a leak, whatever the server),
//   - the tunnel's own encrypted UDP: by the fwmark its sockets carry, or else by peer endpoint address and port,
//   - loopback, DHCP (v4 68->67, v6 546->547), the ICMPv6 that IPv6 needs to work on the link (router and
//     neighbour solicitation and advertisement, MLD reports), and ICMP errors related to a tracked flow (a
//     forwarded container's "fragmentation needed" from here, say),
//   - with allowLan, to the local network (RFC 1918, link-local, fc00::/7, fe80::/10, link-scope multicast,
//     broadcast), except DNS to servers that are not the tunnel's,
//   - with allowBridges, out of a container or VM bridge (kind bridge AND a name docker*, br-*, virbr*, ...).
// Forwarded packets (containers, VMs) pass only into the tunnel, back out of it as replies, or by the LAN and
// bridge options; everything else forwarded is dropped, so nothing routed through this machine leaks either.
//
// Why this shape:
//  - One table per tunnel, named after it, so that taking it back is deleting that table, a crashed helper's
//    table is found by its name, and rules that are not ours are never touched. A drop in any base chain drops
//    the packet whatever other tables accept, so our chains can keep policy accept and end in an explicit drop;
//    the flip side is that two tunnels with a kill switch each block the other's interface.
//  - Priority filter - 10 on the output and forward hooks: after the output `type route` (mangle, -150) and
//    dstnat (-100) chains, which can re-route a packet, so we judge the interface it really leaves by; before
//    the usual filter chains (0).
//  - No blanket `ct state established` in output: every allowance is stateless (interface, mark, address), so
//    replies to what is allowed are allowed anyway, and a reply to someone who reached us over an untunneled
//    interface is not.
//  - Bridges by kind and name: `meta oifkind "bridge"` alone would also match a bridge that carries the uplink
//    (br0 with eth0 in it, common on VM hosts), letting everything out; the name patterns are those of Docker,
//    libvirt, LXD, Incus and Podman, and the kind keeps a renamed physical NIC from matching them.
// The script is one `nft -f -` transaction that replaces the table whole (add, delete, add), so applying again
// for the same tunnel (the fwmark became known, endpoints changed) swaps the rules with no moment unprotected.
// Outside nftables' reach: AF_PACKET sockets (a DHCP client's raw discover) bypass the IP hooks entirely.
import { formatIpAddress, parseIpAddress, type IpAddress } from '../../../shared/config/ip.js';
import { assertInterfaceName, isValidInterfaceName } from '../interface-name.js';
import type { KillSwitch, KillSwitchSpec, Undo } from '../types.js';
import { nftTableName } from './firewall.js';
import type { CommandRunner } from './run-command.js';

const TABLE_PREFIX = 'warren-killswitch-';

/** Local networks reached with allowLan: private and link-local unicast, link-scope multicast, broadcast. */
export const LAN_IPV4 = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '224.0.0.0/24', // local network control block: mDNS, LLMNR, IGMP
  '239.255.255.250', // SSDP
  '255.255.255.255', // limited broadcast
] as const;
export const LAN_IPV6 = ['fc00::/7', 'fe80::/10', 'ff02::/16'] as const;

/** Bridges that container and VM managers create (Docker, libvirt, LXD, Incus, Podman). */
export const BRIDGE_NAME_PATTERNS = [
  'docker*',
  'br-*',
  'virbr*',
  'lxdbr*',
  'incusbr*',
  'podman*',
  'cni-podman*',
] as const;

/** ICMPv6 a host sends for the link itself to work: router and neighbour discovery, multicast listener reports. */
const LINK_ICMPV6 = [
  'nd-router-solicit',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
  'mld-listener-report',
  'mld-listener-done',
  'mld2-listener-report',
] as const;

const DNS_PORTS = '{ 53, 853 }';

/** The kill switch's table for a tunnel; escaped as firewall.ts escapes (`_` `=` `+` -> `__` `_e` `_p`). */
export function killSwitchTableName(link: string): string {
  return TABLE_PREFIX + nftTableName(link).slice('warren-'.length);
}

/** The tunnel a kill switch table belongs to, or null when the name is not one killSwitchTableName makes. */
export function linkOfKillSwitchTable(table: string): string | null {
  if (!table.startsWith(TABLE_PREFIX)) return null;
  const escaped = table.slice(TABLE_PREFIX.length);
  let link = '';
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i];
    if (c !== '_') {
      link += c;
      continue;
    }
    const next = escaped[++i];
    if (next === '_') link += '_';
    else if (next === 'e') link += '=';
    else if (next === 'p') link += '+';
    else return null;
  }
  return isValidInterfaceName(link) && killSwitchTableName(link) === table ? link : null;
}

interface NormalizedSpec {
  fwmark: number | null;
  endpoints: { address: IpAddress; port: number }[];
  dns: IpAddress[];
  allowLan: boolean;
  allowBridges: boolean;
}

function address(text: string, what: string): IpAddress {
  const parsed = parseIpAddress(text);
  if (!parsed.ok) throw new Error(`kill switch: ${what} ${JSON.stringify(text)}: ${parsed.error}`);
  const value = parsed.value;
  // An IPv4-mapped IPv6 address is an IPv4 packet on the wire.
  if (value.family === 6 && value.value >> 32n === 0xffffn) return { family: 4, value: value.value & 0xffffffffn };
  return value;
}

function normalize(spec: KillSwitchSpec): NormalizedSpec {
  if (spec.fwmark !== null && !(Number.isInteger(spec.fwmark) && spec.fwmark > 0 && spec.fwmark <= 0xffffffff)) {
    throw new Error(`kill switch: fwmark ${spec.fwmark} is not a mark (1 to 0xffffffff, or null for none)`);
  }
  const endpoints = spec.endpoints.map((endpoint) => {
    if (!(Number.isInteger(endpoint.port) && endpoint.port > 0 && endpoint.port <= 65535)) {
      throw new Error(`kill switch: endpoint port ${endpoint.port} is not a port`);
    }
    return { address: address(endpoint.address, 'endpoint'), port: endpoint.port };
  });
  return {
    fwmark: spec.fwmark,
    endpoints,
    dns: spec.dnsServers.map((server) => address(server, 'DNS server')),
    allowLan: spec.allowLan,
    allowBridges: spec.allowBridges,
  };
}

type Verdict = 'accept' | 'drop';

interface Rule {
  chain: 'output' | 'forward';
  /** nft match expressions; '' matches every packet. */
  match: string;
  /** Says what the rule is for in `nft list`, and names its counter (killSwitchCounters). */
  comment: string;
  verdict: Verdict;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function set(items: readonly string[]): string {
  return `{ ${items.join(', ')} }`;
}

/** The nft script that puts the kill switch of `link` in place, replacing any it had. */
export function killSwitchScript(link: string, spec: KillSwitchSpec): string {
  assertInterfaceName(link);
  const s = normalize(spec);
  const table = `inet ${killSwitchTableName(link)}`;
  const rules: Rule[] = [];
  const output = (match: string, comment: string, verdict: Verdict = 'accept') => {
    rules.push({ chain: 'output', match, comment, verdict });
  };
  const forward = (match: string, comment: string, verdict: Verdict = 'accept') => {
    rules.push({ chain: 'forward', match, comment, verdict });
  };
  const both = (match: string, comment: string, verdict: Verdict = 'accept') => {
    output(match, comment, verdict);
    forward(match, comment, verdict);
  };

  output('oifname "lo"', 'loopback');
  output(`oifname "${link}"`, 'tunnel');
  forward(`oifname "${link}"`, 'into the tunnel');
  forward(`iifname "${link}" ct state established,related`, 'replies from the tunnel');
  if (s.fwmark !== null) {
    output(`meta l4proto udp meta mark ${s.fwmark}`, "the tunnel's UDP (fwmark)");
  } else {
    for (const family of [4, 6] as const) {
      const elements = unique(
        s.endpoints.filter((e) => e.address.family === family).map((e) => `${formatIpAddress(e.address)} . ${e.port}`),
      );
      const pf = family === 4 ? 'ip' : 'ip6';
      if (elements.length > 0) output(`${pf} daddr . udp dport ${set(elements)}`, "the tunnel's UDP (peer endpoints)");
    }
  }
  output('meta nfproto ipv4 udp sport 68 udp dport 67', 'DHCP');
  output('meta nfproto ipv6 udp sport 546 udp dport 547', 'DHCPv6');
  output(`icmpv6 type ${set(LINK_ICMPV6)}`, 'IPv6 neighbour and router discovery');
  output('meta l4proto { icmp, ipv6-icmp } ct state related', 'ICMP errors about a tracked flow');
  // Before the LAN: a resolver on the LAN that is not the tunnel's would otherwise see every name looked up.
  for (const family of [4, 6] as const) {
    const servers = unique(s.dns.filter((server) => server.family === family).map(formatIpAddress));
    const pf = family === 4 ? 'ip' : 'ip6';
    const destination = servers.length > 0 ? `${pf} daddr != ${set(servers)}` : `meta nfproto ipv${family}`;
    both(`meta l4proto { tcp, udp } th dport ${DNS_PORTS} ${destination}`, "DNS not to the tunnel's servers", 'drop');
  }
  if (s.allowLan) {
    both(`ip daddr ${set(LAN_IPV4)}`, 'local network');
    both(`ip6 daddr ${set(LAN_IPV6)}`, 'local network');
  }
  if (s.allowBridges) {
    const names = set(BRIDGE_NAME_PATTERNS.map((pattern) => `"${pattern}"`));
    both(`meta oifkind "bridge" oifname ${names}`, 'container and VM bridges');
  }
  output('', 'untunneled', 'drop');
  forward('', 'untunneled', 'drop');

  const lines = [
    // Adding then deleting first starts from an empty table even if one is there (a crash, or an update).
    `add table ${table}`,
    `delete table ${table}`,
    `add table ${table}`,
    `add chain ${table} output { type filter hook output priority filter - 10; policy accept; }`,
    `add chain ${table} forward { type filter hook forward priority filter - 10; policy accept; }`,
    ...rules.map(
      ({ chain, match, comment, verdict }) =>
        `add rule ${table} ${chain} ${match === '' ? '' : `${match} `}counter ${verdict} comment "${comment}"`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/** Packets each rule of a kill switch has counted, by chain and comment (`output untunneled`, ...). */
export async function killSwitchCounters(runner: CommandRunner, link: string): Promise<Map<string, number>> {
  // The table name starts with its prefix, so it cannot be read as an option.
  const { stdout } = await runner.run(['nft', '-j', 'list', 'table', 'inet', killSwitchTableName(link)]);
  const items = (JSON.parse(stdout) as { nftables: Record<string, unknown>[] }).nftables;
  const counters = new Map<string, number>();
  for (const item of items) {
    const rule = item.rule as { chain: string; comment?: string; expr: Record<string, unknown>[] } | undefined;
    if (rule?.comment === undefined) continue;
    const counter = rule.expr.find((expr) => 'counter' in expr)?.counter as { packets: number } | undefined;
    const key = `${rule.chain} ${rule.comment}`;
    counters.set(key, (counters.get(key) ?? 0) + (counter?.packets ?? 0));
  }
  return counters;
}

export class NftKillSwitch implements KillSwitch {
  readonly #runner: CommandRunner;

  constructor(runner: CommandRunner) {
    this.#runner = runner;
  }

  async apply(link: string, spec: KillSwitchSpec): Promise<Undo> {
    const script = killSwitchScript(link, spec);
    // Unlike the full tunnel's hardening, a kill switch that silently is not there is a leak: no nft, no tunnel.
    if ((await this.#runner.which('nft')) === null) {
      throw new Error('cannot block untunneled traffic: the nft command (nftables) is not installed');
    }
    await this.#runner.run(['nft', '-f', '-'], { stdin: script });
    return () => this.#delete(link);
  }

  async active(): Promise<string[]> {
    if ((await this.#runner.which('nft')) === null) return [];
    const { stdout } = await this.#runner.run(['nft', 'list', 'tables', 'inet']);
    return stdout.split('\n').flatMap((line) => {
      const match = /^table inet (\S+)$/.exec(line.trim());
      const link = match === null ? null : linkOfKillSwitchTable(match[1]!);
      return link === null ? [] : [link];
    });
  }

  async remove(link: string): Promise<boolean> {
    assertInterfaceName(link);
    if (!(await this.active()).includes(link)) return false;
    await this.#delete(link);
    return true;
  }

  /** Add-then-delete: one transaction that succeeds whether or not the table is still there. */
  async #delete(link: string): Promise<void> {
    const table = `inet ${killSwitchTableName(link)}`;
    await this.#runner.run(['nft', '-f', '-'], { stdin: `add table ${table}\ndelete table ${table}\n` });
  }
}
