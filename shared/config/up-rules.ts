// Whole-config rules whose breach makes `warren up` fail on Linux, as wg-quick's `up` fails (or quietly lose part
// of the config), although every line is valid on its own; the parser reports them as errors, on the line to
// change, so that `warren check` fails first:
//   - an Address given twice, as the kernel counts addresses: an IPv4 address with the same prefix length, an
//     IPv6 address with any ("address already assigned");
//   - an MTU below 1280 while the tunnel uses IPv6: Linux turns IPv6 off on the link, dropping its IPv6
//     addresses, and IPv6 routes over it fail ("No such device");
//   - a Table name ip(8) does not know ("table" value is invalid), judged only when the caller knows the names.
import { quote } from './diagnostics.js';
import { formatPrefix } from './ip.js';
import type { InterfaceConfig, InterfaceLines, IpPrefix, PeerConfig, PeerLines } from './model.js';
import { suggest } from './schema.js';

/** IPv6's minimum link MTU (RFC 8200): below it Linux disables IPv6 on the link. */
export const IPV6_MIN_MTU = 1280;

type Report = (line: number, message: string) => void;

interface Section<C, L> {
  config: C;
  lines: L;
}

function duplicateAddresses({ config, lines }: Section<InterfaceConfig, InterfaceLines>, error: Report): void {
  const first = new Map<string, { address: IpPrefix; line: number }>();
  config.addresses.forEach((address, k) => {
    const line = lines.addresses[k] ?? lines.section;
    const identity = address.family === 4 ? formatPrefix(address) : address.address;
    const earlier = first.get(identity);
    if (earlier === undefined) {
      first.set(identity, { address, line });
      return;
    }
    const text = formatPrefix(address);
    const what =
      earlier.address.prefix === address.prefix
        ? `Address ${text} is given twice (also on line ${earlier.line})`
        : `Address ${text} repeats the address of ${formatPrefix(earlier.address)} (line ${earlier.line}), and ` +
          'Linux gives an interface each IPv6 address once, whatever its prefix length';
    error(line, `${what}: adding it again fails ("address already assigned"), so \`up\` fails, as wg-quick's does`);
  });
}

function mtuWithoutIpv6(
  iface: Section<InterfaceConfig, InterfaceLines>,
  peers: readonly Section<PeerConfig, PeerLines>[],
  error: Report,
): void {
  const mtu = iface.config.mtu;
  if (mtu === undefined || mtu >= IPV6_MIN_MTU) return;
  const losses: string[] = [];
  const k = iface.config.addresses.findIndex((a) => a.family === 6);
  const address = iface.config.addresses[k];
  if (address !== undefined) {
    losses.push(`its IPv6 Address ${formatPrefix(address)} (line ${iface.lines.addresses[k]}) is dropped`);
  }
  // Table = off adds no routes, so only the address is lost.
  const routed = iface.config.table === 'off' ? [] : peers;
  let routeFails = false;
  for (const peer of routed) {
    const j = peer.config.allowedIps.findIndex((a) => a.family === 6);
    const route = peer.config.allowedIps[j];
    if (route === undefined) continue;
    losses.push(`the route for AllowedIPs ${formatPrefix(route)} (line ${peer.lines.allowedIps[j]}) cannot be added`);
    routeFails = true;
    break;
  }
  if (losses.length === 0) return;
  error(
    iface.lines.mtu ?? iface.lines.section,
    `MTU ${mtu} is below ${IPV6_MIN_MTU}, the IPv6 minimum: Linux turns IPv6 off on the interface, so ` +
      `${losses.join(', ')}${routeFails ? ", and `up` fails, as wg-quick's does" : ''}; ` +
      `use an MTU of at least ${IPV6_MIN_MTU}, or no IPv6`,
  );
}

function unknownTable(
  { config, lines }: Section<InterfaceConfig, InterfaceLines>,
  names: readonly string[],
  error: Report,
): void {
  const table = config.table;
  // off and auto are wg-quick's; a number needs no name.
  if (table === undefined || table === 'off' || table === 'auto' || /^[0-9]+$/.test(table)) return;
  if (names.includes(table)) return;
  // ip(8) compares names exactly: `Main` is not `main`.
  const near = names.find((name) => name.toLowerCase() === table.toLowerCase()) ?? suggest(table, names);
  error(
    lines.table ?? lines.section,
    `Table ${quote(table)} is not a routing table ip(8) knows (it reads /etc/iproute2/rt_tables and rt_tables.d), ` +
      "so the routes cannot be added and `up` fails, as wg-quick's does; " +
      `${near === undefined ? 'add' : `did you mean \`${near}\`? Else add`} the name there, or use a table number`,
  );
}

/**
 * The errors of these rules for the [Interface] and peers read so far. `tableNames`, the names ip(8) knows on the
 * machine that will run the tunnel, lets a Table name be judged; without them (the window cannot read the
 * system's files) any name passes.
 */
export function upRuleErrors(
  iface: Section<InterfaceConfig, InterfaceLines>,
  peers: readonly Section<PeerConfig, PeerLines>[],
  tableNames: readonly string[] | undefined,
  error: Report,
): void {
  duplicateAddresses(iface, error);
  mtuWithoutIpv6(iface, peers, error);
  if (tableNames !== undefined) unknownTable(iface, tableNames, error);
}
