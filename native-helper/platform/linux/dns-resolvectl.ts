// DNS through systemd-resolved, per link: the tunnel's servers and search domains on the tunnel's link, plus the
// routing domain `~.`, which makes resolved send every query that no other link claims more specifically to
// these servers, and the link a default route for DNS. That is what wg-quick gets from `resolvconf -x` when
// resolvconf is systemd's (`-x`: "send DNS traffic preferably over this interface"); always, not only for a
// full tunnel, because a config that names DNS servers means them to be used. `resolvectl revert` drops all of
// it; resolved also forgets a link that is deleted. Per link, so a captive portal's sign-in only reverts it for a
// while (../tunnel-dns.ts): the network's own link, with its own resolvers, then takes every lookup.
//
// Every verb takes `--` before the link: resolvectl parses options anywhere on the line (getopt permutes), so
// without it a link or search domain starting with `-` would be read as an option. The name rule
// (shared/config/interface-name.ts) refuses such names too; this holds without relying on it.
import { assertInterfaceName } from '../interface-name.js';
import type { DnsConfigurator, DnsSettings, Undo } from '../types.js';
import { asError } from '../undo-stack.js';
import type { CommandRunner } from './run-command.js';

export class ResolvectlDnsConfigurator implements DnsConfigurator {
  readonly method = 'resolvectl';
  readonly perLink = true;
  readonly #runner: CommandRunner;

  constructor(runner: CommandRunner) {
    this.#runner = runner;
  }

  async apply(link: string, settings: DnsSettings): Promise<Undo> {
    assertInterfaceName(link);
    try {
      await this.#runner.run(['resolvectl', 'dns', '--', link, ...settings.servers]);
      await this.#runner.run(['resolvectl', 'domain', '--', link, '~.', ...settings.search]);
      await this.#runner.run(['resolvectl', 'default-route', '--', link, 'yes']);
    } catch (error) {
      // Half-set link DNS would be worse than none; the revert's own failure adds nothing to the first error.
      await this.#revert(link).catch(() => {});
      throw asError(error);
    }
    return () => this.#revert(link);
  }

  async #revert(link: string): Promise<void> {
    try {
      await this.#runner.run(['resolvectl', 'revert', '--', link]);
    } catch (error) {
      // A link that is gone has nothing left to revert.
      if (await this.#linkExists(link)) throw error;
    }
  }

  async #linkExists(link: string): Promise<boolean> {
    try {
      // `dev` makes the next word the name, whatever it looks like.
      await this.#runner.run(['ip', 'link', 'show', 'dev', link]);
      return true;
    } catch {
      return false;
    }
  }
}
