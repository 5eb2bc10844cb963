// The nftables part of a full tunnel, as wg-quick's add_default writes it, in a table of our own per family
// (`warren-NAME`) so that taking it back is deleting that table and touches nobody else's rules:
//  - preraw: drop packets for the tunnel's addresses that arrive on another interface from a non-local source,
//    so a host on the LAN cannot reach into the tunnel's address space (the "preraw" anti-spoofing);
//  - postmangle/premangle: copy the fwmark of the tunnel's UDP packets into conntrack and back onto the replies,
//    so the replies pass the reverse-path filter (with src_valid_mark) instead of being looked up in the tunnel.
// Without `nft` nothing is done and nothing is said: wg-quick falls back to iptables-restore there, which we
// leave out (the kernel's nf_tables has been the default for years), and the tunnel works without these rules;
// they harden it.
import { assertInterfaceName } from '../interface-name.js';
import type { FirewallConfigurator, Undo } from '../types.js';
import type { CommandRunner } from './run-command.js';

/**
 * The nft table of a tunnel. nft identifiers allow letters, digits and `_ . - /` but not `=` or `+`, which
 * interface names may hold, and nft 1.0 takes no quoted table names; so `_` `=` `+` become `__` `_e` `_p`,
 * which keeps distinct interfaces in distinct tables (`wg0` stays `warren-wg0`).
 */
export function nftTableName(link: string): string {
  return `warren-${link.replace(/[_=+]/g, (c) => (c === '_' ? '__' : c === '=' ? '_e' : '_p'))}`;
}

export function nftScript(link: string, family: 4 | 6, fwmark: number, addresses: readonly string[]): string {
  const pf = family === 4 ? 'ip' : 'ip6';
  const table = `${pf} ${nftTableName(link)}`;
  const lines = [
    // Adding then deleting first makes the script start from an empty table even if a crash left one behind;
    // the whole file is one transaction.
    `add table ${table}`,
    `delete table ${table}`,
    `add table ${table}`,
    `add chain ${table} preraw { type filter hook prerouting priority -300; }`,
    `add chain ${table} premangle { type filter hook prerouting priority -150; }`,
    `add chain ${table} postmangle { type filter hook postrouting priority -150; }`,
    ...addresses.map(
      (address) => `add rule ${table} preraw iifname != "${link}" ${pf} daddr ${address} fib saddr type != local drop`,
    ),
    `add rule ${table} postmangle meta l4proto udp mark ${fwmark} ct mark set mark`,
    `add rule ${table} premangle meta l4proto udp meta mark set ct mark`,
  ];
  return lines.join('\n') + '\n';
}

export class NftFirewallConfigurator implements FirewallConfigurator {
  readonly #runner: CommandRunner;

  constructor(runner: CommandRunner) {
    this.#runner = runner;
  }

  async protectFullTunnel(link: string, family: 4 | 6, fwmark: number): Promise<Undo | null> {
    assertInterfaceName(link);
    if ((await this.#runner.which('nft')) === null) return null;
    const addresses = await this.#addresses(link, family);
    await this.#runner.run(['nft', '-f', '/dev/stdin'], { stdin: nftScript(link, family, fwmark, addresses) });
    const pf = family === 4 ? 'ip' : 'ip6';
    return async () => {
      // The table name starts with `warren-`, so it cannot be read as an option.
      await this.#runner.run(['nft', 'delete', 'table', pf, nftTableName(link)]);
    };
  }

  /** The link's addresses of the family as they are now (wg-quick reads `ip -o addr show dev IF` too). */
  async #addresses(link: string, family: 4 | 6): Promise<string[]> {
    const { stdout } = await this.#runner.run(['ip', '-j', `-${family}`, 'address', 'show', 'dev', link]);
    const links = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
    return links.flatMap((entry) =>
      (entry.addr_info ?? []).flatMap((info) => (info.local === undefined ? [] : [info.local])),
    );
  }
}
