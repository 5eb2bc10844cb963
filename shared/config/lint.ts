// lintConfig: findings that do not stop a tunnel from being configured but that a careful admin wants to hear
// about: traffic that leaks around the tunnel or never enters it, routes one peer steals from another, settings
// Warren ignores, keys pasted into the wrong place. Each finding is on the line it concerns; for a config that
// did not come from a file, on the line it has in the canonical text (renderConfig).
import { warning } from './diagnostics.js';
import { formatPrefix, networkOf, parseIpAddress } from './ip.js';
import { isZeroKey } from './keys.js';
import type { ConfigLines, Diagnostic, TunnelConfig } from './model.js';
import { buildRoutes, fullCoverage, nestings, routeFor, type Route } from './route-table.js';
import { renderConfig } from './serialize.js';

const LOW_KEEPALIVE = 10;
/** 1500 minus WireGuard over IPv4 (60 bytes): a larger MTU fragments on an ordinary Ethernet path. */
const PLAIN_PATH_MTU = 1440;
const ALL = { 4: '0.0.0.0/0', 6: '::/0' } as const;

type Add = (line: number, message: string) => void;

function lintHooks(config: TunnelConfig, lines: ConfigLines, add: Add): void {
  const i = config.interface;
  const il = lines.interface;
  const hooks = [
    ['PreUp', i.preUp, il.preUp],
    ['PostUp', i.postUp, il.postUp],
    ['PreDown', i.preDown, il.preDown],
    ['PostDown', i.postDown, il.postDown],
  ] as const;
  for (const [key, values, hookLines] of hooks) {
    values.forEach((hook, k) => {
      const line = hookLines[k] ?? il.section;
      add(line, `${key} will not run unless scripts are allowed for this tunnel`);
      if (hook.includes('#')) {
        add(
          line,
          `${key} contains \`#\`: wg-quick before v1.0.20260223 cuts the command there, ` +
            'newer ones and Warren pass it to the shell whole',
        );
      }
    });
  }
}

function lintInterface(config: TunnelConfig, lines: ConfigLines, add: Add): void {
  const i = config.interface;
  const il = lines.interface;
  if (isZeroKey(i.privateKey)) {
    add(il.privateKey ?? il.section, 'PrivateKey is all zeros; wg treats it as no key at all');
  }
  if (i.saveConfig) {
    add(
      il.saveConfig ?? il.section,
      'SaveConfig = true is ignored: Warren never writes the running state back to the file',
    );
  }
  const dnsLine = il.dns[0] ?? il.dnsSearch[0];
  if (dnsLine !== undefined && i.addresses.length === 0) {
    add(dnsLine, 'DNS is set but [Interface] has no Address, so no DNS query can be sent through the tunnel');
  }
  if (i.dnsSearch.length > 0 && i.dns.length === 0) {
    add(
      il.dnsSearch[0] ?? il.section,
      'DNS has search domains but no server address; wg-quick ignores search domains without a server',
    );
  }
  if (i.mtu !== undefined && i.mtu > PLAIN_PATH_MTU) {
    add(
      il.mtu ?? il.section,
      `MTU ${i.mtu} leaves no room for WireGuard's 60-80 bytes on a 1500-byte path, so packets fragment ` +
        '(1420 is the usual value)',
    );
  }
  // A repeated Address is an error (up-rules.ts): the kernel refuses it. A repeated DNS entry is only noise.
  duplicates([...i.dns, ...i.dnsSearch], [...il.dns, ...il.dnsSearch], 'DNS entry', add);
  if (config.peers.length === 0) add(il.section, 'there is no [Peer] section, so the tunnel has no one to talk to');
}

function duplicates(values: string[], valueLines: number[], what: string, add: Add): void {
  const first = new Map<string, number>();
  values.forEach((value, k) => {
    const line = valueLines[k] ?? 0;
    const earlier = first.get(value.toLowerCase());
    if (earlier === undefined) first.set(value.toLowerCase(), line);
    else add(line, `${what} ${value} is given twice (also on line ${earlier})`);
  });
}

