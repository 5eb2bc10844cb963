// The AllowedIPs of all peers as one sorted table, for the linter's routing questions: which entries repeat or
// nest inside another, whether a family's whole address space is covered, which entry holds an address.
// Prefixes are either nested or disjoint, so after sorting by (network, length) one sweep with a stack of
// enclosing entries finds every entry's containers; the stack is at most 33 or 129 deep, so the sweep is
// linear in the number of entries.
import { familyBits, fromIpPrefix, maskAddress, type IpAddress } from './ip.js';
import type { IpPrefix } from './model.js';

export interface Route {
  prefix: IpPrefix;
  network: bigint;
  peer: number;
  line: number;
}

export interface Nesting {
  route: Route;
  /** enclosing routes, outermost first; an equal prefix counts as enclosing */
  containers: Route[];
}

function encloses(outer: Route, inner: Route): boolean {
  if (outer.prefix.prefix > inner.prefix.prefix) return false;
  const shift = BigInt(familyBits(outer.prefix.family) - outer.prefix.prefix);
  return outer.network >> shift === inner.network >> shift;
}

export function buildRoutes(peers: { allowedIps: IpPrefix[] }[], lines: { allowedIps: number[] }[]): Route[] {
  const routes: Route[] = [];
  peers.forEach((peer, index) => {
    peer.allowedIps.forEach((prefix, k) => {
      const network = maskAddress(fromIpPrefix(prefix), prefix.prefix).value;
      routes.push({ prefix, network, peer: index, line: lines[index]?.allowedIps[k] ?? 0 });
    });
  });
  return routes;
}

/** Routes of one family, sorted so that containers come before what they contain (stable for equal ones). */
function sorted(routes: Route[], family: 4 | 6): Route[] {
  return routes
    .filter((r) => r.prefix.family === family)
    .sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : a.prefix.prefix - b.prefix.prefix));
}

/** For every route that has containers, the route and its containers. */
export function nestings(routes: Route[]): Nesting[] {
  const found: Nesting[] = [];
  for (const family of [4, 6] as const) {
    const stack: Route[] = [];
    for (const route of sorted(routes, family)) {
      while (stack.length > 0 && !encloses(stack[stack.length - 1]!, route)) stack.pop();
      if (stack.length > 0) found.push({ route, containers: [...stack] });
      // An equal prefix is already represented on the stack; keeping one copy keeps the stack shallow.
      const top = stack[stack.length - 1];
      if (top === undefined || top.prefix.prefix !== route.prefix.prefix) stack.push(route);
    }
  }
  return found;
}

/** Whether the routes of a family together cover all of its addresses (`0.0.0.0/0`, or `0.0.0.0/1` and
 *  `128.0.0.0/1`, ...). Returns the first line of the covering routes, or null. */
export function fullCoverage(routes: Route[], family: 4 | 6): number | null {
  const bits = familyBits(family);
  let covered = 0n;
  let end = -1n;
  let line = Infinity;
  for (const route of sorted(routes, family)) {
    if (route.network <= end) continue; // inside the previous outermost route
    const size = 1n << BigInt(bits - route.prefix.prefix);
    covered += size;
    end = route.network + size - 1n;
    line = Math.min(line, route.line);
  }
  return covered === 1n << BigInt(bits) ? line : null;
}

/** The most specific route holding `address`, as wg's longest-prefix match would pick it, or undefined. */
export function routeFor(routes: Route[], address: IpAddress): Route | undefined {
  let best: Route | undefined;
  for (const route of routes) {
    if (route.prefix.family !== address.family) continue;
    const inside = maskAddress(address, route.prefix.prefix).value === route.network;
    if (inside && (best === undefined || route.prefix.prefix > best.prefix.prefix)) best = route;
  }
  return best;
}
