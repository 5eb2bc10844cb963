/*
 * The receiver-index table: every live handshake and keypair has a random 32-bit index of ours, which the
 * peer echoes in its messages so a datagram finds its peer and key with one lookup and no trial decryption.
 * Indices are random (not sequential) so they reveal nothing about how many sessions exist.
 */
import type { Keypair } from './keypair.js';

export interface IndexEntry<P> {
  peer: P;
  /** null while the index names a handshake in progress. */
  keypair: Keypair | null;
}

/**
 * The Map is keyed by the index as a signed 32-bit integer: V8 keeps that unboxed (a Smi), while half of all
 * u32 indices (those >= 2^31) would be boxed into a fresh 16-byte heap number by every lookup, that is, for
 * every transport packet received (measured with test/bench/allocation-probe.ts).
 */
function key(index: number): number {
  return index | 0;
}

export class IndexTable<P> {
  private readonly entries = new Map<number, IndexEntry<P>>();
  private readonly scratch = new Uint8Array(4);
  private readonly random: (out: Uint8Array) => void;

  constructor(random: (out: Uint8Array) => void) {
    this.random = random;
  }

  /** A fresh index, unused by any live entry, registered for `peer`. */
  allocate(peer: P, keypair: Keypair | null): number {
    for (;;) {
      this.random(this.scratch);
      const index =
        // scratch is a fixed four-byte array.
        (this.scratch[0]! | (this.scratch[1]! << 8) | (this.scratch[2]! << 16) | (this.scratch[3]! << 24)) >>> 0;
      // 0 is never used, so it can mean "no index" in the structures that hold one.
      if (index !== 0 && !this.entries.has(key(index))) {
        this.entries.set(key(index), { peer, keypair });
        return index;
      }
    }
  }

  /** Moves an index from its handshake to the keypair derived from it, keeping the number the peer knows. */
  attach(index: number, keypair: Keypair): void {
    const entry = this.entries.get(key(index));
    if (entry) entry.keypair = keypair;
  }

  lookup(index: number): IndexEntry<P> | undefined {
    return this.entries.get(key(index));
  }

  release(index: number): void {
    this.entries.delete(key(index));
  }

  get size(): number {
    return this.entries.size;
  }
}
