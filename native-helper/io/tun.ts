// The tunnel side of the data plane, as wireguard-go's tun.Device, for JS: batches in both directions.
import type { PacketBatch } from './packet-batch.js';

export interface Tun {
  readonly name: string;
  /** The device's MTU as the system has it now (anyone may change it: `ip link set mtu`); setting it sets the
   *  system's. */
  mtu: number;
  /** Free bytes before and after every packet in the batches start() delivers. */
  readonly headroom: number;
  readonly tailroom: number;
  readonly closed: boolean;
  /**
   * Delivers the IP packets the system routes into the tunnel, in batches, on the JS thread. The batch is valid
   * only during the call (see packet-batch.ts). Call once.
   */
  start(onBatch: (batch: PacketBatch) => void): void;
  /**
   * Hands complete IP packets to the system. Returns how many it took; throws an ErrnoError (with `written`)
   * when some were refused, after trying them all.
   */
  writeBatch(batch: PacketBatch): number;
  /**
   * Called once when the device stops: with undefined after close(), or with the error that stopped it (a
   * device deleted from outside reads EBADFD), after its resources are released. Returns an unsubscribe.
   */
  onClose(listener: (error: Error | undefined) => void): () => void;
  /** Idempotent; resolves when no batch can be delivered any more and the device is gone. */
  close(): Promise<void>;
}
