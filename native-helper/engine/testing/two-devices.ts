/*
 * Test support: devices joined by an in-memory network with a fake clock, as wireguard-go's bindtest/tuntest,
 * so handshakes, timers and data can be driven end to end without sockets or real time.
 *
 * - `TestNetwork` owns the clock (`now`, monotonic ms; `wallClock()`, Unix ms the test may shift), the nodes and
 *   the datagrams in flight. Datagrams are copied when sent; every one is also kept in `log`. Delivery has zero
 *   latency and happens in `deliverAll()`: in rounds, each followed by a flush() of every device (until its
 *   handshake queue is empty), until nothing is in flight (`deliverRound()` for one round only). `conditions` adds seeded loss, duplication and
 *   reordering; `filter` drops what a test chooses.
 * - `runFor(ms)` advances time the way an I/O loop would: deliver, sleep until the earliest nextDeadline(), tick.
 * - A `TestNode` is a device with its sink: its UDP address (an endpoint record the test may change, to roam),
 *   its tunnel addresses, what it wrote to its TUN, and the events it reported.
 * - `createTwoDevices()` makes A and B with fresh keys, configured as each other's peer with endpoints and
 *   allowed IPs, and up.
 *
 * Buffers handed to the device deliberately sit at odd offsets inside larger arrays, so that code assuming
 * offset 0 fails here rather than in production.
 */
import { loadCrypto } from '../../crypto/index.js';
import type { CryptoPrimitives } from '../../crypto/primitives.js';
import { Device } from '../device.js';
import type { DeviceEvent, DeviceLimits, DeviceSink } from '../device-types.js';
import {
  ENDPOINT_SIZE,
  clearEndpointLocal,
  endpointAddressOffset,
  endpointFamily,
  endpointRemoteEquals,
  parseEndpoint,
  writeEndpointLocal,
} from '../endpoint.js';
import { readU32LE } from '../messages.js';
import type { Peer } from '../peer.js';
import { parseCidr } from './ip-text.js';
import { framed } from './packets.js';
import { seededRandom, seededUniform } from './random.js';

export interface Datagram {
  readonly sender: TestNode;
  /** Source endpoint record (the sender's address when it sent). */
  readonly from: Uint8Array;
  /** Destination endpoint record. */
  readonly to: Uint8Array;
  readonly data: Uint8Array;
  /** Monotonic ms when sent. */
  readonly at: number;
}

export interface NetworkConditions {
  /** Probability that a datagram is lost. */
  loss?: number;
  /** Probability that a datagram arrives twice. */
  duplicate?: number;
  /** Shuffle each delivery round. */
  reorder?: boolean;
}

export interface TimedEvent {
  at: number;
  event: DeviceEvent;
}

/** 1 initiation, 2 response, 3 cookie reply, 4 transport (0 for anything else). */
export function typeOf(data: Uint8Array): number {
  return data.length >= 4 ? readU32LE(data, 0) : 0;
}

export class TestNode {
  readonly name: string;
  readonly device: Device;
  readonly network: TestNetwork;
  /** Where this node's datagrams come from, and where datagrams to it are delivered. */
  address: Uint8Array;
  readonly tunnel4: string;
  readonly tunnel6: string;
  readonly tun: Uint8Array[] = [];
  readonly events: TimedEvent[] = [];
  readonly sink: DeviceSink;

  constructor(network: TestNetwork, name: string, device: Device, address: string, tunnel4: string, tunnel6: string) {
    this.network = network;
    this.name = name;
    this.device = device;
    this.address = endpoint(address);
    this.tunnel4 = tunnel4;
    this.tunnel6 = tunnel6;
    this.sink = {
      sendDatagram: (to, buf, off, len) => network.enqueue(this, to, buf, off, len),
      writeTun: (buf, off, len) => {
        this.tun.push(buf.slice(off, off + len));
      },
    };
  }

  /** Hands an IP packet to the device as the TUN side would. */
  send(packet: Uint8Array): void {
    const { buf, off, len } = framed(packet);
    this.device.send(buf, off, len, this.network.now, this.sink);
  }

  /** Delivers raw bytes to the device (not flushed) as if they came from the endpoint record `from`. */
  receive(data: Uint8Array, from: Uint8Array): void {
    const buf = new Uint8Array(data.length + 16);
    buf.set(data, 7);
    const source = new Uint8Array(ENDPOINT_SIZE + 5);
    source.set(from.subarray(0, ENDPOINT_SIZE), 5);
    this.device.receive(buf, 7, data.length, source, 5, this.network.now, this.sink);
  }

