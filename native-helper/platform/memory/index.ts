/*
 * A Platform in memory, for tests of the daemon without root: one helper process's view of a MemorySystem
 * (system.ts), which records every call in order, keeps what is in place (so a crashed helper's leftovers can be
 * recovered by the next one), and can be told to fail a step. tunnels.ts and kill-switch.ts hold the two
 * concerns with more than a line to them; the network watch and the recoveries are here.
 *
 * die() is the helper process dying (SIGKILL): everything it set up stays as it is, and whatever of it is still
 * called (its handles' down, its undos, its watch) refuses, so a test can release the dead helper's objects
 * without them taking anything down, and start another helper, with a new MemoryPlatform, on the same system.
 */
import type {
  Connectivity,
  NetworkIdentity,
  NetworkIdentityWatch,
  NetworkWatch,
  NetworkWatchOptions,
  Platform,
  TunnelLeftovers,
} from '../types.js';
import { MemoryKillSwitch } from './kill-switch.js';
import { MemorySystem } from './system.js';
import { MemoryTunnelConfigurator } from './tunnels.js';

export interface MemoryPlatformOptions {
  /** Whether a link exists (the TUN devices of the I/O layer); by default every link does. */
  linkExists?: (link: string) => boolean;
}

export class MemoryPlatform implements Platform {
  readonly system: MemorySystem;
  readonly tunnels: MemoryTunnelConfigurator;
  readonly killSwitch: MemoryKillSwitch;
  #dead = false;
  readonly #unwatch = new Set<() => void>();

  constructor(system: MemorySystem = new MemorySystem(), options: MemoryPlatformOptions = {}) {
    this.system = system;
    const guard = () => this.#guard();
    this.tunnels = new MemoryTunnelConfigurator(system, { guard, linkExists: options.linkExists });
    this.killSwitch = new MemoryKillSwitch(system, guard);
  }

  /** The log of the system (every helper's calls). */
  get log(): string[] {
    return this.system.log;
  }

  watchNetwork(onChange: () => void, options: NetworkWatchOptions = {}): NetworkWatch {
    this.#guard();
    this.system.record('watch network');
    const unwatch = this.system.watch({ onChange, ignore: options.ignore });
    this.#unwatch.add(unwatch);
    let closed = false;
    return {
      ready: Promise.resolve(),
      close: async () => {
        if (closed || this.#dead) return;
        closed = true;
        this.#unwatch.delete(unwatch);
        unwatch();
        this.system.record('undo watch network');
      },
    };
  }

  watchNetworkIdentity(onChange: (identity: NetworkIdentity) => void): NetworkIdentityWatch {
    this.#guard();
    this.system.record('watch network identity');
    const unwatch = this.system.watchIdentity(onChange);
    this.#unwatch.add(unwatch);
    let closed = false;
    return {
      ready: Promise.resolve(),
      current: () => this.system.identity,
      checkConnectivity: async (): Promise<Connectivity> => {
        this.#guard();
        this.system.record('check connectivity');
        const found = this.system.connectivityCheck;
        if (found !== null && found !== this.system.identity.connectivity) {
          this.system.setIdentity({ ...this.system.identity, connectivity: found });
        }
        return this.system.identity.connectivity;
      },
      close: async () => {
        if (closed || this.#dead) return;
        closed = true;
        this.#unwatch.delete(unwatch);
        unwatch();
        this.system.record('undo watch network identity');
      },
    };
  }

  async recoverTunnel(name: string, leftovers: TunnelLeftovers): Promise<string[]> {
    this.#guard();
    this.system.record(`recover ${name} fwmark ${leftovers.fwmark ?? 'none'} dns ${leftovers.dnsMethod ?? 'none'}`);
    return this.system.removeAll(name).map((text) => `removed ${text}`);
  }

  async recoverDns(): Promise<boolean> {
    this.#guard();
    this.system.record('recover dns');
    return false;
  }

  /** ip(8)'s built-in names: a memory machine has no rt_tables of its own. */
  async routeTableNames(): Promise<string[]> {
    return ['default', 'main', 'local'];
  }

  async recoverKillSwitch(name: string): Promise<string[]> {
    this.#guard();
    this.system.record(`recover killswitch ${name}`);
    return this.system.killSwitches.delete(name) ? [`removed the kill switch of ${name}`] : [];
  }

  /** The helper process is gone (see the header). */
  die(): void {
    this.#dead = true;
    for (const unwatch of this.#unwatch) unwatch();
    this.#unwatch.clear();
  }

  get dead(): boolean {
    return this.#dead;
  }

  #guard(): void {
    if (this.#dead) throw new Error('the helper process that made this call is gone');
  }
}

export { MemorySystem } from './system.js';
export { describeKillSwitch } from './kill-switch.js';