function lintPeers(config: TunnelConfig, lines: ConfigLines, add: Add): void {
  const i = config.interface;
  const publicKeys = new Map<string, number>();
  config.peers.forEach((p, k) => publicKeys.set(p.publicKey, lines.peers[k]?.publicKey ?? 0));
  const presharedKeys = new Map<string, number>();
  config.peers.forEach((p, k) => {
    const pl = lines.peers[k];
    if (pl === undefined) return;
    if (p.publicKey === i.privateKey) {
      add(
        pl.publicKey ?? pl.section,
        "this PublicKey is the [Interface] PrivateKey: was the private key pasted here? Use the peer's public key",
      );
    } else if (isZeroKey(p.publicKey)) {
      add(pl.publicKey ?? pl.section, 'PublicKey is all zeros, which no peer can have');
    }
    if (p.allowedIps.length === 0) {
      add(pl.section, 'this peer has no AllowedIPs, so no traffic is sent to it or accepted from it');
    }
    if (p.endpoint === undefined && i.listenPort === undefined) {
      add(
        pl.section,
        'this peer has no Endpoint and [Interface] has no ListenPort: neither side can start a handshake',
      );
    }
    const keepalive = p.persistentKeepalive;
    if (keepalive !== undefined && keepalive > 0 && keepalive < LOW_KEEPALIVE) {
      add(
        pl.persistentKeepalive ?? pl.section,
        `PersistentKeepalive = ${keepalive} wakes the network every ${keepalive} s, costing battery and data; ` +
          '25 is the usual value',
      );
    }
    const psk = p.presharedKey;
    if (psk === undefined) return;
    const line = pl.presharedKey ?? pl.section;
    const asPublic = publicKeys.get(psk);
    if (psk === i.privateKey) {
      add(line, 'PresharedKey is the [Interface] PrivateKey; a preshared key must be its own secret (`wg genpsk`)');
    } else if (asPublic !== undefined) {
      add(
        line,
        `PresharedKey is the PublicKey on line ${asPublic}, which is not secret; generate one with \`wg genpsk\``,
      );
    }
    const shared = presharedKeys.get(psk);
    if (shared !== undefined) {
      add(
        line,
        `this PresharedKey is also used by the peer with PresharedKey on line ${shared}; give each peer its own`,
      );
    } else {
      presharedKeys.set(psk, line);
    }
  });
}

function describe(route: Route): string {
  return `${formatPrefix(route.prefix)} (line ${route.line})`;
}

function lintOverlaps(routes: Route[], lines: ConfigLines, add: Add): void {
  const peerLine = (route: Route) => lines.peers[route.peer]?.section;
  for (const { route, containers } of nestings(routes)) {
    const mine = formatPrefix(route.prefix);
    const equal = containers.find((c) => c.prefix.prefix === route.prefix.prefix);
    if (equal !== undefined) {
      add(
        route.line,
        equal.peer === route.peer
          ? `AllowedIPs ${mine} is given twice to this peer (also on line ${equal.line})`
          : `AllowedIPs ${mine} is also given to the peer on line ${peerLine(equal)} (line ${equal.line}); ` +
              'wg keeps it only for the later peer',
      );
      continue;
    }
    const sameInner = containers.findLast((c) => c.peer === route.peer);
    if (sameInner !== undefined) {
      add(route.line, `AllowedIPs ${mine} is already covered by ${describe(sameInner)} of this peer`);
    }
    // A more specific route carved out of another peer's default route is the usual multi-peer setup, not a slip.
    const otherInner = containers.findLast((c) => c.peer !== route.peer && c.prefix.prefix > 0);
    if (otherInner !== undefined) {
      add(
        route.line,
        `AllowedIPs ${mine} overlaps ${describe(otherInner)} of the peer on line ${peerLine(otherInner)}; ` +
          `traffic for ${mine} goes to this peer`,
      );
    }
  }
}

