/*
 * How many bytes the steady-state packet path allocates on the JS heap: two real devices (the real crypto) behind
 * two DataPaths, joined by loopback TUN and bind stand-ins that copy each batch into a preallocated one, so the
 * harness itself allocates nothing per packet. Traffic both ways (TUN -> seal -> sendBatch, bind -> open ->
 * writeBatch), and keepalives (sendKeepalive, what tick() runs when one is due; the fake clock stays put, since
 * jumping it would bring rekeys). One receiver index is >= 2^31 and one below, the two cases V8 treats apart.
 * Add --no-turbo-inlining to make every call boundary real: a number boxed to cross one then always shows.
 *
 *   node --expose-gc --max-semi-space-size=64 --min-semi-space-size=64 --import ./test/netns/register-ts.mjs \
 *     test/bench/allocation-probe.ts [rounds] [--profile]
 *
 * prints JSON: bytes allocated per round (a round is one 64-packet batch each way) measured over `rounds` and
 * over 4 x `rounds` after a warm-up, and whether a GC ran during a measurement (which would spoil it). With
 * --profile, the sampling heap profiler's top allocation sites instead (where the bytes come from).
 */
import { Session } from 'node:inspector/promises';
import { GCProfiler } from 'node:v8';

import { DataPath } from '../../native-helper/io/data-path.js';
import { type DeviceSink, SEND_HEADROOM, SEND_TAILROOM } from '../../native-helper/engine/device-types.js';
import { DEFAULT_MTU } from '../../native-helper/engine/constants.js';
import { ENDPOINT_SIZE } from '../../native-helper/engine/endpoint.js';
import { sendKeepalive } from '../../native-helper/engine/send.js';
import { ipv4Packet, payloadOf } from '../../native-helper/engine/testing/packets.js';
import { type TestNode, createTwoDevices } from '../../native-helper/engine/testing/two-devices.js';
import type { Bind } from '../../native-helper/io/bind.js';
import {
  type DatagramBatch,
  type PacketBatch,
  createDatagramBatch,
  createPacketBatch,
} from '../../native-helper/io/packet-batch.js';
import type { Tun } from '../../native-helper/io/tun.js';

const PACKETS = 64;
const PACKET_BYTES = 1380;
const ROOM = 1536;

/** A Tun whose reads the driver hands in, and whose writes are counted and forgotten. */
class LoopTun {
  readonly name = 'loop';
  readonly headroom = SEND_HEADROOM;
  readonly tailroom = SEND_TAILROOM;
  readonly mtu = DEFAULT_MTU;
  onBatch: (batch: PacketBatch) => void = () => {};
  written = 0;
  start(onBatch: (batch: PacketBatch) => void): void {
    this.onBatch = onBatch;
  }
  writeBatch(batch: PacketBatch): number {
    this.written += batch.count;
    return batch.count;
  }
}

/** A Bind whose sends are copied into the other end's one pending batch, delivered when the driver says. */
class LoopBind {
  onBatch: (batch: DatagramBatch) => void = () => {};
  readonly pending: DatagramBatch = createDatagramBatch(PACKETS * 4, PACKETS * 4 * ROOM);
  #bytes = 0;
  other: LoopBind | undefined;
  /** This end's address record, the source of what it sends. */
  readonly address: Uint8Array;

  constructor(address: Uint8Array) {
    this.address = address;
  }

  start(onBatch: (batch: DatagramBatch) => void): void {
    this.onBatch = onBatch;
  }

  sendBatch(batch: DatagramBatch): number {
    const to = this.other;
    if (to === undefined) throw new Error('LoopBind: no other end');
    const into = to.pending;
    for (let i = 0; i < batch.count; i++) {
      if (into.count === into.offsets.length) break;
      const at = to.#bytes;
      // i < count, so both are there; and the datagram lies inside the batch's buffer.
      const len = batch.lengths[i]!;
      // A byte loop, not set(subarray(...)): a view per datagram would be the harness's own allocation.
      const from = batch.offsets[i]!;
      for (let j = 0; j < len; j++) into.buffer[at + j] = batch.buffer[from + j]!;
      into.offsets[into.count] = at;
      into.lengths[into.count] = len;
      into.endpoints.set(this.address, into.count * ENDPOINT_SIZE);
      into.count++;
      to.#bytes += len;
    }
    return batch.count;
  }

  /** Hands the pending datagrams to the DataPath, then empties the batch. */
  deliver(): void {
    if (this.pending.count === 0) return;
    this.onBatch(this.pending);
    this.pending.count = 0;
    this.#bytes = 0;
  }
}

interface Side {
  node: TestNode;
  tun: LoopTun;
  bind: LoopBind;
  path: DataPath;
  /** The packets this side's TUN reads each round, and a pristine copy (sealing overwrites them in place). */
  batch: PacketBatch;
  template: Uint8Array;
}

function side(node: TestNode, to: TestNode, clock: () => number): Side {
  const tun = new LoopTun();
  const bind = new LoopBind(node.address.subarray(0, ENDPOINT_SIZE));
  const path = new DataPath(node.device, tun as unknown as Tun, bind as unknown as Bind, clock, (error) => {
    throw error;
  });
  const batch = createPacketBatch(PACKETS, PACKETS * ROOM);
  for (let i = 0; i < PACKETS; i++) {
    const packet = ipv4Packet({ src: node.tunnel4, dst: to.tunnel4, payload: payloadOf(i, PACKET_BYTES - 20) });
    batch.offsets[i] = i * ROOM + SEND_HEADROOM;
    batch.lengths[i] = packet.length;
    batch.buffer.set(packet, batch.offsets[i]);
  }
  batch.count = PACKETS;
  return { node, tun, bind, path, batch, template: batch.buffer.slice() };
}

