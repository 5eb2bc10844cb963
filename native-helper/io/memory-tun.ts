// A Tun in memory, as wireguard-go's tuntest: a test injects the packets the system would route into the tunnel
// and sees what the engine writes back, without a device. Batches follow the addon's layout (headroom and
// tailroom around every packet) and arrive asynchronously, in order.
import { DEFAULT_MTU } from '../engine/constants.js';
import { SEND_HEADROOM, SEND_TAILROOM } from '../engine/device-types.js';
import { errnoError } from './errno-error.js';
import { type PacketBatch, createPacketBatch } from './packet-batch.js';
import { checkCount } from './slots.js';
import type { Tun } from './tun.js';

export interface MemoryTunOptions {
  name?: string;
  mtu?: number;
  headroom?: number;
  tailroom?: number;
  /** Packets per delivered batch at most. Default 64. */
  batchPackets?: number;
}

const align16 = (n: number): number => (n + 15) & ~15;

export class MemoryTun implements Tun {
  readonly name: string;
  readonly headroom: number;
  readonly tailroom: number;
  mtu: number;
  /** Copies of the packets written by the engine, oldest first; a test may empty it. */
  readonly written: Uint8Array[] = [];
  readonly #batchPackets: number;
  readonly #queue: Uint8Array[] = [];
  readonly #closeListeners = new Set<(error: Error | undefined) => void>();
  readonly #writeListeners = new Set<(packet: Uint8Array) => void>();
  #onBatch: ((batch: PacketBatch) => void) | undefined;
  #batch: PacketBatch | undefined;
  #scheduled = false;
  #closing: Promise<void> | undefined;

  constructor(options: MemoryTunOptions = {}) {
    this.name = options.name ?? 'memory0';
    this.mtu = checkCount('mtu', options.mtu ?? DEFAULT_MTU, 68, 65535);
    this.headroom = checkCount('headroom', options.headroom ?? SEND_HEADROOM, 0, 4096);
    this.tailroom = checkCount('tailroom', options.tailroom ?? SEND_TAILROOM, 0, 4096);
    this.#batchPackets = checkCount('batchPackets', options.batchPackets ?? 64, 1, 4096);
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Packets as if the system routed them into the tunnel (copied now, delivered soon). */
  inject(...packets: Uint8Array[]): void {
    if (this.closed) return;
    for (const packet of packets) {
      if (packet.length > this.mtu) throw new RangeError(`packet of ${packet.length} bytes exceeds MTU ${this.mtu}`);
      this.#queue.push(packet.slice());
    }
    this.#schedule();
  }

  /** Hears every packet the engine writes (a copy), as it is written. */
  onWrite(listener: (packet: Uint8Array) => void): () => void {
    this.#writeListeners.add(listener);
    return () => this.#writeListeners.delete(listener);
  }

  start(onBatch: (batch: PacketBatch) => void): void {
    if (this.#onBatch !== undefined) throw new Error(`${this.name}: start() was already called`);
    this.#onBatch = onBatch;
    const stride = align16(this.headroom) + align16(this.mtu + this.tailroom);
    this.#batch = createPacketBatch(this.#batchPackets, stride * this.#batchPackets);
    this.#schedule();
  }

  writeBatch(batch: PacketBatch): number {
    if (this.closed) throw errnoError('EBADF', 'write', `${this.name} is closed`);
    for (let i = 0; i < batch.count; i++) {
      const packet = batch.buffer.slice(batch.offsets[i]!, batch.offsets[i]! + batch.lengths[i]!);
      this.written.push(packet);
      for (const listener of this.#writeListeners) listener(packet);
    }
    return batch.count;
  }

  onClose(listener: (error: Error | undefined) => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  close(): Promise<void> {
    return this.#stop(undefined);
  }

  /** As if the device were deleted from outside: the owner hears EBADFD through onClose. */
  remove(): Promise<void> {
    return this.#stop(errnoError('EBADFD', 'read', `${this.name} was deleted`));
  }

  /**
   * As when the process holding the device dies: the device is gone, and nothing of that process hears of it (no
   * close listener runs, nothing more is delivered; a write fails as on a closed device).
   */
  abandon(): void {
    this.#closeListeners.clear();
    this.#queue.length = 0;
    this.#closing ??= Promise.resolve();
  }

  #stop(error: Error | undefined): Promise<void> {
    this.#closing ??= Promise.resolve().then(() => {
      this.#queue.length = 0;
      for (const listener of [...this.#closeListeners]) listener(error);
      this.#closeListeners.clear();
    });
    return this.#closing;
  }

  #schedule(): void {
    if (this.#scheduled || this.#onBatch === undefined || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#deliver();
    });
  }

  #deliver(): void {
    const batch = this.#batch!;
    while (!this.closed && this.#queue.length > 0) {
      let cursor = 0;
      batch.count = 0;
      while (batch.count < this.#batchPackets && this.#queue.length > 0) {
        const packet = this.#queue.shift()!;
        const offset = align16(cursor + this.headroom);
        batch.buffer.set(packet, offset);
        batch.offsets[batch.count] = offset;
        batch.lengths[batch.count] = packet.length;
        batch.count++;
        cursor = offset + packet.length + this.tailroom;
      }
      this.#onBatch!(batch);
    }
  }
}