  /**
   * Processes everything queued, one flush() budget after another at the same time (the decisions are those of a
   * single pass: nothing arrives in between). flushOnce() is what an I/O loop does after a batch.
   */
  flush(): void {
    do this.device.flush(this.network.now, this.sink);
    while (this.device.hasPendingHandshakes());
  }

  flushOnce(): void {
    this.device.flush(this.network.now, this.sink);
  }

  eventsOf(type: DeviceEvent['type']): TimedEvent[] {
    return this.events.filter((e) => e.event.type === type);
  }
}

export class TestNetwork {
  /** Monotonic ms. */
  now = 0;
  /** Added to `now` for the wall clock; tests move it to make the wall clock jump. */
  wallOffset = 1_700_000_000_000;
  readonly nodes: TestNode[] = [];
  readonly inFlight: Datagram[] = [];
  /** Every datagram ever sent, in order. */
  readonly log: Datagram[] = [];
  /** Datagrams addressed to no node. */
  readonly undeliverable: Datagram[] = [];
  conditions: NetworkConditions = {};
  /** Return false to drop a datagram at delivery. */
  filter: ((d: Datagram) => boolean) | undefined;
  private readonly uniform: () => number;

  constructor(seed = 1) {
    this.uniform = seededUniform(seed ^ 0x5eed);
  }

  readonly wallClock = (): number => this.wallOffset + this.now;

  /** @internal the sinks' sendDatagram */
  enqueue(sender: TestNode, to: Uint8Array, buf: Uint8Array, off: number, len: number): void {
    const d: Datagram = {
      sender,
      from: sender.address.slice(),
      to: to.slice(0, ENDPOINT_SIZE),
      data: buf.slice(off, off + len),
      at: this.now,
    };
    this.inFlight.push(d);
    this.log.push(d);
  }

  /**
   * Delivers until nothing is in flight and no device has handshakes queued, flushing every device after each
   * round. Returns datagrams delivered.
   */
  deliverAll(maxRounds = 1000): number {
    let delivered = 0;
    for (let round = 0; this.inFlight.length > 0 || this.nodes.some((n) => n.device.hasPendingHandshakes()); round++) {
      if (round >= maxRounds) throw new Error('the network never goes quiet');
      delivered += this.deliverRound();
    }
    return delivered;
  }

  /** Delivers what is in flight now (what that causes is sent but not delivered), then flushes every device. */
  deliverRound(): number {
    let delivered = 0;
    const batch = this.inFlight.splice(0);
    const { loss = 0, duplicate = 0, reorder = false } = this.conditions;
    const arriving: Datagram[] = [];
    for (const d of batch) {
      if (loss > 0 && this.uniform() < loss) continue;
      arriving.push(d);
      if (duplicate > 0 && this.uniform() < duplicate) arriving.push(d);
    }
    if (reorder) shuffle(arriving, this.uniform);
    for (const d of arriving) {
      if (this.filter !== undefined && !this.filter(d)) continue;
      const node = this.nodes.find((n) => endpointRemoteEquals(n.address, 0, d.to, 0));
      if (node === undefined) {
        this.undeliverable.push(d);
        continue;
      }
      // As a socket reports it (IP_PKTINFO): the sender, and the local address the datagram came to (a network
      // here may join families, a socket's cannot: none then).
      const from = d.from.slice();
      if (endpointFamily(from) === endpointFamily(d.to))
        writeEndpointLocal(from, 0, d.to.subarray(endpointAddressOffset(0)));
      node.receive(d.data, from);
      delivered++;
    }
    for (const node of this.nodes) node.flush();
    return delivered;
  }

  /** The earliest deadline of any device. */
  nextDeadline(): number {
    return Math.min(...this.nodes.map((n) => n.device.nextDeadline()));
  }

  /** Runs every device's due timers at the current time. */
  tick(): void {
    for (const node of this.nodes) node.device.tick(this.now, node.sink);
  }

  /**
   * Advances the clock by `ms` as an I/O loop would: deliver what is in flight, then sleep until the earliest
   * deadline and tick, until the next deadline lies beyond the end. Throws if a tick leaves a deadline in the past
   * (a timer that never disarms would spin an I/O loop).
   */
  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  runUntil(end: number): void {
    let spins = 0;
    for (;;) {
      this.deliverAll();
      const next = this.nextDeadline();
      if (next > end) {
        this.now = Math.max(this.now, end);
        return;
      }
      if (next <= this.now) {
        if (++spins > 100) throw new Error(`a deadline stays at ${next} after ticks at ${this.now}`);
      } else {
        spins = 0;
        this.now = next;
      }
      this.tick();
    }
  }

