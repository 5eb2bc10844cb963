// The slot memory the addon's reader fills (addon/src/reader.c), allocated once at start, and the dispatch from the addon's
// (slot, count, errno) callback to the batch objects JS sees. Each slot object is itself the batch: the count
// is set and the same object handed over every time.
import type { NativeBatchCallback } from './addon.js';
import { ENDPOINT_SIZE } from '../engine/endpoint.js';
import type { DatagramBatch, PacketBatch } from './packet-batch.js';
import type { ErrnoError } from './errno-error.js';

export function allocatePacketSlots(slots: number, bytes: number, capacity: number): PacketBatch[] {
  return Array.from({ length: slots }, () => ({
    buffer: new Uint8Array(bytes),
    offsets: new Uint32Array(capacity),
    lengths: new Uint32Array(capacity),
    count: 0,
  }));
}

export function allocateDatagramSlots(slots: number, bytes: number, capacity: number): DatagramBatch[] {
  return allocatePacketSlots(slots, bytes, capacity).map((slot) => ({
    ...slot,
    endpoints: new Uint8Array(capacity * ENDPOINT_SIZE),
  }));
}

export function dispatcher<B extends PacketBatch>(
  slots: readonly B[],
  onBatch: (batch: B) => void,
  onFatal: (error: ErrnoError) => void,
): NativeBatchCallback {
  return (slot, count, error) => {
    if (slot < 0) {
      onFatal(error!);
      return;
    }
    // The addon fills only the slots it was given, and names one of them.
    const batch = slots[slot]!;
    batch.count = count;
    onBatch(batch);
  };
}

export function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return value;
}
