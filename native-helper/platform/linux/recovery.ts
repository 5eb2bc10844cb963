// What a tunnel of a helper that died (SIGKILL, a crash) leaves behind on Linux, and its removal before the next
// helper starts. The kernel removes the TUN interface with the last descriptor, and the routes and addresses on
// it go with it; a full tunnel's policy rules and its nft tables are not bound to the link and stay, sending
// everything into a table whose default route is gone. Only what our own patterns made is removed:
//  - the interface, if one of that name is left and is a TUN device (a persistent one; anything else is not ours);
//  - per family, each `not fwmark T table T` rule (addresses-routes.ts addDefaultRoute, for the table T the
//    tunnel used) and the `table main suppress_prefixlength 0` rule added just after it, which the kernel gave
//    the priority one below; a suppress rule elsewhere belongs to another tunnel and stays;
//  - the nft tables `warren-NAME` of both families (firewall.ts).
import { assertInterfaceName } from '../interface-name.js';
import type { TunnelLeftovers } from '../types.js';
import { nftTableName } from './firewall.js';
import type { CommandRunner } from './run-command.js';

interface RuleEntry {
  priority?: number;
  [key: string]: unknown;
}

/** A rule exactly as `ip rule add not fwmark T table T` makes it. */
function isFullTunnelRule(rule: RuleEntry, table: number): boolean {
  const keys = Object.keys(rule).sort().join(',');
  return (
    keys === 'fwmark,not,priority,src,table' &&
    rule.src === 'all' &&
    Number(rule.fwmark) === table &&
    rule.table === String(table)
  );
}

/** A rule exactly as `ip rule add table main suppress_prefixlength 0` makes it, at this priority. */
function isSuppressRule(rule: RuleEntry, priority: number): boolean {
  const keys = Object.keys(rule).sort().join(',');
  return (
    keys === 'priority,src,suppress_prefixlen,table' &&
    rule.priority === priority &&
    rule.src === 'all' &&
    rule.table === 'main' &&
    rule.suppress_prefixlen === 0
  );
}

export class LinuxTunnelRecovery {
  readonly #runner: CommandRunner;

  constructor(runner: CommandRunner) {
    this.#runner = runner;
  }

  /** Removes the leftovers of tunnel `name`; resolves with what it removed, in words, for the log. */
  async recover(name: string, leftovers: TunnelLeftovers): Promise<string[]> {
    assertInterfaceName(name);
    const done: string[] = [];
    const link = await this.#json<{ linkinfo?: { info_kind?: string } }[]>([
      'ip',
      '-d',
      '-j',
      'link',
      'show',
      'dev',
      name,
    ]);
    if (link !== null && link.length > 0) {
      if (link[0]!.linkinfo?.info_kind !== 'tun') {
        done.push(`left the interface ${name} alone: it is not a TUN device, so not Warren's`);
      } else {
        await this.#runner.run(['ip', 'link', 'del', 'dev', name]);
        done.push(`deleted the leftover interface ${name}`);
      }
    }
    if (leftovers.fwmark !== null) {
      const table = leftovers.fwmark;
      for (const family of ['-4', '-6']) {
        const rules = (await this.#json<RuleEntry[]>(['ip', '-j', family, 'rule', 'show'])) ?? [];
        for (const rule of rules.filter((r) => isFullTunnelRule(r, table))) {
          const priority = rule.priority!;
          await this.#runner.run([
            'ip',
            family,
            'rule',
            'del',
            'priority',
            String(priority),
            'not',
            'fwmark',
            String(table),
            'table',
            String(table),
          ]);
          done.push(`deleted the IPv${family[1]} rule ${priority}: not fwmark ${table} table ${table}`);
          if (rules.some((r) => isSuppressRule(r, priority - 1))) {
            await this.#runner.run([
              'ip',
              family,
              'rule',
              'del',
              'priority',
              String(priority - 1),
              'table',
              'main',
              'suppress_prefixlength',
              '0',
            ]);
            done.push(`deleted the IPv${family[1]} rule ${priority - 1}: table main suppress_prefixlength 0`);
          }
        }
      }
    }
    if ((await this.#runner.which('nft')) !== null) {
      const tables = (await this.#runner.run(['nft', 'list', 'tables'])).stdout.split('\n').map((line) => line.trim());
      for (const family of ['ip', 'ip6']) {
        const table = nftTableName(name);
        if (!tables.includes(`table ${family} ${table}`)) continue;
        // `warren-NAME` cannot be read as an option; the names above follow `dev`, which takes the next word as a name.
        await this.#runner.run(['nft', 'delete', 'table', family, table]);
        done.push(`deleted the nft table ${family} ${table}`);
      }
    }
    return done;
  }

  /** `ip -j ...` parsed, or null when the command fails (no such link). */
  async #json<T>(argv: string[]): Promise<T | null> {
    try {
      return JSON.parse((await this.#runner.run(argv)).stdout) as T;
    } catch {
      return null;
    }
  }
}
