// Where a tunnel gets its TUN device and UDP sockets, as wireguard-go's device is handed a tun.Device and a
// conn.Bind: the addon's in the service (addon-io.ts), the in-memory doubles' in tests (memory-io.ts).
import type { Bind } from './bind.js';
import type { Tun } from './tun.js';

export interface TunnelIo {
  /** A TUN device named `name` with `mtu` (addresses, routes and link state are the platform layer's). Throws
   *  when it cannot be made. */
  openTun(options: { name: string; mtu: number }): Tun;
  /** UDP sockets for a tunnel, not yet open (the tunnel opens them on its listen port). */
  openBind(): Bind;
  /** Whether a network interface named `name` exists now: a tunnel does not come up over one. */
  interfaceExists(name: string): boolean;
  /** The engine's clock: monotonic milliseconds that keep counting while the machine sleeps (boot-clock.ts). */
  readonly clock: () => number;
}
