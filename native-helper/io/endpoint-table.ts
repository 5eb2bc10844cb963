// Interns the endpoints that datagram batches carry: the same 24 bytes give back the same Endpoint object, so a
// source compares with === and works as a Map key, and looking up one seen before allocates nothing. That is
// the per-packet question the engine asks (did this peer roam?); a new Endpoint is made only for a new source.
//
// Bounded: when `capacity` endpoints are held the table starts over. Objects handed out before stay valid, just
// no longer canonical, so code that keeps endpoints across a long time compares them with equals().
import { Endpoint, endpointHash } from './endpoint.js';

export class EndpointTable {
  readonly capacity: number;
  #entries: (Endpoint | undefined)[];
  #mask: number;
  #size = 0;

  constructor(capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.#entries = new Array<Endpoint | undefined>(slots).fill(undefined);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  intern(view: Uint8Array, offset: number): Endpoint {
    let index = endpointHash(view, offset) & this.#mask;
    for (;;) {
      const entry = this.#entries[index];
      if (entry === undefined) break;
      if (entry.matches(view, offset)) return entry;
      index = (index + 1) & this.#mask;
    }
    if (this.#size >= this.capacity) {
      this.clear();
      return this.intern(view, offset);
    }
    const endpoint = Endpoint.fromBytes(view, offset);
    this.#entries[index] = endpoint;
    this.#size++;
    return endpoint;
  }

  /** The canonical object for an endpoint made elsewhere (from configuration, say). */
  canonical(endpoint: Endpoint): Endpoint {
    return this.intern(endpoint.bytes, 0);
  }

  clear(): void {
    this.#entries.fill(undefined);
    this.#size = 0;
  }
}
