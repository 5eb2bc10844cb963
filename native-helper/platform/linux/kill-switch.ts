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
//
// The sign-in hole for captive portals (openPortalHole; daemon/portal-hole.ts decides when) lives in every table
// as four sets that are empty until it opens: the network's interface, its resolvers (IPv4 and IPv6), and the
// ports 80 and 443. Opening it adds their elements with a timeout, so the kernel itself empties them when the
// time is up, whether or not the helper is still there to. While they hold something:
//  - output passes, out of that interface only, DNS to those resolvers and TCP to ports 80 and 443 anywhere
//    (before the rule that drops DNS to resolvers that are not the tunnel's);
//  - for a full tunnel (a fwmark), a `type route` chain gives that traffic the tunnel's fwmark, so the tunnel's
//    own policy rule sends it by the main table (out of the network's interface) instead of into the tunnel,
//    and keeps the mark in conntrack; a prerouting chain puts it back on the replies, so they pass a strict
//    reverse-path filter (with src_valid_mark) as the tunnel's own UDP does (firewall.ts). The socket chose its
//    source address by the tunnel's route, before the mark; a masquerade on the way out gives it the network's
//    own (conntrack takes the replies back to the socket). The output chain still sees such a packet with the
//    interface it was first routed to (the tunnel's: nftables' `oifname` in the output hook is the hook's, not
//    the route's after a re-route), so a postrouting chain, which sees where it really leaves, drops what the
//    hole re-routed to any interface but the network's.
// A table applied while the hole is open gets its elements with the time left, so a new or changed kill switch
// does not close it early.
import { formatIpAddress, parseIpAddress, type IpAddress } from '../../../shared/config/ip.js';
import { assertInterfaceName, isValidInterfaceName } from '../interface-name.js';
import type { KillSwitch, KillSwitchSpec, PortalHoleSpec, Undo } from '../types.js';
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
/** What a sign-in page needs besides DNS: HTTP and HTTPS. */
export const PORTAL_PORTS = [80, 443] as const;

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

/** A rule's verdict (masquerade: a NAT chain's), or '' for one that only marks the packet and lets it go on. */
type Verdict = 'accept' | 'drop' | 'masquerade' | '';

