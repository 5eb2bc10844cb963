// Which routes a config asks for, in wg-quick's order. wg-quick reads the peers' AllowedIPs back from the
// device (`wg show IF allowed-ips`, so networks with host bits cleared, each once) and adds a route for each
// in the order of `sort -nr -k 2 -t /`: longest prefix first, the default routes last, and, for equal lengths,
// sort's last-resort comparison of whole lines in the C locale, reversed by -r.
import { networkOf } from '../../../shared/config/ip.js';
import type { IpPrefix } from '../../../shared/config/model.js';

/** What the Table key means for routes: none, wg-quick's automatic handling, or all of them in one table. */
export type TablePlan = { kind: 'off' } | { kind: 'auto' } | { kind: 'table'; table: string };

export function tablePlan(table: string | undefined): TablePlan {
  // The parser lowercases `off` and `auto`; anything else is a table number or name for ip(8).
  if (table === undefined || table === 'auto') return { kind: 'auto' };
  if (table === 'off') return { kind: 'off' };
  return { kind: 'table', table };
}

export function prefixText(prefix: IpPrefix): string {
  return `${prefix.address}/${prefix.prefix}`;
}

export function routeOrder(peers: readonly { allowedIps: readonly IpPrefix[] }[]): IpPrefix[] {
  const unique = new Map<string, IpPrefix>();
  for (const peer of peers) {
    for (const allowed of peer.allowedIps) {
      const network = networkOf(allowed);
      unique.set(prefixText(network), network);
    }
  }
  return [...unique.entries()]
    .sort(([aText, a], [bText, b]) => b.prefix - a.prefix || (aText < bText ? 1 : aText > bText ? -1 : 0))
    .map(([, prefix]) => prefix);
}

export function isDefaultRoute(prefix: IpPrefix): boolean {
  return prefix.prefix === 0;
}
