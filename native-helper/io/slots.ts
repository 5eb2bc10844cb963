// The callback from the addon's reader (addon/src/reader.c), (count, errno), to the batch JS sees. The slot the
// reader fills is a batch from packet-batch.ts, allocated once at start: the count is set and the same object
// handed over every time.
import type { NativeBatchCallback } from './addon.js';
import type { PacketBatch } from './packet-batch.js';
import type { ErrnoError } from './errno-error.js';

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