interface Rule {
  chain: 'output' | 'forward' | 'route' | 'prerouting' | 'leaving' | 'postrouting';
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
  // The sign-in hole, empty unless open; before the DNS rule, which would drop the network's resolvers.
  output('oifname @portal_if meta l4proto tcp th dport @portal_ports', 'sign-in hole: HTTP and HTTPS');
  output('oifname @portal_if meta l4proto { tcp, udp } th dport 53 ip daddr @portal_dns4', 'sign-in hole: DNS');
  output('oifname @portal_if meta l4proto { tcp, udp } th dport 53 ip6 daddr @portal_dns6', 'sign-in hole: DNS');
  if (s.fwmark !== null) {
    const mark = `meta mark set ${s.fwmark} ct mark set ${s.fwmark}`;
    const route = (match: string) =>
      rules.push({
        chain: 'route',
        match: `${match} ${mark}`,
        comment: 'sign-in hole: around the tunnel',
        verdict: '',
      });
    route('meta l4proto tcp th dport @portal_ports');
    route('meta l4proto { tcp, udp } th dport 53 ip daddr @portal_dns4');
    route('meta l4proto { tcp, udp } th dport 53 ip6 daddr @portal_dns6');
    rules.push({
      chain: 'prerouting',
      match: `iifname @portal_if meta l4proto { tcp, udp } ct mark ${s.fwmark} meta mark set ct mark`,
      comment: 'sign-in hole: replies',
      verdict: '',
    });
    const guard = (match: string) =>
      rules.push({
        chain: 'leaving',
        match: `meta mark ${s.fwmark} ${match} oifname != @portal_if`,
        comment: "sign-in hole: only out of the network's interface",
        verdict: 'drop',
      });
    guard('meta l4proto tcp th dport @portal_ports');
    guard('meta l4proto { tcp, udp } th dport 53 ip daddr @portal_dns4');
    guard('meta l4proto { tcp, udp } th dport 53 ip6 daddr @portal_dns6');
    rules.push({
      chain: 'postrouting',
      match: `oifname @portal_if meta mark ${s.fwmark} meta l4proto { tcp, udp }`,
      comment: "sign-in hole: the network's own source address",
      verdict: 'masquerade',
    });
  }
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
    ...(s.fwmark === null
      ? []
      : [
          `add chain ${table} route { type route hook output priority mangle + 10; policy accept; }`,
          `add chain ${table} prerouting { type filter hook prerouting priority mangle + 10; policy accept; }`,
          `add chain ${table} leaving { type filter hook postrouting priority filter - 10; policy accept; }`,
          `add chain ${table} postrouting { type nat hook postrouting priority srcnat + 10; policy accept; }`,
        ]),
    `add set ${table} portal_if { type ifname; flags timeout; }`,
    `add set ${table} portal_ports { type inet_service; flags timeout; }`,
    `add set ${table} portal_dns4 { type ipv4_addr; flags timeout; }`,
    `add set ${table} portal_dns6 { type ipv6_addr; flags timeout; }`,
    ...rules.map(
      ({ chain, match, comment, verdict }) =>
        `add rule ${table} ${chain} ${match === '' ? '' : `${match} `}counter ${verdict}${verdict === '' ? '' : ' '}comment "${comment}"`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/**
 * The nft lines that open the sign-in hole in the kill switch of `link` for `seconds` (the kernel closes it by
 * itself then), replacing what it held; `seconds` 0 closes it.
 */
export function portalHoleScript(link: string, hole: PortalHoleSpec, seconds: number): string {
  assertInterfaceName(link);
  assertInterfaceName(hole.device);
  if (!(Number.isInteger(seconds) && seconds >= 0 && seconds <= 3600)) {
    throw new Error(`sign-in hole: ${seconds} s is not a time it can be open for (0 to 3600 s)`);
  }
  const dns = hole.dnsServers.map((server) => address(server, 'DNS server'));
  const table = `inet ${killSwitchTableName(link)}`;
  const sets = ['portal_if', 'portal_ports', 'portal_dns4', 'portal_dns6'];
  const lines = sets.map((set) => `flush set ${table} ${set}`);
  if (seconds > 0) {
    const elements = (set: string, items: readonly string[]) => {
      if (items.length > 0)
        lines.push(`add element ${table} ${set} { ${items.map((item) => `${item} timeout ${seconds}s`).join(', ')} }`);
    };
    elements('portal_if', [`"${hole.device}"`]);
    elements('portal_ports', PORTAL_PORTS.map(String));
    elements('portal_dns4', unique(dns.filter((a) => a.family === 4).map(formatIpAddress)));
    elements('portal_dns6', unique(dns.filter((a) => a.family === 6).map(formatIpAddress)));
  }
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
  /** The sign-in hole while open: what it lets through and when (performance.now()) it closes. */
  #hole: { spec: PortalHoleSpec; until: number } | null = null;

  constructor(runner: CommandRunner) {
    this.#runner = runner;
  }

  async apply(link: string, spec: KillSwitchSpec): Promise<Undo> {
    let script = killSwitchScript(link, spec);
    const left = this.#holeSecondsLeft();
    if (left > 0) script += portalHoleScript(link, this.#hole!.spec, left);
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

  async openPortalHole(spec: PortalHoleSpec): Promise<Undo> {
    const links = await this.active();
    if (links.length === 0) throw new Error('no kill switch is in place: there is nothing to open');
    const script = links.map((link) => portalHoleScript(link, spec, spec.seconds)).join('');
    await this.#runner.run(['nft', '-f', '-'], { stdin: script });
    const hole = { spec, until: performance.now() + spec.seconds * 1000 };
    this.#hole = hole;
    return async () => {
      if (this.#hole !== hole) return; // closed already, or replaced by a newer one
      this.#hole = null;
      const open = await this.active();
      if (open.length > 0) {
        await this.#runner.run(['nft', '-f', '-'], {
          stdin: open.map((link) => portalHoleScript(link, spec, 0)).join(''),
        });
      }
    };
  }

  /** Whole seconds the hole has left (0: closed). */
  #holeSecondsLeft(): number {
    if (this.#hole === null) return 0;
    const left = Math.floor((this.#hole.until - performance.now()) / 1000);
    if (left <= 0) this.#hole = null;
    return Math.max(0, left);
  }

  /** Add-then-delete: one transaction that succeeds whether or not the table is still there. */
  async #delete(link: string): Promise<void> {
    const table = `inet ${killSwitchTableName(link)}`;
    await this.#runner.run(['nft', '-f', '-'], { stdin: `add table ${table}\ndelete table ${table}\n` });
  }
}
