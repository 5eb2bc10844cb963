// The data plane's public surface: Tun and Bind, their batches and endpoints, the addon-backed implementations
// and the in-memory doubles.
export type { Tun } from './tun.js';
export type { Bind } from './bind.js';
export {
  DEFAULT_HEADROOM,
  DEFAULT_TAILROOM,
  createDatagramBatch,
  createPacketBatch,
  packetAt,
  type DatagramBatch,
  type PacketBatch,
} from './packet-batch.js';
export { ENDPOINT_SIZE, Endpoint, endpointHash, type IpFamily } from './endpoint.js';
export { EndpointTable } from './endpoint-table.js';
export { errnoError, isErrnoError, type ErrnoError } from './errno-error.js';
export { AddonTun, DEFAULT_TUN_MTU, openTun, type AddonTunOptions } from './addon-tun.js';
export { AddonBind, createBind, type AddonBindOptions, type SocketInfo } from './addon-bind.js';
export { MemoryTun, type MemoryTunOptions } from './memory-tun.js';
export { MemoryBind, MemoryNetwork, type DatagramFilter } from './memory-bind.js';
