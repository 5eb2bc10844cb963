/*
 * What the interop suites look at: a namespace's routing state (compared before `up` and after `down`), `wg show
 * dump`, the "dropped:" line of `warren show`, the kernel's UDP receive errors; and waiting for a condition.
 */
import type { TestNamespace } from './namespace.js';
import { type Site, onPath } from './interop-site.js';

/** nftables where `nft` exists (the platform uses it for a full tunnel); '' elsewhere. */
export const hasNft = onPath('nft');

/** What a tunnel could leave behind in a namespace: compared before `up` and after `down`. */
export interface NetworkState {
  links: string[];
  routes4: unknown;
  routes6: unknown;
  rules4: unknown;
  rules6: unknown;
  nftables: string;
}

export async function networkState(ns: TestNamespace): Promise<NetworkState> {
  const json = (...args: string[]) => ns.ipJson(...args);
  return {
    links: ((await json('link', 'show')) as { ifname: string }[]).map((link) => link.ifname).sort(),
    routes4: await json('-4', 'route', 'show', 'table', 'all'),
    routes6: await json('-6', 'route', 'show', 'table', 'all'),
    rules4: await json('-4', 'rule', 'show'),
    rules6: await json('-6', 'rule', 'show'),
    nftables: hasNft ? await ns.exec(['nft', 'list', 'ruleset']) : '',
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retries `check` until it stops throwing or `timeoutMs` passes (then its last error is thrown). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

/** `wg show NAME dump`, parsed: the interface line and one record per peer. */
export interface WgDump {
  publicKey: string;
  listenPort: number;
  fwmark: string;
  peers: {
    publicKey: string;
    presharedKey: string;
    endpoint: string;
    allowedIps: string[];
    latestHandshake: number;
    rxBytes: number;
    txBytes: number;
    persistentKeepalive: string;
  }[];
}

export async function wgDump(site: Site): Promise<WgDump> {
  const result = await site.wg('show', site.name, 'dump');
  if (result.status !== 0) throw new Error(`wg show ${site.name} dump: ${result.stderr}`);
  const [head = [], ...rows] = result.stdout
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
  // wg prints every field ("(none)", "off" for the empty ones): a short line is output this parser does not know.
  const field = (row: string[], i: number): string => {
    const value = row[i];
    if (value === undefined)
      throw new Error(`wg show ${site.name} dump: a line without field ${i + 1}:\n${result.stdout}`);
    return value;
  };
  return {
    publicKey: field(head, 1),
    listenPort: Number(field(head, 2)),
    fwmark: field(head, 3),
    peers: rows.map((row) => ({
      publicKey: field(row, 0),
      presharedKey: field(row, 1),
      endpoint: field(row, 2),
      allowedIps: field(row, 3) === '(none)' ? [] : field(row, 3).split(','),
      latestHandshake: Number(field(row, 4)),
      rxBytes: Number(field(row, 5)),
      txBytes: Number(field(row, 6)),
      persistentKeepalive: field(row, 7),
    })),
  };
}

/** The "dropped:" line of `warren show`'s interface section (the device's totals), as reason -> count. */
export function interfaceDrops(show: string): Record<string, number> {
  const section = show.split('\n\npeer:')[0]!; // split answers at least one piece
  const line = /^ {2}dropped: (.*)$/m.exec(section)?.[1] ?? '';
  return Object.fromEntries(
    line
      .split(', ')
      .filter(Boolean)
      .map((part) => {
        const [count, reason] = part.split(' ');
        return [reason, Number(count)];
      }),
  );
}

/** UDP datagrams the kernel of site's namespace dropped before a socket read them (full buffer, bad checksum). */
export async function udpInErrors(site: Site): Promise<number> {
  const snmp = (await site.exec(['cat', '/proc/net/snmp'])).stdout
    .split('\n')
    .filter((line) => line.startsWith('Udp: '));
  const [names, values] = snmp.map((line) => line.split(/\s+/).slice(1));
  if (names === undefined || values === undefined) throw new Error('/proc/net/snmp has no Udp: names and values');
  return Number(values[names.indexOf('InErrors')]);
}
