// Batches, not packets: everything between the engine and the system moves as a batch over one big buffer.
//
// Packet i is buffer[offsets[i], offsets[i] + lengths[i]) for i < count; arrays are allocated once at their
// capacity and reused, so nothing is allocated per packet (or per batch). Batches a Tun delivers leave
// `headroom` bytes before and `tailroom` bytes after every packet for the packet's own use, so the engine
// builds the WireGuard transport message in place: header in front, padding and tag behind (how much it needs
// is the engine's SEND_HEADROOM and SEND_TAILROOM, and DataPath checks a Tun leaves that much).
//
// A batch a Tun or Bind hands to a callback is theirs again when the callback returns: copy what must outlive
// it, and never transfer its buffer (the addon's reader writes into that memory).
import { ENDPOINT_SIZE } from '../engine/endpoint.js';

export interface PacketBatch {
  readonly buffer: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  count: number;
}

/** Datagram i came from (or goes to) the endpoint record at endpoints[i * ENDPOINT_SIZE] (engine/endpoint.ts). */
export interface DatagramBatch extends PacketBatch {
  readonly endpoints: Uint8Array;
}

export function createPacketBatch(capacity: number, bufferBytes: number): PacketBatch {
  return {
    buffer: new Uint8Array(bufferBytes),
    offsets: new Uint32Array(capacity),
    lengths: new Uint32Array(capacity),
    count: 0,
  };
}

// Spelled out, not `{ ...createPacketBatch(), endpoints }`: V8 may give each object a spread makes a map of its
// own (every one, under the helper's --no-lazy-feedback-allocation), and then every outbox's and every tunnel's
// batches differ in map, so the data path's property accesses turn polymorphic within one tunnel and megamorphic
// across a helper's tunnels, and its optimised code deoptimises whenever a tunnel comes up. A literal's objects
// share one map.
export function createDatagramBatch(capacity: number, bufferBytes: number): DatagramBatch {
  return {
    buffer: new Uint8Array(bufferBytes),
    offsets: new Uint32Array(capacity),
    lengths: new Uint32Array(capacity),
    count: 0,
    endpoints: new Uint8Array(capacity * ENDPOINT_SIZE),
  };
}

/** A view of packet i. It allocates: for tests and slow paths, not for the data path. */
export function packetAt(batch: PacketBatch, i: number): Uint8Array {
  return batch.buffer.subarray(batch.offsets[i]!, batch.offsets[i]! + batch.lengths[i]!);
}
