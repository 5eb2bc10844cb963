// A tunnel's `up` and `down` on Linux, in wg-quick's order (cmd_up, cmd_down), for a device the caller created
// and configured with keys and peers (wg-quick's add_if and set_config are the engine's business):
//   up:   NetworkManager told to leave the device alone -> PreUp -> addresses -> MTU and link up -> DNS -> routes, longest prefix first, a default route becoming
//         the full-tunnel policy routing (fwmark, rules, table, src_valid_mark, nft) -> PostUp; with Exclude
//         private IPs the IPv4 table holds the public networks instead of 0.0.0.0/0
//   down: PreDown -> every change undone, newest first -> PostDown
// Each change pushes its undo on a stack; when a step fails (a hook included) the stack is unwound and `up`
// rejects, leaving the system as it found it. Hooks run only when scripts are allowed; otherwise `up` carries on
// and says which hooks it skipped. A failed up runs no down hooks, as wg-quick's trap does not.
// The helper brings different tunnels up and down at the same time (a hook of one may take minutes), so the
// steps between the hooks, which read and change what all tunnels share (the first free routing table, rules,
// src_valid_mark, resolv.conf), run one tunnel at a time; the hooks run outside that. Handing a tunnel's DNS to a
// network's resolvers for a captive portal's sign-in (handOverDns, ../tunnel-dns.ts) runs one at a time with them.
import type { InterfaceConfig, TunnelConfig } from '../../../shared/config/model.js';
import { excludePrivateIps } from '../../../shared/config/exclude-private-ips.js';
import { parseIpAddress } from '../../../shared/config/ip.js';
import { assertInterfaceName } from '../interface-name.js';
import type {
  DnsConfigurator,
  DnsMethod,
  FirewallConfigurator,
  HookPhase,
  HookRunner,
  NetworkConfigurator,
  TunnelConfigurator,
  TunnelHandle,
  TunnelUpOptions,
} from '../types.js';
import { TunnelDns } from '../tunnel-dns.js';
import { asError, combinedError, UndoStack } from '../undo-stack.js';
import { isDefaultRoute, routeOrder, tablePlan } from './route-plan.js';

export interface LinuxTunnelParts {
  network: NetworkConfigurator;
  firewall: FirewallConfigurator;
  /** Chosen when a tunnel with DNS servers comes up, so the choice sees the system as it is then. */
  dns: () => Promise<DnsConfigurator>;
  hooks: HookRunner;
  /**
   * Tells the network manager to keep its hands off the interface (NetworkManager: unmanaged), before anything
   * is set on it; resolves with a warning for the user when that could not be done, null otherwise. Never rejects.
   */
  leaveAlone?: (link: string) => Promise<string | null>;
}

const HOOK_KEYS: readonly [HookPhase, 'preUp' | 'postUp' | 'preDown' | 'postDown'][] = [
  ['PreUp', 'preUp'],
  ['PostUp', 'postUp'],
  ['PreDown', 'preDown'],
  ['PostDown', 'postDown'],
];

/** What the user is told for each kind of hook the config has when scripts are not allowed. */
export function skippedHookWarnings(iface: InterfaceConfig): string[] {
  return HOOK_KEYS.filter(([, key]) => iface[key].length > 0).map(
    ([phase]) => `${phase} not run: scripts are not allowed for this tunnel; enable allow scripts to run them`,
  );
}

/** The endpoints wg-quick would measure the path MTU towards: those written as IP addresses. */
export function literalEndpoints(config: TunnelConfig): string[] {
  return config.peers.flatMap((peer) =>
    peer.endpoint !== undefined && parseIpAddress(peer.endpoint.host).ok ? [peer.endpoint.host] : [],
  );
}

export class LinuxTunnelConfigurator implements TunnelConfigurator {
  readonly #parts: LinuxTunnelParts;
  /** The end of the system-wide steps last queued, by any tunnel. */
  #systemWideTail: Promise<unknown> = Promise.resolve();

  constructor(parts: LinuxTunnelParts) {
    this.#parts = parts;
  }

