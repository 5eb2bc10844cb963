// The slot the addon's reader fills (addon/src/reader.c), allocated once at start, and the callback from the
// addon's (count, errno) to the batch JS sees. The slot object is itself the batch: the count is set and the same
// object handed over every time.
import type { NativeBatchCallback } from './addon.js';
import { ENDPOINT_SIZE } from '../engine/endpoint.js';
import type { DatagramBatch, PacketBatch } from './packet-batch.js';
import type { ErrnoError } from './errno-error.js';

export function allocatePacketSlot(bytes: number, capacity: number): PacketBatch {
  return {
    buffer: new Uint8Array(bytes),
    offsets: new Uint32Array(capacity),
    lengths: new Uint32Array(capacity),
    count: 0,
  };
}

export function allocateDatagramSlot(bytes: number, capacity: number): DatagramBatch {
  return { ...allocatePacketSlot(bytes, capacity), endpoints: new Uint8Array(capacity * ENDPOINT_SIZE) };
}

export function slotCallback<B extends PacketBatch>(
  slot: B,
  onBatch: (batch: B) => void,
  onFatal: (error: ErrnoError) => void,
): NativeBatchCallback {
  return (count, error) => {
    if (error !== undefined) {
      onFatal(error);
      return;
    }
    slot.count = count;
    onBatch(slot);
  };
}

export function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return value;
}
