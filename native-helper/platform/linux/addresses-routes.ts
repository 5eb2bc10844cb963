// Addresses, MTU, link state, routes and policy rules through iproute2, command for command as wg-quick(8)
// (src/wg-quick/linux.bash: add_addr, set_mtu_up, add_route, add_default). Each change returns the undo that
// removes exactly it: a rule is deleted by the priority the kernel gave it, not by a pattern that could also
// match someone else's rule. Undoing something bound to the link is a no-op once the link is gone, since the
// kernel took it away with the link.
import { networkOf, parseIpAddress } from '../../../shared/config/ip.js';
import type { IpPrefix } from '../../../shared/config/model.js';
import { assertInterfaceName } from '../interface-name.js';
import type { NetworkConfigurator, Undo } from '../types.js';
import { UndoStack } from '../undo-stack.js';
import { prefixText } from './route-plan.js';
import type { CommandRunner } from './run-command.js';

/** wg-quick's first table for a full tunnel, and the fwmark that goes with it (0xca6c). */
export const FIRST_FULL_TUNNEL_TABLE = 51820;
/** WireGuard's overhead on the path MTU: 40 bytes of IPv6 header, 8 of UDP, 32 of WireGuard. */
const WIREGUARD_OVERHEAD = 80;
/** What wg-quick assumes when no route says anything about the MTU. */
const FALLBACK_PATH_MTU = 1500;

interface RuleEntry {
  priority?: number;
}

export class IprouteNetworkConfigurator implements NetworkConfigurator {
  readonly #runner: CommandRunner;

  constructor(runner: CommandRunner) {
    this.#runner = runner;
  }

  async addAddress(link: string, address: IpPrefix): Promise<Undo> {
    assertInterfaceName(link);
    const family = `-${address.family}`;
    const text = prefixText(address);
    await this.#ip(family, 'address', 'add', text, 'dev', link);
    // Taking the link down (the undo before this one) already drops its IPv6 addresses, unless
    // keep_addr_on_down is set; an address that is gone is undone.
    return this.#undoOnLink(link, [family, 'address', 'del', text, 'dev', link], () => this.#hasAddress(link, address));
  }

  async automaticMtu(endpoints: readonly string[]): Promise<number> {
    let mtu = Infinity;
    for (const endpoint of endpoints) {
      if (!parseIpAddress(endpoint).ok) continue;
      const found = await this.#mtuOf(await this.#quiet('route', 'get', endpoint));
      if (found !== null && found < mtu) mtu = found;
    }
    if (mtu === Infinity) {
      // Only the first line, as wg-quick's `read -r output < <(ip route show default)`.
      // split gives one piece at least, so [0] is there.
      const found = await this.#mtuOf((await this.#quiet('route', 'show', 'default')).split('\n')[0]!);
      if (found !== null && found < mtu) mtu = found;
    }
    if (!(mtu > 0 && mtu < Infinity)) mtu = FALLBACK_PATH_MTU;
    return mtu - WIREGUARD_OVERHEAD;
  }

  async setMtuAndUp(link: string, mtu: number): Promise<Undo> {
    assertInterfaceName(link);
    const before = await this.#linkState(link);
    await this.#ip('link', 'set', 'mtu', String(mtu), 'up', 'dev', link);
    const restore = ['link', 'set', 'dev', link, 'mtu', String(before.mtu)];
    if (!before.up) restore.push('down');
    return this.#undoOnLink(link, restore);
  }

