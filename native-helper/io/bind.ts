// The network side of the data plane, as wireguard-go's conn.Bind, for JS: UDP on one port for IPv4 and IPv6,
// batches in both directions, every datagram with its endpoint record (engine/endpoint.ts).
import type { DatagramBatch } from './packet-batch.js';
import type { ErrnoError } from './errno-error.js';

export interface Bind {
  /** The port the sockets listen on; 0 while closed. */
  readonly port: number;
  /**
   * Listens on port for IPv4 and IPv6 (0: one the system picks, the same for both). A system without IPv6 gets
   * IPv4 alone. Returns the port; throws an ErrnoError (EADDRINUSE, ...). Open again only after close().
   */
  open(port: number): number;
  /**
   * Delivers received datagrams in batches, with each datagram's source endpoint, on the JS thread. The batch
   * is valid only during the call. Call once per open().
   */
  start(onBatch: (batch: DatagramBatch) => void): void;
  /**
   * Sends datagram i to endpoints[i]. Returns how many the system took (fewer when its buffers stayed full:
   * dropped, as UDP does); throws an ErrnoError (with `sent`, `failed`) when some were refused, after trying all.
   */
  sendBatch(batch: DatagramBatch): number;
  /** SO_MARK on every socket (WireGuard's FwMark; 0 clears). Applies from now on, also after a reopen. */
  setMark(mark: number): void;
  /** A socket's reader stopped on an error; sending still works, and reopening restores receiving. */
  onError(listener: (error: ErrnoError) => void): () => void;
  /** Idempotent; resolves when no batch can be delivered any more. */
  close(): Promise<void>;
}
