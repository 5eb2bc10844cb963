/*
 * Packets a peer was asked to send while it had no usable keypair (the kernel's staged_packet_queue): at most
 * MAX_STAGED_PACKETS, the oldest dropped first, sent the moment a handshake completes. Slots are allocated on
 * first use, `packetSize` bytes long (the MTU then), and reused, so staging copies a packet but allocates nothing
 * per packet; a packet longer than its slot (the MTU was raised since) gets a slot of its size, once. Each slot
 * keeps `headroom` bytes before the packet and `tailroom` after it, so the packet can later be sealed in place.
 */

export class StagedQueue {
  private slots: Uint8Array[] = [];
  private readonly lengths: Uint32Array;
  private head = 0;
  private count = 0;

  private readonly capacity: number;
  private readonly packetSize: number;
  private readonly headroom: number;
  private readonly tailroom: number;

  constructor(capacity: number, packetSize: number, headroom: number, tailroom: number) {
    this.capacity = capacity;
    this.packetSize = packetSize;
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
    const room = this.headroom + len + this.tailroom;
    while (this.slots.length <= index) this.slots.push(this.newSlot(room));
    // The loop above grew slots past index.
    let slot = this.slots[index]!;
    if (slot.length < room) {
      slot.fill(0); // it held plaintext
      slot = this.slots[index] = this.newSlot(room);
    }
    slot.set(buf.subarray(off, off + len), this.headroom);
    this.lengths[index] = len;
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

  private newSlot(room: number): Uint8Array {
    return new Uint8Array(Math.max(room, this.headroom + this.packetSize + this.tailroom));
  }

  /** Forgets every packet and zeroes the slots (they held plaintext). */
  purge(): void {
    for (const slot of this.slots) slot.fill(0);
    this.head = 0;
    this.count = 0;
  }
}