function lintRouting(config: TunnelConfig, lines: ConfigLines, routes: Route[], add: Add): void {
  const i = config.interface;
  const il = lines.interface;
  const full4 = fullCoverage(routes, 4);
  const full6 = fullCoverage(routes, 6);
  if (full4 !== null && full6 === null) {
    add(
      full4,
      `all IPv4 traffic goes through the tunnel but IPv6 does not, so IPv6 leaks around it; add ${ALL[6]} to AllowedIPs`,
    );
  }
  if (full6 !== null && full4 === null) {
    add(
      full6,
      `all IPv6 traffic goes through the tunnel but IPv4 does not, so IPv4 leaks around it; add ${ALL[4]} to AllowedIPs`,
    );
  }
  const fullLine = full4 ?? full6;
  if (i.table === 'off' && fullLine !== null) {
    add(
      il.table ?? il.section,
      `Table = off adds no routes, so the full-tunnel AllowedIPs (line ${fullLine}) route nothing into the tunnel`,
    );
  }

  for (const family of [4, 6] as const) {
    const k = i.addresses.findIndex((a) => a.family === family);
    if (k >= 0 && !routes.some((r) => r.prefix.family === family)) {
      add(
        il.addresses[k] ?? il.section,
        `Address ${formatPrefix(i.addresses[k]!)} is IPv${family} but no peer has IPv${family} AllowedIPs, ` +
          `so no IPv${family} traffic uses the tunnel`,
      );
    }
  }

  i.dns.forEach((server, k) => {
    const address = parseIpAddress(server);
    if (!address.ok || isLoopback(server)) return;
    if (routeFor(routes, address.value) === undefined) {
      add(
        il.dns[k] ?? il.section,
        `DNS server ${server} is not inside any peer's AllowedIPs, so DNS queries bypass the tunnel`,
      );
    }
  });

  if (i.table === 'main' || i.table === '254') lintMainTable(config, lines, routes, add);

  if (i.table === 'off') return;
  config.peers.forEach((p, k) => {
    if (p.endpoint === undefined) return;
    const address = parseIpAddress(p.endpoint.host);
    if (!address.ok) return;
    const route = routeFor(routes, address.value);
    // A /0 is exempt: wg-quick sends the tunnel's own packets around it with an fwmark rule.
    if (route !== undefined && route.prefix.prefix > 0) {
      add(
        lines.peers[k]?.endpoint ?? 0,
        `Endpoint ${p.endpoint.host} is inside AllowedIPs ${describe(route)}: ` +
          'packets to the endpoint would be routed into the tunnel itself',
      );
    }
  });
}

/**
 * Table = main: wg-quick runs `ip route add PREFIX dev IF table main` for every AllowedIPs entry, and for the subnet
 * of an IPv4 Address the kernel already has that route (it made it with the address), so wg-quick's `up` fails
 * ("File exists"). Warren skips a route the kernel already has, as wg-quick does without a Table; worth a word for
 * a file that is also used with wg-quick. (IPv6 is spared: the kernel's route has another metric than ip's.)
 */
function lintMainTable(config: TunnelConfig, lines: ConfigLines, routes: Route[], add: Add): void {
  const i = config.interface;
  const subnets = new Map<string, number>();
  i.addresses.forEach((address, k) => {
    // A /32 makes no subnet route.
    if (address.family !== 4 || address.prefix === 32) return;
    const subnet = formatPrefix(networkOf(address));
    if (!subnets.has(subnet)) subnets.set(subnet, lines.interface.addresses[k] ?? lines.interface.section);
  });
  for (const route of routes) {
    const addressLine = subnets.get(formatPrefix(route.prefix));
    if (addressLine === undefined) continue;
    add(
      route.line,
      `AllowedIPs ${formatPrefix(route.prefix)} is the subnet of the Address on line ${addressLine}, which the ` +
        `kernel already routes in the main table: Warren adds no route for it, but wg-quick with Table = ${i.table} ` +
        'fails ("File exists")',
    );
  }
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

export function lintConfig(config: TunnelConfig, lines: ConfigLines = renderConfig(config).lines): Diagnostic[] {
  const found: Diagnostic[] = [];
  const add: Add = (line, message) => found.push(warning(line, message));
  lintInterface(config, lines, add);
  lintHooks(config, lines, add);
  lintPeers(config, lines, add);
  const routes = buildRoutes(config.peers, lines.peers);
  lintOverlaps(routes, lines, add);
  if (config.peers.length > 0) lintRouting(config, lines, routes, add);
  return found.sort((a, b) => a.line - b.line);
}