  /** Datagrams in `log` from `sender` (optionally of one type) sent at or after `since`. */
  sent(sender: TestNode, type?: number, since = -Infinity): Datagram[] {
    return this.log.filter(
      (d) => d.sender === sender && d.at >= since && (type === undefined || typeOf(d.data) === type),
    );
  }
}

export interface TwoDeviceOptions {
  /** Default: loadCrypto() (sodium when it loads). */
  crypto?: CryptoPrimitives;
  seed?: number;
  limits?: Partial<DeviceLimits>;
  /** B knows A's endpoint (default true); false makes B a server that learns it from A. */
  bKnowsA?: boolean;
  /** Bring both devices up (default true). */
  up?: boolean;
}

export interface TwoDevices {
  net: TestNetwork;
  a: TestNode;
  b: TestNode;
  /** B as configured on A. */
  peerOfA: Peer;
  /** A as configured on B. */
  peerOfB: Peer;
  crypto: CryptoPrimitives;
}

let cachedCrypto: CryptoPrimitives | undefined;

export function testCrypto(): CryptoPrimitives {
  cachedCrypto ??= loadCrypto();
  return cachedCrypto;
}

/** A device with seeded randomness and the network's clocks, added to the network as a node. */
export function addNode(
  net: TestNetwork,
  name: string,
  options: {
    crypto: CryptoPrimitives;
    seed: number;
    address: string;
    tunnel4: string;
    tunnel6: string;
    limits?: Partial<DeviceLimits>;
  },
): TestNode {
  // Assigned once, below; the device's event callback may run before (it reads undefined then).
  // eslint-disable-next-line prefer-const
  let node: TestNode | undefined;
  const randomFill = seededRandom(options.seed);
  const device = new Device({
    crypto: options.crypto,
    randomFill,
    wallClock: net.wallClock,
    limits: options.limits,
    onEvent: (event) => node?.events.push({ at: net.now, event }),
  });
  const key = new Uint8Array(32);
  randomFill(key);
  device.setPrivateKey(key);
  node = new TestNode(net, name, device, options.address, options.tunnel4, options.tunnel6);
  net.nodes.push(node);
  return node;
}

/** Makes `owner` know `other` as a peer with the given allowed IPs, and `other`'s endpoint unless told not to. */
export function connect(owner: TestNode, other: TestNode, allowed: string[], withEndpoint = true): Peer {
  const peer = owner.device.addPeer(other.device.publicKey as Uint8Array);
  if (peer === null) throw new Error('peer refused');
  for (const text of allowed) {
    const { family, bytes, cidr } = parseCidr(text);
    owner.device.addAllowedIp(peer, family, bytes, cidr);
  }
  if (withEndpoint) peer.setEndpoint(other.address);
  return peer;
}

export function createTwoDevices(options: TwoDeviceOptions = {}): TwoDevices {
  const crypto = options.crypto ?? testCrypto();
  const seed = options.seed ?? 1;
  const net = new TestNetwork(seed);
  const a = addNode(net, 'A', {
    crypto,
    seed: seed * 2 + 1,
    address: '192.0.2.1:51820',
    tunnel4: '10.0.0.1',
    tunnel6: 'fd00::1',
    limits: options.limits,
  });
  const b = addNode(net, 'B', {
    crypto,
    seed: seed * 2 + 2,
    address: '[2001:db8::2]:51821',
    tunnel4: '10.0.0.2',
    tunnel6: 'fd00::2',
    limits: options.limits,
  });
  const peerOfA = connect(a, b, ['10.0.0.2/32', 'fd00::2/128']);
  const peerOfB = connect(b, a, ['10.0.0.1/32', 'fd00::1/128'], options.bKnowsA ?? true);
  if (options.up ?? true) {
    a.device.up(net.now, a.sink);
    b.device.up(net.now, b.sink);
  }
  return { net, a, b, peerOfA, peerOfB, crypto };
}

/** The record without its local address: what a node's `address` holds. */
export function remoteOf(record: Uint8Array): Uint8Array {
  const copy = record.slice(0, ENDPOINT_SIZE);
  clearEndpointLocal(copy);
  return copy;
}

/** An endpoint record from `ip:port` or `[v6]:port`. */
export function endpoint(text: string): Uint8Array {
  const record = parseEndpoint(text);
  if (record === null) throw new Error(`bad endpoint ${text}`);
  return record;
}

function shuffle<T>(items: T[], uniform: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!]; // j <= i < items.length
  }
}
