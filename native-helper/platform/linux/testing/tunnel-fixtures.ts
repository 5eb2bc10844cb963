// Test support for the Linux platform: configs from wg-quick text, a runner that records what it runs, and a
// snapshot of a network namespace's routing and filtering state to compare before `up` and after `down`.
import { parseConfig } from '../../../../shared/config/parse.js';
import type { TunnelConfig } from '../../../../shared/config/model.js';
import { formatCommand, type CommandRunner } from '../run-command.js';

const PRIVATE_KEY = 'zamsynWmDjLflUM0XwPWkJ8bxDhS41QIRAqzXLOc/nw=';
const PEER_KEYS = [
  'i2n7CduWVuqnCM0wk9Dfw9gAP3AaOcyokrql7kpkq8M=',
  'oxldsE74SHgokfP4W2FQEvj47TihInm7v9ImtWBh0g4=',
  'x0T3F8TLN5c8U3GRiHG0XQ/39JR/bJN2ypTzNHIAfyA=',
];

/** A config from the lines of its [Interface] (beyond the key) and of each [Peer] (beyond the key). */
export function tunnelConfig(interfaceLines: string, ...peerLines: string[]): TunnelConfig {
  const text =
    `[Interface]\nPrivateKey = ${PRIVATE_KEY}\n${interfaceLines}\n` +
    peerLines.map((lines, i) => `\n[Peer]\nPublicKey = ${PEER_KEYS[i]}\n${lines}\n`).join('');
  const parsed = parseConfig(text);
  if (!parsed.ok) throw new Error(`bad test config: ${parsed.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`);
  return parsed.config;
}

/** Wraps a runner so that every command it runs is appended, as text, to `log`. */
export function recordingRunner(inner: CommandRunner, log: string[]): CommandRunner {
  return {
    run: (argv, options) => {
      log.push(formatCommand(argv));
      return inner.run(argv, options);
    },
    which: (name) => inner.which(name),
  };
}

export interface NamespaceProbe {
  ipJson<T = unknown>(...args: string[]): Promise<T>;
  exec(argv: readonly string[]): Promise<string>;
}

export interface NetworkSnapshot {
  rules4: unknown;
  rules6: unknown;
  routes4: unknown;
  routes6: unknown;
  addresses: unknown;
  links: unknown;
  nft: string;
}

/** Drops what the kernel changes by itself and nobody undoes: a link that has once been up keeps the default
 *  qdisc the kernel attached then. */
function withoutQdisc(links: unknown): unknown {
  return (links as Record<string, unknown>[]).map(({ qdisc: _qdisc, ...rest }) => rest);
}

export async function networkSnapshot(ns: NamespaceProbe): Promise<NetworkSnapshot> {
  return {
    rules4: await ns.ipJson('-4', 'rule', 'show'),
    rules6: await ns.ipJson('-6', 'rule', 'show'),
    routes4: await ns.ipJson('-4', 'route', 'show', 'table', 'all'),
    routes6: await ns.ipJson('-6', 'route', 'show', 'table', 'all'),
    addresses: withoutQdisc(await ns.ipJson('address', 'show')),
    links: withoutQdisc(await ns.ipJson('link', 'show')),
    nft: await ns.exec(['nft', 'list', 'ruleset']),
  };
}

export interface RouteEntry {
  dst: string;
  dev?: string;
  table?: string;
  protocol?: string;
  type?: string;
}

/** The routes over `dev` that someone added (not the kernel's own for the link's addresses), as `dst table`. */
export function addedRoutes(routes: RouteEntry[], dev: string): string[] {
  return routes
    .filter((route) => route.dev === dev && route.protocol !== 'kernel' && route.type === undefined)
    .map((route) => `${route.dst} ${route.table ?? 'main'}`);
}
