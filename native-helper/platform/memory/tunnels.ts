/*
 * A tunnel's `up` and `down` in memory, step for step in wg-quick's order as platform/linux/tunnel.ts takes
 * them (PreUp, addresses, MTU and link up, DNS, routes, a default route becoming a full tunnel's table and
 * rules, PostUp; down: PreDown, every change undone newest first, PostDown), each step a change of the
 * MemorySystem. A step that fails undoes the ones before it, and `up` rejects with its error.
 *
 * What a memory network needs and no more: routes go in config order, a full tunnel's table is one step per
 * family, and DNS is one step (`dns wa 10.0.0.1 example.com`) by the system's dnsMethod: resolved's, per link,
 * goes with the link; the others, the whole system's, outlive it. Handing DNS over for a sign-in is the real
 * ../tunnel-dns.ts over those steps.
 */
import { formatPrefix } from '../../../shared/config/ip.js';
import type { TunnelConfig } from '../../../shared/config/model.js';
import { DEFAULT_MTU } from '../../engine/constants.js';
import { assertInterfaceName } from '../interface-name.js';
import { TunnelDns } from '../tunnel-dns.js';
import type {
  DnsConfigurator,
  DnsMethod,
  DnsSettings,
  HookPhase,
  TunnelConfigurator,
  TunnelHandle,
  TunnelUpOptions,
  Undo,
} from '../types.js';
import { UndoStack, asError, combinedError } from '../undo-stack.js';
import type { MemorySystem } from './system.js';

export interface MemoryTunnelOptions {
  /** Throws when the process that owns these tunnels is gone. */
  guard: () => void;
  /** Whether the link exists (the TUN device the caller created); `up` fails without it, as ip(8) would. */
  linkExists?: (link: string) => boolean;
}

export class MemoryTunnelConfigurator implements TunnelConfigurator {
  readonly #system: MemorySystem;
  readonly #options: MemoryTunnelOptions;

  constructor(system: MemorySystem, options: MemoryTunnelOptions) {
    this.#system = system;
    this.#options = options;
  }

  async up(name: string, config: TunnelConfig, options: TunnelUpOptions = {}): Promise<TunnelHandle> {
    const { guard, linkExists } = this.#options;
    const system = this.#system;
    guard();
    assertInterfaceName(name);
    if (linkExists !== undefined && !linkExists(name)) throw new Error(`Cannot find device "${name}"`);
    const iface = config.interface;
    const allowScripts = options.allowScripts === true;
    const hooks = (phase: HookPhase, commands: readonly string[]) => {
      if (allowScripts) for (const command of commands) system.record(`hook ${phase} ${name} ${command}`);
    };
    const change = (text: string, outlivesLink = false) => system.change(text, name, { outlivesLink, guard });
    const stack = new UndoStack();
    // A memory network's path MTU is Ethernet's, so wg-quick's rule (path MTU - 80) gives the engine's default.
    const mtu = iface.mtu ?? DEFAULT_MTU;
    let fwmark: number | null = iface.fwMark !== undefined && iface.fwMark !== 0 ? iface.fwMark : null;
    let table: number | null = null;
    let dns: TunnelDns | null = null;
    try {
      hooks('PreUp', iface.preUp);
      for (const address of iface.addresses) stack.push(change(`address ${name} ${formatPrefix(address)}`));
      stack.push(change(`link ${name} mtu ${mtu} up`));
      if (iface.dns.length > 0) {
        const configurator = new MemoryDnsConfigurator(system, system.dnsMethod, guard);
        dns = new TunnelDns(configurator, name, { servers: iface.dns, search: iface.dnsSearch });
        stack.push(await dns.apply());
      }
      for (const peer of iface.table === 'off' ? [] : config.peers) {
        for (const prefix of peer.allowedIps) {
          if (prefix.prefix !== 0 || (iface.table !== undefined && iface.table !== 'auto')) {
            stack.push(change(`route ${name} ${formatPrefix(prefix)}`));
            continue;
          }
          if (table === null) {
            table = fwmark ?? system.freeTable();
            fwmark = table;
            await options.onFwmark?.(fwmark);
          }
          const routes = prefix.family === 4 && options.excludePrivateIps === true ? ' public' : '';
          // The table's rules and firewall outlive the link, as ip rules and nft tables do.
          stack.push(change(`full tunnel ${name} ipv${prefix.family} table ${table}${routes}`, true));
        }
      }
      hooks('PostUp', iface.postUp);
    } catch (error) {
      throw await stack.rollBack(error);
    }

    let downing: Promise<void> | null = null;
    const down = async (): Promise<void> => {
      guard();
      dns?.ending();
      const errors: Error[] = [];
      const downHooks = (phase: HookPhase, commands: readonly string[]) => {
        try {
          hooks(phase, commands);
        } catch (error) {
          errors.push(asError(error));
        }
      };
      downHooks('PreDown', iface.preDown);
      errors.push(...(await stack.unwind()));
      downHooks('PostDown', iface.postDown);
      if (errors.length > 0) throw combinedError(`taking ${name} down`, errors);
    };
    return {
      name,
      mtu,
      fwmark,
      dnsMethod: dns?.method ?? null,
      warnings: [],
      down: () => (downing ??= down()),
      handOverDns: async (servers) => {
        guard();
        return dns === null ? null : dns.handOver(servers);
      },
    };
  }
}

/** A DNS method as one change of the system: resolved's goes with the link, the others' outlive it. */
class MemoryDnsConfigurator implements DnsConfigurator {
  readonly method: DnsMethod;
  readonly perLink: boolean;
  readonly #system: MemorySystem;
  readonly #guard: () => void;

  constructor(system: MemorySystem, method: DnsMethod, guard: () => void) {
    this.method = method;
    this.perLink = method === 'resolvectl';
    this.#system = system;
    this.#guard = guard;
  }

  async apply(link: string, settings: DnsSettings): Promise<Undo> {
    const text = `dns ${link} ${[...settings.servers, ...settings.search].join(' ')}`;
    return this.#system.change(text, link, { outlivesLink: !this.perLink, guard: this.#guard });
  }
}