export interface AllocationProbe {
  /** Runs `rounds` rounds: each side's TUN batch out, both binds delivered, and every 16th round a keepalive each way. */
  run(rounds: number): void;
  /** Packets written to each TUN so far (proof that traffic flowed). */
  delivered(): { a: number; b: number };
  stop(): void;
}

/** Two devices with a session, behind DataPaths joined by loopback stand-ins, on a fake clock. */
export function createAllocationProbe(): AllocationProbe {
  // Seed 2 gives A a receiver index >= 2^31 and B one below: both kinds of index on the receive path.
  const { net, a, b } = createTwoDevices({ seed: 2 });
  // The handshake, through the engine's own test network, before the DataPaths take over.
  a.send(ipv4Packet({ src: a.tunnel4, dst: b.tunnel4 }));
  net.deliverAll();
  let now = net.now;
  const clock = (): number => now;
  const sa = side(a, b, clock);
  const sb = side(b, a, clock);
  sa.bind.other = sb.bind;
  sb.bind.other = sa.bind;
  sa.path.start();
  sb.path.start();
  // What tick() runs when a keepalive timer expires (the clock stays put: jumping it would bring rekeys).
  // Each of the two devices has the other as its one peer.
  const keepaliveA = (at: number, sink: DeviceSink): void =>
    sendKeepalive(sa.node.device, sa.node.device.peers[0]!, at, sink);
  const keepaliveB = (at: number, sink: DeviceSink): void =>
    sendKeepalive(sb.node.device, sb.node.device.peers[0]!, at, sink);
  const round = (r: number): void => {
    now += 0.25;
    for (const s of [sa, sb]) {
      s.batch.buffer.set(s.template);
      s.tun.onBatch(s.batch);
    }
    sb.bind.deliver();
    sa.bind.deliver();
    if ((r & 15) === 15) {
      // Keepalives both ways, sealed in the device's scratch.
      sa.path.run(keepaliveA);
      sb.path.run(keepaliveB);
      sb.bind.deliver();
      sa.bind.deliver();
    }
  };
  return {
    run(rounds) {
      for (let r = 0; r < rounds; r++) round(r);
    },
    delivered: () => ({ a: sa.tun.written, b: sb.tun.written }),
    stop() {
      sa.path.stop();
      sb.path.stop();
    },
  };
}

export interface AllocationResult {
  /** Bytes of JS heap per round over the short and the long run; equal (near 0) when nothing is per packet. */
  bytesPerRoundShort: number;
  bytesPerRoundLong: number;
  /** Growth of the long run beyond 4 x the short one: what scales with the number of packets. */
  growthBeyondShort: number;
  packetsPerRound: number;
  gcDuringMeasurement: boolean;
  delivered: { a: number; b: number };
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** Heap bytes a run of `rounds` leaves allocated, with no GC in between (checked with a GC profiler). */
function measure(probe: AllocationProbe, rounds: number): { bytes: number; gc: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
  const profiler = new GCProfiler();
  profiler.start();
  const before = heapUsed();
  probe.run(rounds);
  const after = heapUsed();
  const stats = profiler.stop();
  return { bytes: after - before, gc: (stats?.statistics.length ?? 0) > 0 };
}

export function measureAllocation(rounds: number): AllocationResult {
  const probe = createAllocationProbe();
  probe.run(2000); // warm-up: past the interpreter and into optimized code
  const short = measure(probe, rounds);
  const long = measure(probe, rounds * 4);
  probe.stop();
  return {
    bytesPerRoundShort: short.bytes / rounds,
    bytesPerRoundLong: long.bytes / (rounds * 4),
    growthBeyondShort: long.bytes - 4 * short.bytes,
    packetsPerRound: 2 * PACKETS,
    gcDuringMeasurement: short.gc || long.gc,
    delivered: probe.delivered(),
  };
}

/** The top allocation sites by sampled bytes, garbage included. */
async function profile(rounds: number): Promise<void> {
  const probe = createAllocationProbe();
  probe.run(2000);
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  probe.run(rounds);
  const { profile: result } = await session.post('HeapProfiler.stopSampling');
  probe.stop();
  interface Node {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: Node[];
  }
  const sites: { site: string; bytes: number }[] = [];
  const walk = (node: Node, stack: string[]): void => {
    const frame = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
    const here = [...stack, frame];
    if (node.selfSize > 0) sites.push({ site: here.slice(-4).join(' <- '), bytes: node.selfSize });
    for (const child of node.children) walk(child, here);
  };
  walk(result.head as unknown as Node, []);
  sites.sort((x, y) => y.bytes - x.bytes);
  const packets = rounds * 2 * PACKETS;
  for (const { site, bytes } of sites.slice(0, 15))
    console.log(`${(bytes / packets).toFixed(2).padStart(8)} B/packet  ${site}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 500);
  if (process.argv.includes('--profile')) await profile(rounds);
  else console.log(JSON.stringify(measureAllocation(rounds)));
}