  async up(name: string, config: TunnelConfig, options: TunnelUpOptions = {}): Promise<TunnelHandle> {
    assertInterfaceName(name);
    const { network, firewall, hooks } = this.#parts;
    const iface = config.interface;
    const allowScripts = options.allowScripts === true;
    const runHooks = async (phase: HookPhase, commands: readonly string[]) => {
      if (!allowScripts) return;
      for (const command of commands) await hooks.run(phase, command, name);
    };
    const stack = new UndoStack();
    // First, so NetworkManager never takes the addresses below for a connection of its own to manage.
    const leftAlone = (await this.#parts.leaveAlone?.(name)) ?? null;
    let mtu: number;
    let dnsMethod: DnsMethod | null = null;
    let dns: TunnelDns | null = null;
    // FwMark = off is 0: no mark.
    let fwmark: number | null = iface.fwMark !== undefined && iface.fwMark !== 0 ? iface.fwMark : null;
    try {
      await runHooks('PreUp', iface.preUp);
      await this.#systemWide(async () => {
        for (const address of iface.addresses) stack.push(await network.addAddress(name, address));
        mtu = iface.mtu ?? (await network.automaticMtu(options.endpoints ?? literalEndpoints(config)));
        stack.push(await network.setMtuAndUp(name, mtu));
        if (iface.dns.length > 0) {
          dns = new TunnelDns(await this.#parts.dns(), name, { servers: iface.dns, search: iface.dnsSearch });
          stack.push(await dns.apply());
          dnsMethod = dns.method;
        }
        const table = tablePlan(iface.table);
        let fullTunnelTable: number | null = null;
        for (const prefix of table.kind === 'off' ? [] : routeOrder(config.peers)) {
          if (table.kind === 'table') {
            stack.push(await network.addRoute(name, prefix, table.table));
          } else if (!isDefaultRoute(prefix)) {
            stack.push(await network.addRoute(name, prefix));
          } else {
            if (fullTunnelTable === null) {
              // wg-quick: the FwMark doubles as the table; without one, the first free table from 51820, which
              // becomes the device's fwmark (`wg set fwmark`) before any rule can send its packets astray.
              fullTunnelTable = fwmark ?? (await network.freeTable());
              fwmark = fullTunnelTable;
              await options.onFwmark?.(fwmark);
            }
            // Exclude private IPs: the table routes the public networks, the rest falls through to main.
            const routes =
              prefix.family === 4 && options.excludePrivateIps === true
                ? excludePrivateIps([prefix], { dnsServers: iface.dns })
                : undefined;
            stack.push(await network.addDefaultRoute(name, prefix.family, fullTunnelTable, routes));
            if (prefix.family === 4) await network.enableSrcValidMark();
            stack.push(await firewall.protectFullTunnel(name, prefix.family, fullTunnelTable));
          }
        }
      });
      await runHooks('PostUp', iface.postUp);
    } catch (error) {
      throw await this.#systemWide(() => stack.rollBack(error));
    }

    let downing: Promise<void> | null = null;
    const down = async (): Promise<void> => {
      dns?.ending();
      const errors: Error[] = [];
      const runDownHooks = async (phase: HookPhase, commands: readonly string[]) => {
        if (!allowScripts) return;
        for (const command of commands) {
          try {
            await hooks.run(phase, command, name);
          } catch (error) {
            errors.push(asError(error));
          }
        }
      };
      // Unlike wg-quick (set -e), a failed PreDown does not stop the tunnel from going down: a half-down
      // tunnel is worse for the user than a hook's side effect left in place.
      await runDownHooks('PreDown', iface.preDown);
      errors.push(...(await this.#systemWide(() => stack.unwind())));
      await runDownHooks('PostDown', iface.postDown);
      if (errors.length > 0) throw combinedError(`taking ${name} down`, errors);
    };

    return {
      name,
      mtu: mtu!,
      fwmark,
      dnsMethod,
      warnings: [...(leftAlone === null ? [] : [leftAlone]), ...(allowScripts ? [] : skippedHookWarnings(iface))],
      down: () => (downing ??= down()),
      handOverDns: async (servers) => {
        const tunnelDns = dns;
        if (tunnelDns === null) return null;
        // resolv.conf and NetworkManager's global DNS are every tunnel's: one tunnel's step at a time.
        const handBack = await this.#systemWide(() => tunnelDns.handOver(servers));
        return () => this.#systemWide(handBack);
      },
    };
  }

  /** Runs the steps every tunnel shares one tunnel at a time, in the order they were asked for. */
  #systemWide<T>(steps: () => Promise<T>): Promise<T> {
    const result = this.#systemWideTail.then(steps);
    this.#systemWideTail = result.catch(() => {});
    return result;
  }
}
