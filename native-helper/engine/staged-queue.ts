/*
 * Packets a peer was asked to send while it had no usable keypair (the kernel's staged_packet_queue): at most
 * MAX_STAGED_PACKETS, the oldest dropped first, sent the moment a handshake completes. Slots are preallocated
 * on first use and reused, so staging copies a packet but allocates nothing per packet. Each slot keeps
 * `headroom` bytes before the packet and `tailroom` after it, so the packet can later be sealed in place.
 */

export class StagedQueue {
  private slots: Uint8Array[] = [];
  private readonly lengths: Uint32Array;
  private head = 0;
  private count = 0;

  private readonly capacity: number;
  private readonly maxPacket: number;
  private readonly headroom: number;
  private readonly tailroom: number;

  constructor(capacity: number, maxPacket: number, headroom: number, tailroom: number) {
    this.capacity = capacity;
    this.maxPacket = maxPacket;
    this.headroom = headroom;
    this.tailroom = tailroom;
    this.lengths = new Uint32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Copies the packet in. Returns true when the queue was full and the oldest packet was dropped for it. */
  push(buf: Uint8Array, off: number, len: number): boolean {
    let dropped = false;
    if (this.count === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      dropped = true;
    }
    const index = (this.head + this.count) % this.capacity;
    if (this.slots.length <= index) {
      while (this.slots.length <= index)
        this.slots.push(new Uint8Array(this.headroom + this.maxPacket + this.tailroom));
    }
    const length = Math.min(len, this.maxPacket);
    // The loop above grew slots past index.
    this.slots[index]!.set(buf.subarray(off, off + length), this.headroom);
    this.lengths[index] = length;
    this.count++;
    return dropped;
  }

  /**
   * Hands each staged packet, oldest first, to `send`, stopping early when it returns false (no keypair after
   * all): the packets not sent stay queued in order.
   */
  drain(send: (buf: Uint8Array, off: number, len: number) => boolean): void {
    while (this.count > 0) {
      // A queued packet's slot was allocated when it was pushed.
      if (!send(this.slots[this.head]!, this.headroom, this.lengths[this.head]!)) return;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
  }

  /** Forgets every packet and zeroes the slots (they held plaintext). */
  purge(): void {
    for (const slot of this.slots) slot.fill(0);
    this.head = 0;
    this.count = 0;
  }
}
