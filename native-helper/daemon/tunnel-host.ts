// The world a tunnel runs in, handed to it as one object: the I/O layer's TUN devices and UDP sockets, and the
// OS's platform layer (addresses, routes, DNS, the kill switch). The service's is the addon's I/O with the OS's
// platform (helper-service.ts composes it); tests hand in a MemoryHost (testing/memory-host.ts), where tunnels
// talk over an in-memory network and the platform records what it was asked to do, so the daemon's own rules
// are tested without root, as wireguard-go's device is with tuntest and bindtest.
import type { TunnelIo } from '../io/tunnel-io.js';
import type { Platform } from '../platform/types.js';

export interface TunnelHost {
  readonly io: TunnelIo;
  readonly platform: Platform;
}
