// A Tun over a Linux TUN device opened by the warren_io addon.
//
// The addon names the device, sets its MTU and the point-to-point flags the kernel's WireGuard device has
// (POINTOPOINT | NOARP); bringing it up, addresses and routes are the platform layer's. With `offload` the
// device speaks virtio-net headers with checksum/TSO/USO offloads: one read is up to 64 KiB of TCP or UDP,
// split into MTU-sized packets in C before JS sees them; on write, consecutive segments of a TCP (or UDP) flow
// in one batch are merged back into super-packets in C (gso-coalesce.c), one system call each, so the kernel's
// TCP receive runs once per 64 KiB rather than once per packet. stats() counts both directions.
import { DEFAULT_MTU } from '../engine/constants.js';
import { SEND_HEADROOM, SEND_TAILROOM } from '../engine/device-types.js';
import { loadAddon, type NativeIo, type TunHandle, type TunStats } from './addon.js';
import { type PacketBatch, createPacketBatch } from './packet-batch.js';
import { checkCount, slotCallback } from './slots.js';
import type { Tun } from './tun.js';

export interface AddonTunOptions {
  /** Interface name, at most 15 bytes; `%d` takes the first free number. Default `warren%d`. */
  name?: string;
  /** Default the engine's DEFAULT_MTU, as the kernel's WireGuard device. */
  mtu?: number;
  /** IFF_VNET_HDR with TSO/USO: fewer, bigger reads. Default true. */
  offload?: boolean;
  /** Free bytes around every packet read; default what the engine seals in place with (SEND_HEADROOM/TAILROOM). */
  headroom?: number;
  tailroom?: number;
  /** Bytes per batch buffer. Default 1 MiB. */
  slotBytes?: number;
  /** Packets per batch at most. Default 1024. */
  slotPackets?: number;
}

export class AddonTun implements Tun {
  readonly name: string;
  readonly headroom: number;
  readonly tailroom: number;
  /** Whether reads come with virtio-net headers, and which TUN_F_* offloads the kernel accepted. */
  readonly vnetHdr: boolean;
  readonly offloads: number;
  readonly #native: NativeIo;
  readonly #handle: TunHandle;
  readonly #options: Required<Pick<AddonTunOptions, 'slotBytes' | 'slotPackets'>>;
  readonly #listeners = new Set<(error: Error | undefined) => void>();
  #started = false;
  #closing: Promise<void> | undefined;

  constructor(options: AddonTunOptions = {}) {
    this.#native = loadAddon();
    this.headroom = checkCount('headroom', options.headroom ?? SEND_HEADROOM, 0, 4096);
    this.tailroom = checkCount('tailroom', options.tailroom ?? SEND_TAILROOM, 0, 4096);
    this.#options = {
      // A read needs room for 64 KiB; the cap keeps offsets within 32 bits with room to spare.
      slotBytes: checkCount('slotBytes', options.slotBytes ?? 1 << 20, 1 << 17, 1 << 30),
      slotPackets: checkCount('slotPackets', options.slotPackets ?? 1024, 1, 1 << 20),
    };
    const mtu = checkCount('mtu', options.mtu ?? DEFAULT_MTU, 576, 65535);
    const opened = this.#native.tunOpen(options.name ?? 'warren%d', mtu, options.offload ?? true);
    this.#handle = opened.handle;
    this.name = opened.name;
    this.vnetHdr = opened.vnetHdr;
    this.offloads = opened.offloads;
  }

  get mtu(): number {
    return this.#native.tunMtu(this.#handle);
  }

  set mtu(mtu: number) {
    this.#native.tunSetMtu(this.#handle, checkCount('mtu', mtu, 576, 65535));
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  start(onBatch: (batch: PacketBatch) => void): void {
    if (this.#started) throw new Error(`${this.name}: start() was already called`);
    this.#started = true;
    const { slotBytes, slotPackets } = this.#options;
    const slot = createPacketBatch(slotPackets, slotBytes);
    const callback = slotCallback(slot, onBatch, (error) => this.#stop(error));
    this.#native.tunStart(this.#handle, slot, this.headroom, this.tailroom, callback);
  }

  writeBatch(batch: PacketBatch): number {
    return this.#native.tunWrite(this.#handle, batch.buffer, batch.offsets, batch.lengths, batch.count);
  }

  stats(): TunStats {
    return this.#native.tunStats(this.#handle);
  }

  onClose(listener: (error: Error | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    return this.#stop(undefined);
  }

  #stop(error: Error | undefined): Promise<void> {
    this.#closing ??= this.#native.tunClose(this.#handle).then(() => {
      for (const listener of [...this.#listeners]) listener(error);
      this.#listeners.clear();
    });
    return this.#closing;
  }
}

export function openTun(options: AddonTunOptions = {}): AddonTun {
  return new AddonTun(options);
}