  async addRoute(link: string, prefix: IpPrefix, table?: string): Promise<Undo | null> {
    assertInterfaceName(link);
    const family = `-${prefix.family}`;
    const text = prefixText(networkOf(prefix));
    const inTable = table === undefined ? [] : ['table', table];
    // A route over the link that already holds the prefix (the one the kernel made for the link's own address,
    // say) is enough. wg-quick asks this only without a Table; with one it adds the route regardless, so
    // `Table = main` with AllowedIPs equal to an IPv4 Address's subnet fails there ("File exists"). We ask in the
    // table given too, so Table = main routes as no Table does; in a table of its own the link has no routes
    // yet but its own, added longest first, which never cover a later one. An unknown table makes the question
    // fail, read as "no", and the add then says why.
    if ((await this.#quiet(family, 'route', 'show', 'dev', link, 'match', text, ...inTable)).trim() !== '') return null;
    await this.#ip(family, 'route', 'add', text, 'dev', link, ...inTable);
    return this.#undoOnLink(link, [family, 'route', 'del', text, 'dev', link, ...inTable]);
  }

  async freeTable(): Promise<number> {
    let table = FIRST_FULL_TUNNEL_TABLE;
    while (
      (await this.#quiet('-4', 'route', 'show', 'table', String(table))).trim() !== '' ||
      (await this.#quiet('-6', 'route', 'show', 'table', String(table))).trim() !== ''
    ) {
      table++;
    }
    return table;
  }

  async addDefaultRoute(link: string, family: 4 | 6, table: number, routes?: readonly IpPrefix[]): Promise<Undo> {
    assertInterfaceName(link);
    const stack = new UndoStack();
    const f = `-${family}`;
    const t = String(table);
    try {
      stack.push(await this.#addRule(f, ['not', 'fwmark', t, 'table', t]));
      stack.push(await this.#addRule(f, ['table', 'main', 'suppress_prefixlength', '0']));
      const targets = routes?.map((route) => prefixText(networkOf(route))) ?? [family === 4 ? '0.0.0.0/0' : '::/0'];
      for (const target of targets) {
        await this.#ip(f, 'route', 'add', target, 'dev', link, 'table', t);
        stack.push(this.#undoOnLink(link, [f, 'route', 'del', target, 'dev', link, 'table', t]));
      }
    } catch (error) {
      throw await stack.rollBack(error);
    }
    return stack.asUndo(`the IPv${family} full tunnel over ${link}`);
  }

  async enableSrcValidMark(): Promise<void> {
    const key = 'net.ipv4.conf.all.src_valid_mark';
    const { stdout } = await this.#runner.run(['sysctl', '-n', key]);
    if (stdout.trim() !== '1') await this.#runner.run(['sysctl', '-q', `${key}=1`]);
  }

  /** Adds a rule and returns the undo that deletes that very rule, found by its kernel-given priority. */
  async #addRule(family: string, selector: string[]): Promise<Undo> {
    const before = new Set((await this.#rules(family)).map((rule) => JSON.stringify(rule)));
    await this.#ip(family, 'rule', 'add', ...selector);
    const added = (await this.#rules(family)).filter((rule) => !before.has(JSON.stringify(rule)));
    const priority = added.length === 1 ? added[0]!.priority : undefined;
    // Without a priority (rules could not be listed, or a concurrent change made ours ambiguous) the selector
    // alone picks the first matching rule, which is what wg-quick deletes too.
    const del = priority === undefined ? selector : ['priority', String(priority), ...selector];
    return async () => {
      await this.#ip(family, 'rule', 'del', ...del);
    };
  }

  async #rules(family: string): Promise<RuleEntry[]> {
    try {
      const { stdout } = await this.#runner.run(['ip', '-j', family, 'rule', 'show']);
      const parsed: unknown = JSON.parse(stdout);
      return Array.isArray(parsed) ? (parsed as RuleEntry[]) : [];
    } catch {
      return [];
    }
  }

  async #linkState(link: string): Promise<{ mtu: number; up: boolean }> {
    const { stdout } = await this.#ip('-j', 'link', 'show', 'dev', link);
    const [entry] = JSON.parse(stdout) as { mtu: number; flags: string[] }[];
    // ip fails for a link that does not exist; an empty list would be odd output, refused like a failure.
    if (entry === undefined) throw new Error(`\`ip -j link show dev ${link}\` listed no link`);
    return { mtu: entry.mtu, up: entry.flags.includes('UP') };
  }

  /** The MTU a line of `ip route` output names, or that of the device it names (wg-quick's set_mtu_up). */
  async #mtuOf(output: string): Promise<number | null> {
    const direct = /mtu ([0-9]+)/.exec(output);
    if (direct !== null) return Number(direct[1]);
    const dev = /dev ([^ ]+)/.exec(output);
    if (dev === null) return null;
    const device = /mtu ([0-9]+)/.exec(await this.#quiet('link', 'show', 'dev', dev[1]!));
    return device === null ? null : Number(device[1]);
  }

  // Every link name given to ip here follows `dev`, which takes the next word as the name whatever it looks
  // like, so a name cannot be read as an option (ip takes no `--`).
  #ip(...args: string[]) {
    return this.#runner.run(['ip', ...args]);
  }

  /** stdout of an `ip` query whose failure just means "nothing" (wg-quick's `2>/dev/null || true`). */
  async #quiet(...args: string[]): Promise<string> {
    try {
      return (await this.#ip(...args)).stdout;
    } catch {
      return '';
    }
  }

  /** Runs `ip ARGS`; a failure counts only while the link exists and (when asked) the thing is still there. */
  #undoOnLink(link: string, args: string[], stillThere?: () => Promise<boolean>): Undo {
    return async () => {
      try {
        await this.#ip(...args);
      } catch (error) {
        if ((await this.#linkExists(link)) && (stillThere === undefined || (await stillThere()))) throw error;
      }
    };
  }

  async #hasAddress(link: string, address: IpPrefix): Promise<boolean> {
    const { stdout } = await this.#ip('-j', `-${address.family}`, 'address', 'show', 'dev', link);
    const links = JSON.parse(stdout) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
    return links.some((entry) =>
      (entry.addr_info ?? []).some((info) => info.local === address.address && info.prefixlen === address.prefix),
    );
  }

  async #linkExists(link: string): Promise<boolean> {
    try {
      await this.#ip('link', 'show', 'dev', link);
      return true;
    } catch {
      return false;
    }
  }
}
