// A TunnelIo in memory, as wireguard-go's tuntest and bindtest together: every TUN device a MemoryTun, every
// Bind a MemoryBind on one MemoryNetwork, at this host's addresses, so a helper's tunnels talk to other engines
// in the same test with no root, device or socket. A test reaches a tunnel's device by name (tun()) to inject
// packets, read what was written, or delete it from outside.
//
// One MemoryIo is one process's; the interfaces are the machine's (several processes may share the map). die()
// is that process dying: its devices vanish, without it hearing of it, and its ports are free again. Its clock
// is real time that a test can make jump, as a machine's boot time does after a sleep (passTimeAsleep).
import { errnoError } from './errno-error.js';
import { type MemoryBind, MemoryNetwork } from './memory-bind.js';
import { MemoryTun } from './memory-tun.js';
import type { TunnelIo } from './tunnel-io.js';

export interface MemoryIoOptions {
  network?: MemoryNetwork;
  /** This host's addresses on the network (default: a fresh pair from it). */
  ipv4?: string;
  ipv6?: string;
  /** The machine's network interfaces, when processes share a machine (default: this process's alone). */
  interfaces?: Map<string, MemoryTun>;
}

export class MemoryIo implements TunnelIo {
  readonly network: MemoryNetwork;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly interfaces: Map<string, MemoryTun>;
  readonly #tuns = new Set<MemoryTun>();
  readonly #binds = new Set<MemoryBind>();
  #dead = false;
  /** Milliseconds the machine slept (passTimeAsleep): the clock counts them, timers do not. */
  #asleep = 0;

  constructor(options: MemoryIoOptions = {}) {
    this.network = options.network ?? new MemoryNetwork();
    const fresh =
      options.ipv4 === undefined || options.ipv6 === undefined ? this.network.allocateAddresses() : undefined;
    this.ipv4 = options.ipv4 ?? fresh!.ipv4;
    this.ipv6 = options.ipv6 ?? fresh!.ipv6;
    this.interfaces = options.interfaces ?? new Map();
  }

  openTun(options: { name: string; mtu: number }): MemoryTun {
    this.#alive('open a TUN device');
    // The kernel refuses TUNSETIFF for a name in use by another device.
    if (this.interfaces.has(options.name)) throw errnoError('EBUSY', 'ioctl', `TUNSETIFF ${options.name}`);
    const tun = new MemoryTun(options);
    this.interfaces.set(tun.name, tun);
    this.#tuns.add(tun);
    tun.onClose(() => this.#forget(tun));
    return tun;
  }

  openBind(): MemoryBind {
    this.#alive('open UDP sockets');
    const bind = this.network.createBind({ ipv4: this.ipv4, ipv6: this.ipv6 });
    this.#binds.add(bind);
    return bind;
  }

  interfaceExists(name: string): boolean {
    return this.interfaces.has(name);
  }

  /** Boot time as the addon's clock gives it: real time, plus whatever time asleep a test made pass. */
  readonly clock = (): number => performance.now() + this.#asleep;

  /** The machine slept for `ms`: the clock jumps ahead by that much at once, as CLOCK_BOOTTIME does on wake,
   *  while timers armed before (Node's, on CLOCK_MONOTONIC) do not notice. */
  passTimeAsleep(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`time asleep must be a number of ms >= 0, not ${ms}`);
    this.#asleep += ms;
  }

  /** The device of that name, if it exists. */
  tun(name: string): MemoryTun | undefined {
    return this.interfaces.get(name);
  }

  /** The sockets this process opened and has not closed, oldest first (their ports and marks, for tests). */
  get binds(): MemoryBind[] {
    return [...this.#binds].filter((bind) => bind.port !== 0);
  }

  /** This process died (see the header). Returns the names of the devices that went with it. */
  die(): string[] {
    this.#dead = true;
    const names: string[] = [];
    for (const tun of this.#tuns) {
      names.push(tun.name);
      tun.abandon();
      this.#forget(tun);
    }
    for (const bind of this.#binds) bind.abandon();
    this.#binds.clear();
    return names;
  }

  #forget(tun: MemoryTun): void {
    this.#tuns.delete(tun);
    if (this.interfaces.get(tun.name) === tun) this.interfaces.delete(tun.name);
  }

  #alive(what: string): void {
    if (this.#dead) throw new Error(`the process is gone: it cannot ${what}`);
  }
}
