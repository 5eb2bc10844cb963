// Binds in memory, as wireguard-go's bindtest: a MemoryNetwork joins any number of MemoryBinds, each with an
// IPv4 and an IPv6 address, so two engines can talk in a unit test without sockets. Datagrams are copied when
// sent and delivered asynchronously in batches with their source endpoint; a filter can drop or watch them.
import type { Bind } from './bind.js';
import { ENDPOINT_SIZE, Endpoint } from './endpoint.js';
import { errnoError, type ErrnoError } from './errno-error.js';
import { createDatagramBatch, type DatagramBatch } from './packet-batch.js';
import { checkCount } from './slots.js';

export type DatagramFilter = (datagram: Uint8Array, from: Endpoint, to: Endpoint) => boolean;

interface Queued {
  readonly data: Uint8Array;
  readonly source: Endpoint;
}

const BATCH_BYTES = 1 << 20;
/** A receiver that is not reading keeps this many datagrams, as a socket buffer would, then drops. */
const QUEUE_LIMIT = 4096;

export class MemoryNetwork {
  /** Return false to drop a datagram in flight. */
  filter: DatagramFilter | undefined;
  readonly #binds = new Map<string, MemoryBind>();
  #hosts = 0;

  createBind(options: { ipv4?: string; ipv6?: string; batchDatagrams?: number } = {}): MemoryBind {
    this.#hosts++;
    const ipv4 = options.ipv4 ?? `192.0.2.${this.#hosts}`;
    const ipv6 = options.ipv6 ?? `2001:db8::${this.#hosts.toString(16)}`;
    return new MemoryBind(this, ipv4, ipv6, options.batchDatagrams ?? 64);
  }

  /** @internal */
  claim(bind: MemoryBind, port: number): number {
    if (port === 0) {
      for (port = 49152; port <= 65535 && this.#taken(bind, port); port++);
      if (port > 65535) throw errnoError('EADDRINUSE', 'bind', 'no free port');
    } else if (this.#taken(bind, port)) {
      throw errnoError('EADDRINUSE', 'bind', `port ${port}`);
    }
    this.#binds.set(Endpoint.of(bind.ipv4, port).toString(), bind);
    this.#binds.set(Endpoint.of(bind.ipv6, port).toString(), bind);
    return port;
  }

  /** @internal */
  release(bind: MemoryBind, port: number): void {
    this.#binds.delete(Endpoint.of(bind.ipv4, port).toString());
    this.#binds.delete(Endpoint.of(bind.ipv6, port).toString());
  }

  /** @internal */
  route(from: MemoryBind, data: Uint8Array, to: Endpoint): void {
    const source = Endpoint.of(to.family === 4 ? from.ipv4 : from.ipv6, from.port);
    if (this.filter !== undefined && !this.filter(data, source, to)) return;
    this.#binds.get(to.toString())?.receive({ data: data.slice(), source });
  }

  #taken(bind: MemoryBind, port: number): boolean {
    return this.#binds.has(Endpoint.of(bind.ipv4, port).toString()) || this.#binds.has(Endpoint.of(bind.ipv6, port).toString());
  }
}

export class MemoryBind implements Bind {
  readonly ipv4: string;
  readonly ipv6: string;
  /** The last SO_MARK set, for tests to check. */
  mark = 0;
  readonly #network: MemoryNetwork;
  readonly #batchDatagrams: number;
  readonly #queue: Queued[] = [];
  readonly #errorListeners = new Set<(error: ErrnoError) => void>();
  #port = 0;
  #onBatch: ((batch: DatagramBatch) => void) | undefined;
  #batch: DatagramBatch | undefined;
  #scheduled = false;

  constructor(network: MemoryNetwork, ipv4: string, ipv6: string, batchDatagrams: number) {
    this.#network = network;
    this.ipv4 = ipv4;
    this.ipv6 = ipv6;
    this.#batchDatagrams = checkCount('batchDatagrams', batchDatagrams, 1, 4096);
  }

  get port(): number {
    return this.#port;
  }

  /** This bind's endpoint in a family, for the other side to send to. */
  endpoint(family: 4 | 6 = 4): Endpoint {
    return Endpoint.of(family === 4 ? this.ipv4 : this.ipv6, this.#port);
  }

  open(port: number): number {
    checkCount('port', port, 0, 65535);
    if (this.#port !== 0) throw errnoError('EALREADY', 'open', 'bind is open');
    this.#port = this.#network.claim(this, port);
    this.#onBatch = undefined;
    return this.#port;
  }

  start(onBatch: (batch: DatagramBatch) => void): void {
    if (this.#port === 0) throw errnoError('EBADF', 'start', 'bind is not open');
    if (this.#onBatch !== undefined) throw new Error('start() was already called for this open()');
    this.#onBatch = onBatch;
    this.#batch ??= createDatagramBatch(this.#batchDatagrams, BATCH_BYTES);
    this.#schedule();
  }

  sendBatch(batch: DatagramBatch): number {
    if (this.#port === 0) throw errnoError('EBADF', 'sendmmsg', 'bind is not open');
    for (let i = 0; i < batch.count; i++) {
      const to = Endpoint.fromBytes(batch.endpoints, i * ENDPOINT_SIZE);
      this.#network.route(this, batch.buffer.subarray(batch.offsets[i], batch.offsets[i] + batch.lengths[i]), to);
    }
    return batch.count;
  }

  setMark(mark: number): void {
    this.mark = checkCount('mark', mark, 0, 0xffffffff);
  }

  onError(listener: (error: ErrnoError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#port !== 0) this.#network.release(this, this.#port);
    this.#port = 0;
    this.#onBatch = undefined;
    this.#queue.length = 0;
  }

  /** @internal */
  receive(datagram: Queued): void {
    if (this.#queue.length >= QUEUE_LIMIT) return;
    this.#queue.push(datagram);
    this.#schedule();
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
    while (this.#onBatch !== undefined && this.#queue.length > 0) {
      let cursor = 0;
      batch.count = 0;
      while (batch.count < this.#batchDatagrams && this.#queue.length > 0) {
        const next = this.#queue[0];
        if (cursor + next.data.length > batch.buffer.length) break;
        this.#queue.shift();
        batch.buffer.set(next.data, cursor);
        batch.offsets[batch.count] = cursor;
        batch.lengths[batch.count] = next.data.length;
        next.source.writeTo(batch.endpoints, batch.count * ENDPOINT_SIZE);
        batch.count++;
        cursor += next.data.length;
      }
      this.#onBatch(batch);
    }
  }
}
