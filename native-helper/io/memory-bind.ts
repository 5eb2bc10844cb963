// Binds in memory, as wireguard-go's bindtest: a MemoryNetwork joins any number of MemoryBinds, each with an
// IPv4 and an IPv6 address, so two engines can talk in a unit test without sockets. Datagrams are copied when
// sent and delivered asynchronously in batches with their source endpoint record (engine/endpoint.ts); a filter
// can drop or watch them.
import { formatIpAddress, parseIpAddress } from '../../shared/config/ip.js';
import { ENDPOINT_SIZE, endpointFamily, formatEndpoint, parseEndpoint } from '../engine/endpoint.js';
import type { Bind } from './bind.js';
import { errnoError, type ErrnoError } from './errno-error.js';
import { createDatagramBatch, type DatagramBatch } from './packet-batch.js';
import { checkCount } from './slots.js';

/** Return false to drop the datagram. `from` and `to` are `ip:port` or `[v6]:port`. */
export type DatagramFilter = (datagram: Uint8Array, from: string, to: string) => boolean;

interface Queued {
  readonly data: Uint8Array;
  /** The source endpoint record. */
  readonly source: Uint8Array;
}

const BATCH_BYTES = 1 << 20;
/** A receiver that is not reading keeps this many datagrams, as a socket buffer would, then drops. */
const QUEUE_LIMIT = 4096;

/** `address`:`port` as an endpoint record. */
function record(address: string, port: number): Uint8Array {
  const parsed = parseEndpoint(address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
  if (parsed === null) throw new SyntaxError(`not an IP address: ${JSON.stringify(address)}`);
  return parsed;
}

function canonical(address: string): string {
  const parsed = parseIpAddress(address);
  if (!parsed.ok) throw new SyntaxError(`not an IP address: ${JSON.stringify(address)}`);
  return formatIpAddress(parsed.value);
}

export class MemoryNetwork {
  /** Return false to drop a datagram in flight. */
  filter: DatagramFilter | undefined;
  readonly #binds = new Map<string, MemoryBind>();
  #hosts = 0;

  /** A fresh pair of addresses, one per family (192.0.2.N, 2001:db8::N), for a host on this network. */
  allocateAddresses(): { ipv4: string; ipv6: string } {
    this.#hosts++;
    return { ipv4: `192.0.2.${this.#hosts}`, ipv6: `2001:db8::${this.#hosts.toString(16)}` };
  }

  createBind(options: { ipv4?: string; ipv6?: string; batchDatagrams?: number } = {}): MemoryBind {
    const fresh = options.ipv4 === undefined || options.ipv6 === undefined ? this.allocateAddresses() : undefined;
    const ipv4 = canonical(options.ipv4 ?? fresh!.ipv4);
    const ipv6 = canonical(options.ipv6 ?? fresh!.ipv6);
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
    for (const key of this.#keys(bind, port)) this.#binds.set(key, bind);
    return port;
  }

  /** @internal */
  release(bind: MemoryBind, port: number): void {
    for (const key of this.#keys(bind, port)) this.#binds.delete(key);
  }

  /** @internal `to` is the destination's endpoint record at `toOff`. */
  route(from: MemoryBind, data: Uint8Array, to: Uint8Array, toOff: number): void {
    const family = endpointFamily(to, toOff);
    if (family === 0) return;
    const source = from.endpoint(family);
    const destination = formatEndpoint(to, toOff)!;
    if (this.filter !== undefined && !this.filter(data, formatEndpoint(source)!, destination)) return;
    this.#binds.get(destination)?.receive({ data: data.slice(), source });
  }

  #keys(bind: MemoryBind, port: number): string[] {
    return [formatEndpoint(record(bind.ipv4, port))!, formatEndpoint(record(bind.ipv6, port))!];
  }

  #taken(bind: MemoryBind, port: number): boolean {
    return this.#keys(bind, port).some((key) => this.#binds.has(key));
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
  #abandoned = false;

  constructor(network: MemoryNetwork, ipv4: string, ipv6: string, batchDatagrams: number) {
    this.#network = network;
    this.ipv4 = ipv4;
    this.ipv6 = ipv6;
    this.#batchDatagrams = checkCount('batchDatagrams', batchDatagrams, 1, 4096);
  }

  get port(): number {
    return this.#port;
  }

  /** This bind's endpoint record in a family, for the other side to send to. */
  endpoint(family: 4 | 6 = 4): Uint8Array {
    return record(family === 4 ? this.ipv4 : this.ipv6, this.#port);
  }

  open(port: number): number {
    checkCount('port', port, 0, 65535);
    if (this.#abandoned) throw errnoError('EBADF', 'open', 'the process that owned this bind is gone');
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
    if (this.#abandoned) return batch.count;
    if (this.#port === 0) throw errnoError('EBADF', 'sendmmsg', 'bind is not open');
    for (let i = 0; i < batch.count; i++) {
      this.#network.route(
        this,
        batch.buffer.subarray(batch.offsets[i]!, batch.offsets[i]! + batch.lengths[i]!),
        batch.endpoints,
        i * ENDPOINT_SIZE,
      );
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

  /**
   * As when the process holding the sockets dies: the port is free at once, nothing more is delivered, and what
   * that process still sends goes nowhere.
   */
  abandon(): void {
    this.#abandoned = true;
    void this.close();
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
        const next = this.#queue[0]!;
        if (cursor + next.data.length > batch.buffer.length) break;
        this.#queue.shift();
        batch.buffer.set(next.data, cursor);
        batch.offsets[batch.count] = cursor;
        batch.lengths[batch.count] = next.data.length;
        batch.endpoints.set(next.source, batch.count * ENDPOINT_SIZE);
        batch.count++;
        cursor += next.data.length;
      }
      this.#onBatch(batch);
    }
  }
}
