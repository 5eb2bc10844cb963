// "Exclude private IPs", as the WireGuard apps for Android and Windows offer it: a peer's IPv4 default route,
// 0.0.0.0/0, becomes every IPv4 network except the private ones, so the LAN stays reachable outside the tunnel.
// The list is computed by prefix arithmetic (0.0.0.0/0 minus the private ranges, split into the fewest
// prefixes), and what "private" means is chosen so that the result is exactly the well-known list those apps
// write and recognise (0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, ... 208.0.0.0/4), so configs move between them unchanged:
//   10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16   RFC 1918
//   224.0.0.0/3                                 multicast (224/4) and reserved (240/4, broadcast included)
// Not excluded, as in those apps: 169.254.0.0/16 (a link that uses link-local addresses has its own /16 route,
// which is more specific than the 168.0.0.0/6 this leaves) and 127.0.0.0/8 (the local table answers for
// loopback before any route is looked at).
// IPv6 is left alone: ::/0 stays. Excluding fc00::/7 would take away the ULA addresses many VPNs give their
// tunnels and resolvers (Mullvad's fc00:bbbb::/32, say), and fe80::/10 is never routed off-link anyway.
// The tunnel's IPv4 DNS servers that fall in a private range are routed into the tunnel again as /32s, as the
// Android app does, or its resolver would be looked for on the LAN.
// Only an exact IPv4 /0 is rewritten; every other entry, private or not, is left as written: it is what the
// user asked to route (the tunnel's own 10.x subnet, say).
import { familyBits, formatPrefix, fromIpPrefix, parseIpAddress, toIpPrefix } from './ip.js';
import type { IpPrefix, TunnelConfig } from './model.js';

const prefix = (address: string, length: number): IpPrefix => ({ family: 4, address, prefix: length });

/** The IPv4 ranges "Exclude private IPs" takes out of 0.0.0.0/0. */
export const EXCLUDED_PRIVATE_IPV4: readonly IpPrefix[] = [
  prefix('10.0.0.0', 8),
  prefix('172.16.0.0', 12),
  prefix('192.168.0.0', 16),
  prefix('224.0.0.0', 3),
];

interface Range {
  first: bigint;
  last: bigint;
}

function rangeOf(p: IpPrefix): Range {
  const first = fromIpPrefix(p).value & ~((1n << BigInt(familyBits(p.family) - p.prefix)) - 1n);
  return { first, last: first + (1n << BigInt(familyBits(p.family) - p.prefix)) - 1n };
}

/** `from` without the addresses of `remove` (same family), as the fewest prefixes, in address order. */
export function subtractPrefixes(from: IpPrefix, remove: readonly IpPrefix[]): IpPrefix[] {
  const bits = familyBits(from.family);
  const removed = remove.filter((p) => p.family === from.family).map(rangeOf);
  const split = (first: bigint, length: number): IpPrefix[] => {
    const last = first + (1n << BigInt(bits - length)) - 1n;
    if (removed.every((r) => r.last < first || r.first > last)) {
      return [toIpPrefix({ family: from.family, value: first }, length)];
    }
    if (removed.some((r) => r.first <= first && last <= r.last)) return [];
    // Prefixes nest or are disjoint: a removed range is strictly inside, so the halves are at most /bits.
    const half = 1n << BigInt(bits - length - 1);
    return [...split(first, length + 1), ...split(first + half, length + 1)];
  };
  return split(rangeOf(from).first, from.prefix);
}

const isIpv4Default = (p: IpPrefix) => p.family === 4 && p.prefix === 0;

function covers(prefixes: readonly IpPrefix[], family: 4 | 6, value: bigint): boolean {
  return prefixes.some((p) => {
    if (p.family !== family) return false;
    const r = rangeOf(p);
    return r.first <= value && value <= r.last;
  });
}

/** The public IPv4 networks: 0.0.0.0/0 without EXCLUDED_PRIVATE_IPV4. */
export function publicIpv4Networks(): IpPrefix[] {
  return subtractPrefixes(prefix('0.0.0.0', 0), EXCLUDED_PRIVATE_IPV4);
}

export interface ExcludePrivateIpsOptions {
  /** The tunnel's DNS servers (the [Interface] DNS addresses): private IPv4 ones stay routed into the tunnel. */
  dnsServers?: readonly string[];
}

/**
 * A peer's AllowedIPs with private IPv4 networks excluded: the first 0.0.0.0/0 is replaced, in place, by the
 * public networks (those the input does not list already), other IPv4 /0s are dropped, every other entry is kept
 * as written, and private IPv4 DNS servers that nothing else routes are appended as /32s. Without an IPv4 /0 the
 * entries come back unchanged.
 */
export function excludePrivateIps(allowedIps: readonly IpPrefix[], options: ExcludePrivateIpsOptions = {}): IpPrefix[] {
  if (!allowedIps.some(isIpv4Default)) return [...allowedIps];
  const kept = allowedIps.filter((p) => !isIpv4Default(p));
  const result: IpPrefix[] = [];
  // What we add is skipped when the input has it already; what the input has is kept as written, repeats too.
  const present = new Set(allowedIps.map(formatPrefix));
  const add = (p: IpPrefix) => {
    const text = formatPrefix(p);
    if (!present.has(text)) {
      present.add(text);
      result.push(p);
    }
  };
  let replaced = false;
  for (const entry of allowedIps) {
    if (!isIpv4Default(entry)) result.push(entry);
    else if (!replaced) {
      publicIpv4Networks().forEach(add);
      replaced = true;
    }
  }
  for (const server of options.dnsServers ?? []) {
    const parsed = parseIpAddress(server);
    if (!parsed.ok || parsed.value.family !== 4) continue;
    const value = parsed.value.value;
    if (covers(EXCLUDED_PRIVATE_IPV4, 4, value) && !covers(kept, 4, value)) add(toIpPrefix(parsed.value, 32));
  }
  return result;
}

/** The config with private IPs excluded from every peer (see excludePrivateIps), DNS servers from its [Interface]. */
export function excludePrivateIpsFromConfig(config: TunnelConfig): TunnelConfig {
  const dnsServers = config.interface.dns;
  const peers = config.peers.map((peer) => ({
    ...peer,
    allowedIps: excludePrivateIps(peer.allowedIps, { dnsServers }),
  }));
  return { ...config, peers };
}

/** Whether these AllowedIPs already exclude private IPs (another app wrote them): every public network listed
 *  and no IPv4 /0. The Android app asks the same, comparing the entries as written. */
export function excludesPrivateIps(allowedIps: readonly IpPrefix[]): boolean {
  if (allowedIps.some(isIpv4Default)) return false;
  const present = new Set(allowedIps.map(formatPrefix));
  return publicIpv4Networks().every((p) => present.has(formatPrefix(p)));
}

/** AllowedIPs as the user reads them in a config (`0.0.0.0/5, 8.0.0.0/7, ...`), for showing what an option makes. */
export function formatAllowedIps(allowedIps: readonly IpPrefix[]): string {
  return allowedIps.map(formatPrefix).join(', ');
}
