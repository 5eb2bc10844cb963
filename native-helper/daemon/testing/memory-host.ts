/*
 * A machine for tests of the daemon without root: a TunnelHost whose I/O is in memory (io/memory-io.ts) and
 * whose platform records every call (platform/memory/), over the machine's state that outlives its helper
 * process: the network interfaces, what the platform put in place, the kill switches. Hosts built on one
 * MemoryNetwork reach each other, so a tunnel of one handshakes with a tunnel (or an engine) of another.
 *
 * Give the host to Tunnel.start or RunningTunnels, or its `io` and `platform` to startHelperService. crash() is
 * the helper process dying with SIGKILL: its TUN devices vanish (and the addresses and routes on them, as the
 * kernel removes them with the interface), its ports are free, and whatever of it is still called does nothing
 * to the machine; kill switches, a full tunnel's rules and the files in the runtime directory stay. A new
 * process's io and platform take its place for the next helper.
 */
import { MemoryNetwork } from '../../io/memory-bind.js';
import { MemoryIo } from '../../io/memory-io.js';
import type { MemoryTun } from '../../io/memory-tun.js';
import { MemoryPlatform, MemorySystem } from '../../platform/memory/index.js';
import type { TunnelHost } from '../tunnel-host.js';

export interface MemoryHostOptions {
  /** The network shared with other hosts (default: a network of its own). */
  network?: MemoryNetwork;
  /** The host's addresses on it (default: a fresh pair). */
  ipv4?: string;
  ipv6?: string;
}

export class MemoryHost implements TunnelHost {
  readonly network: MemoryNetwork;
  readonly system = new MemorySystem();
  readonly interfaces = new Map<string, MemoryTun>();
  readonly ipv4: string;
  readonly ipv6: string;
  #io: MemoryIo;
  #platform: MemoryPlatform;

  constructor(options: MemoryHostOptions = {}) {
    this.network = options.network ?? new MemoryNetwork();
    const fresh =
      options.ipv4 === undefined || options.ipv6 === undefined ? this.network.allocateAddresses() : undefined;
    this.ipv4 = options.ipv4 ?? fresh!.ipv4;
    this.ipv6 = options.ipv6 ?? fresh!.ipv6;
    this.#io = this.#newIo();
    this.#platform = this.#newPlatform();
  }

  /** The current helper process's I/O. */
  get io(): MemoryIo {
    return this.#io;
  }

  /** The current helper process's platform. */
  get platform(): MemoryPlatform {
    return this.#platform;
  }

  /** Every platform call on this machine, in order (platform/memory/system.ts). */
  get log(): string[] {
    return this.system.log;
  }

  /** The device of that name, if it exists. */
  tun(name: string): MemoryTun | undefined {
    return this.interfaces.get(name);
  }

  /** `ip link del NAME`: the tunnel that owns it hears EBADFD. */
  deleteInterface(name: string): Promise<void> {
    return this.interfaces.get(name)?.remove() ?? Promise.resolve();
  }

  /** The helper process dies (see the header). */
  crash(): void {
    for (const name of this.#io.die()) this.system.linkDeleted(name);
    this.#platform.die();
    this.#io = this.#newIo();
    this.#platform = this.#newPlatform();
  }

  #newIo(): MemoryIo {
    return new MemoryIo({ network: this.network, ipv4: this.ipv4, ipv6: this.ipv6, interfaces: this.interfaces });
  }

  #newPlatform(): MemoryPlatform {
    return new MemoryPlatform(this.system, { linkExists: (link) => this.interfaces.has(link) });
  }
}
