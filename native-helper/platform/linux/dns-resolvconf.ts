// DNS through resolvconf(8), exactly as wg-quick's set_dns/unset_dns: the nameserver and search lines on stdin
// to `resolvconf -a RECORD -m 0 -x` (metric 0, exclusive), and `resolvconf -d RECORD -f` to take them back.
// RECORD is the interface name, prefixed as wg-quick's resolvconf_iface_prefix does for Debian's resolvconf:
// when /etc/resolvconf/interface-order exists and resolvconf is not a symlink (openresolv's or systemd's), the
// first pattern of the form `NAME*` in it gives `NAME.` (`tun.` on a stock Debian), so the record sorts where
// the distribution wants VPN resolvers.
//
// No `--` here: Debian's resolvconf is a shell script that takes `-a`/`-d` as $1 and the record as $2, so it would
// take `--` for the record. The record is the argument of -a/-d, which openresolv's getopts and systemd's shim
// take as it is whatever it looks like, and the name rule (shared/config/interface-name.ts) refuses a name
// starting with `-` (as Debian's script does a record).
import { lstat, readFile } from 'node:fs/promises';
import { assertInterfaceName } from '../interface-name.js';
import type { DnsConfigurator, DnsSettings, Undo } from '../types.js';
import type { CommandRunner } from './run-command.js';

export const INTERFACE_ORDER_PATH = '/etc/resolvconf/interface-order';

export interface ResolvconfOptions {
  /** Where Debian's resolvconf keeps its interface order; a test points this at its own file. */
  interfaceOrderPath?: string;
}

/** The lines resolvconf reads for the tunnel. */
export function resolvconfInput(settings: DnsSettings): string {
  const lines = settings.servers.map((server) => `nameserver ${server}\n`);
  if (settings.search.length > 0) lines.push(`search ${settings.search.join(' ')}\n`);
  return lines.join('');
}

/** The record prefix from the text of interface-order: the first `NAME*` line, as `NAME.`, or ''. */
export function recordPrefixFrom(interfaceOrder: string): string {
  for (const line of interfaceOrder.split('\n')) {
    const match = /^([A-Za-z0-9-]+)\*$/.exec(line.trim());
    if (match !== null) return `${match[1]}.`;
  }
  return '';
}

export class ResolvconfDnsConfigurator implements DnsConfigurator {
  readonly method = 'resolvconf';
  readonly perLink = false;
  readonly #runner: CommandRunner;
  readonly #interfaceOrderPath: string;

  constructor(runner: CommandRunner, options: ResolvconfOptions = {}) {
    this.#runner = runner;
    this.#interfaceOrderPath = options.interfaceOrderPath ?? INTERFACE_ORDER_PATH;
  }

  async apply(link: string, settings: DnsSettings): Promise<Undo> {
    assertInterfaceName(link);
    const record = `${await this.#recordPrefix()}${link}`;
    await this.#runner.run(['resolvconf', '-a', record, '-m', '0', '-x'], { stdin: resolvconfInput(settings) });
    return async () => {
      await this.#runner.run(['resolvconf', '-d', record, '-f']);
    };
  }

  /**
   * After a crash: deletes the record a tunnel on `link` left. resolvconf keeps it (and its nameservers in
   * resolv.conf) after the interface is gone, so the system would go on asking a resolver only the dead
   * tunnel could reach. `-f`: no error when there is no such record. Resolves with what it did, in words.
   */
  async removeLeftover(link: string): Promise<string[]> {
    assertInterfaceName(link);
    if ((await this.#runner.which('resolvconf')) === null) return [];
    const record = `${await this.#recordPrefix()}${link}`;
    await this.#runner.run(['resolvconf', '-d', record, '-f']);
    return [`deleted the resolvconf record ${record}`];
  }

  async #recordPrefix(): Promise<string> {
    const resolvconf = await this.#runner.which('resolvconf');
    if (resolvconf === null) return '';
    try {
      if ((await lstat(resolvconf)).isSymbolicLink()) return '';
      return recordPrefixFrom(await readFile(this.#interfaceOrderPath, 'utf8'));
    } catch {
      return ''; // no interface-order: not Debian's resolvconf
    }
  }
}
