// The addon's merging of a write batch into super-packets (gso-coalesce.c), fed crafted segment sequences. Each
// test names the groups of input packets it expects, in write order: a group of one must go out unchanged
// behind a zeroed virtio-net header; a larger group must be one super-packet whose virtio-net header, lengths,
// IPv4 header checksum and partial (pseudo-header) TCP/UDP checksum are what the kernel expects, and which
// gsoSplit (the read side's segmentation, as the kernel's GSO would do it) turns back into exactly the packets
// that went in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPacket, onesSum } from '../../test/netns/packets.js';
import { TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_USO4, TUN_F_USO6, loadAddon } from './addon.js';

const ALL = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6;
const TCP_ONLY = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;
const TIMESTAMPS = Uint8Array.of(1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0); // NOP NOP TS val ecr

interface Segment {
  version?: 4 | 6;
  proto?: 'tcp' | 'udp';
  /** Last byte of the source address: another host, another flow. */
  host?: number;
  sport?: number;
  seq?: number;
  ack?: number;
  window?: number;
  flags?: number;
  options?: Uint8Array;
  payload: Uint8Array;
  id?: number;
  df?: boolean;
  ttl?: number;
  tos?: number;
  flowLabel?: number;
  /** A wrong TCP/UDP checksum. */
  corrupt?: boolean;
  /** UDP over IPv4 without a checksum. */
  noChecksum?: boolean;
}

function pattern(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + 7) & 0xff);
}

function build(s: Segment): Uint8Array {
  const version = s.version ?? 4;
  const tcp = (s.proto ?? 'tcp') === 'tcp';
  const options = s.options ?? new Uint8Array(0);
  const l3 = version === 4 ? 20 : 40;
  const l4 = tcp ? 20 + options.length : 8;
  const p = new Uint8Array(l3 + l4 + s.payload.length);
  const v = new DataView(p.buffer);
  const proto = tcp ? 6 : 17;
  if (version === 4) {
    v.setUint8(0, 0x45);
    v.setUint8(1, s.tos ?? 0);
    v.setUint16(2, p.length);
    v.setUint16(4, (s.id ?? 0x1234) & 0xffff);
    v.setUint16(6, (s.df ?? true) ? 0x4000 : 0);
    v.setUint8(8, s.ttl ?? 64);
    v.setUint8(9, proto);
    p.set([10, 7, 0, s.host ?? 1, 10, 7, 0, 200], 12);
    v.setUint16(10, ~onesSum(p, 0, 20) & 0xffff);
  } else {
    v.setUint32(0, (0x6 << 28) | ((s.tos ?? 0) << 20) | (s.flowLabel ?? 0x12345));
    v.setUint16(4, p.length - 40);
    v.setUint8(6, proto);
    v.setUint8(7, s.ttl ?? 64);
    p.set([0xfd, 0, 0, 7, ...new Array<number>(11).fill(0), s.host ?? 1], 8);
    p.set([0xfd, 0, 0, 7, ...new Array<number>(11).fill(0), 200], 24);
  }
  v.setUint16(l3, s.sport ?? 40000);
  v.setUint16(l3 + 2, 5201);
  if (tcp) {
    v.setUint32(l3 + 4, (s.seq ?? 1000) >>> 0);
    v.setUint32(l3 + 8, (s.ack ?? 77) >>> 0);
    v.setUint8(l3 + 12, (l4 / 4) << 4);
    v.setUint8(l3 + 13, s.flags ?? ACK);
    v.setUint16(l3 + 14, s.window ?? 512);
    p.set(options, l3 + 20);
  } else {
    v.setUint16(l3 + 4, l4 + s.payload.length);
  }
  p.set(s.payload, l3 + l4);
  const [from, to] = version === 4 ? [12, 20] : [8, 40];
  const field = l3 + (tcp ? 16 : 6);
  if (!s.noChecksum) {
    const sum = ~onesSum(p, l3, p.length, onesSum(p, from, to, proto + p.length - l3)) & 0xffff;
    v.setUint16(field, (sum === 0 && !tcp ? 0xffff : sum) ^ (s.corrupt ? 0x0101 : 0));
  }
  return p;
}

/** A TCP stream's segments: payload sizes in order, sequence numbers and IPv4 ids following each other. */
function stream(base: Omit<Segment, 'payload'>, sizes: number[], lastFlags = ACK | PSH): Segment[] {
  let seq = base.seq ?? 1000;
  return sizes.map((size, i) => {
    const s: Segment = {
      ...base,
      seq,
      id: (base.id ?? 0x1234) + i,
      payload: pattern(size, seq),
      flags: i === sizes.length - 1 ? lastFlags : (base.flags ?? ACK),
    };
    seq += size;
    return s;
  });
}

/** Packets in one buffer, 16-byte aligned with head and tail room between them, as the data path lays them out. */
function batchOf(packets: Uint8Array[]) {
  const offsets = new Uint32Array(packets.length);
  const lengths = new Uint32Array(packets.length);
  let cursor = 0;
  for (const [i, p] of packets.entries()) {
    offsets[i] = (cursor + 16 + 15) & ~15;
    lengths[i] = p.length;
    cursor = offsets[i] + p.length + 32;
  }
  const buffer = new Uint8Array(cursor);
  for (const [i, p] of packets.entries()) buffer.set(p, offsets[i]);
  return { buffer, offsets, lengths, count: packets.length };
}

interface Frame {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
  packet: Uint8Array;
  raw: Uint8Array;
}

function coalesce(packets: Uint8Array[], offloads = ALL, refuseGso = false) {
  const b = batchOf(packets);
  const out = {
    buffer: new Uint8Array(b.buffer.length + 10 * packets.length),
    offsets: new Uint32Array(packets.length),
    lengths: new Uint32Array(packets.length),
  };
  const result = loadAddon().gsoCoalesce(b.buffer, b.offsets, b.lengths, b.count, offloads, out, refuseGso);
  const frames: Frame[] = Array.from({ length: result.frames }, (_, i) => {
    const raw = out.buffer.slice(out.offsets[i]!, out.offsets[i]! + out.lengths[i]!);
    const v = new DataView(raw.buffer);
    return {
      flags: raw[0]!,
      gsoType: raw[1]!,
      hdrLen: v.getUint16(2, true),
      gsoSize: v.getUint16(4, true),
      csumStart: v.getUint16(6, true),
      csumOffset: v.getUint16(8, true),
      packet: raw.subarray(10),
      raw,
    };
  });
  return { result, frames };
}

function split(frame: Frame): Uint8Array[] {
  const out = { buffer: new Uint8Array(256 << 10), offsets: new Uint32Array(128), lengths: new Uint32Array(128) };
  const count = loadAddon().gsoSplit(frame.raw.slice(), 0, 0, out);
  return Array.from({ length: count }, (_, i) => out.buffer.slice(out.offsets[i]!, out.offsets[i]! + out.lengths[i]!));
}

/** The checks of a super-packet that gsoSplit does not make (it recomputes every checksum). */
function expectSuperPacket(f: Frame, segments: Uint8Array[]): void {
  const p = f.packet;
  const v = new DataView(p.buffer, p.byteOffset);
  const version = p[0]! >> 4;
  const l3 = version === 4 ? 20 : 40;
  const proto = version === 4 ? p[9]! : p[6]!;
  const l4 = proto === 6 ? (p[l3 + 12]! >> 4) * 4 : 8;
  const first = segments[0]!;
  expect(f.flags).toBe(1); // NEEDS_CSUM
  expect(f.gsoType).toBe(proto === 17 ? 5 : version === 4 ? 1 : 4);
  expect(f.hdrLen).toBe(l3 + l4);
  expect(f.gsoSize).toBe(first.length - l3 - l4);
  expect(f.csumStart).toBe(l3);
  expect(f.csumOffset).toBe(proto === 6 ? 16 : 6);
  expect(p.length).toBe(l3 + l4 + segments.reduce((n, s) => n + s.length - l3 - l4, 0));
  expect(p.length).toBeLessThanOrEqual(65535);
  if (version === 4) {
    expect(v.getUint16(2)).toBe(p.length);
    expect(onesSum(p, 0, 20)).toBe(0xffff);
    expect(v.getUint16(4)).toBe(new DataView(first.buffer).getUint16(4)); // the first segment's id
  } else {
    expect(v.getUint16(4)).toBe(p.length - 40);
  }
  if (proto === 17) expect(v.getUint16(l3 + 4)).toBe(p.length - l3);
  const [from, to] = version === 4 ? [12, 20] : [8, 40];
  expect(v.getUint16(l3 + (proto === 6 ? 16 : 6))).toBe(onesSum(p, from, to, proto + p.length - l3));
}

/** groups: the input packets each frame must hold, in write order. */
function expectFrames(packets: Uint8Array[], frames: Frame[], groups: number[][]): void {
  expect(frames.map((f) => (f.gsoType === 0 ? 1 : split(f).length))).toEqual(groups.map((g) => g.length));
  groups.forEach((group, i) => {
    const f = frames[i]!;
    if (group.length === 1) {
      expect(f.raw.subarray(0, 10)).toEqual(new Uint8Array(10));
      expect(Buffer.from(f.packet).equals(Buffer.from(packets[group[0]!]!))).toBe(true);
      return;
    }
    const segments = group.map((j) => packets[j]!);
    expectSuperPacket(f, segments);
    const back = split(f);
    back.forEach((p, j) => {
      expect(checkPacket(p)).toBeNull();
      expect(Buffer.from(p).toString('hex')).toBe(Buffer.from(segments[j]!).toString('hex'));
    });
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('gsoCoalesce', () => {
  it('merges an in-order IPv4 TCP stream, timestamps and all, PSH on the last and the last smaller', () => {
    const packets = stream({ options: TIMESTAMPS }, [...new Array<number>(9).fill(1368), 500]).map(build);
    const { result, frames } = coalesce(packets);
    expectFrames(packets, frames, [range(0, 10)]);
    expect(frames[0]!.packet[20 + 13]).toBe(ACK | PSH);
    expect(result).toEqual({ frames: 1, written: 10, calls: 1, superPackets: 1, merged: 10, fallbacks: 0 });
  });

  it('merges IPv6 TCP the same way', () => {
    const packets = stream({ version: 6 }, [1000, 1000, 1000, 1000]).map(build);
    expectFrames(packets, coalesce(packets).frames, [[0, 1, 2, 3]]);
  });

  it('starts a new super-packet at a sequence gap, and nothing follows a smaller segment', () => {
    const a = stream({ seq: 1000 }, [1000, 1000], ACK);
    const b = stream({ seq: 5000, id: 0x1236 }, [1000, 600, 1000], ACK);
    const packets = [...a, ...b].map(build);
    expectFrames(packets, coalesce(packets).frames, [[0, 1], [2, 3], [4]]);
  });

  it('never puts a larger segment after a smaller first one', () => {
    const packets = stream({}, [600, 1000, 1000], ACK).map(build);
    expectFrames(packets, coalesce(packets).frames, [[0], [1, 2]]);
  });

  it('merges interleaved flows each on its own, in the order of their first segments', () => {
    const a = stream({ sport: 1111 }, [1000, 1000, 1000], ACK);
    const b = stream({ sport: 2222, seq: 9000 }, [1200, 1200, 1200], ACK);
    const c = stream({ host: 9 }, [1000, 1000], ACK);
    const six = stream({ version: 6 }, [1000, 1000], ACK);
    const packets = [a[0]!, b[0]!, c[0]!, a[1]!, six[0]!, b[1]!, a[2]!, c[1]!, six[1]!, b[2]!].map(build);
    expectFrames(packets, coalesce(packets).frames, [
      [0, 3, 6],
      [1, 5, 9],
      [2, 7],
      [4, 8],
    ]);
  });

  it("keeps a flow's order around a packet it cannot merge (pure ACK, SYN, FIN), and ends at PSH", () => {
    const s = stream({}, [1000, 1000, 1000, 1000, 1000, 1000], ACK);
    s[3]!.flags = ACK | PSH;
    const pureAck: Segment = { seq: s[2]!.seq, payload: new Uint8Array(0) };
    const fin: Segment = { ...s[5]!, flags: ACK | FIN };
    const syn: Segment = { sport: 3333, flags: SYN, payload: new Uint8Array(0) };
    const packets = [s[0]!, s[1]!, pureAck, s[2]!, s[3]!, s[4]!, fin, syn].map(build);
    expectFrames(packets, coalesce(packets).frames, [[0, 1], [2], [3, 4], [5], [6], [7]]);
  });

  it('lets ICMP be passed, but merges nothing across a packet whose flow it cannot read', () => {
    const s = stream({}, [1000, 1000, 1000, 1000, 1000, 1000], ACK);
    const icmp = Uint8Array.from([
      0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 7, 0, 1, 10, 7, 0, 200, 8, 0, 0xf7, 0xff, 0, 0, 0, 0,
    ]);
    const padded = Uint8Array.from([...build(s[2]!), 0, 0, 0, 0]); // IPv4 total length short of the packet
    const fragment = build({ proto: 'udp', host: 3, payload: pattern(100) });
    fragment[6]! |= 0x20; // MF
    const packets = [build(s[0]!), icmp, build(s[1]!), padded, build(s[3]!), build(s[4]!), fragment, build(s[5]!)];
    expectFrames(packets, coalesce(packets).frames, [[0, 2], [1], [3], [4, 5], [6], [7]]);
    const six = stream({ version: 6 }, [1000, 1000, 1000], ACK).map(build);
    const hopByHop = six[1]!.slice();
    hopByHop[6] = 0; // a next header the coalescer does not follow
    const sixes = [six[0]!, hopByHop, six[2]!];
    expectFrames(sixes, coalesce(sixes).frames, [[0], [1], [2]]);
  });

  it('keeps apart segments whose ACK, window, options, TTL, TOS, DF or flow label differ', () => {
    const cases: [Partial<Segment>, Partial<Segment>][] = [
      [{ ack: 1 }, { ack: 2 }],
      [{ window: 100 }, { window: 101 }],
      [{ options: TIMESTAMPS }, { options: Uint8Array.of(1, 1, 8, 10, 0, 0, 0x10, 1, 0, 0, 0x20, 0) }],
      [{ options: TIMESTAMPS }, {}],
      [{ ttl: 64 }, { ttl: 63 }],
      [{ tos: 0 }, { tos: 2 }],
      [{ df: true }, { df: false }],
      [
        { version: 6, flowLabel: 1 },
        { version: 6, flowLabel: 2 },
      ],
      [
        { version: 6, ttl: 64 },
        { version: 6, ttl: 1 },
      ],
    ];
    for (const [x, y] of cases) {
      const [first, second] = stream({ version: x.version }, [1000, 1000], ACK);
      const packets = [build({ ...first!, ...x }), build({ ...second!, ...y })];
      expectFrames(packets, coalesce(packets).frames, [[0], [1]]);
    }
  });

  it('needs consecutive IPv4 ids without DF, and takes any id with DF', () => {
    const noDf = stream({ df: false }, [1000, 1000, 1000], ACK);
    noDf[2]!.id = 0x9999;
    const df = stream({ df: true }, [1000, 1000], ACK).map((s) => ({ ...s, id: 0, seq: s.seq! + 3000, sport: 7 }));
    const packets = [...noDf, ...df].map(build);
    const { frames } = coalesce(packets);
    expect(frames.map((f) => f.gsoType)).toEqual([1, 0, 1]);
    expectFrames(packets.slice(0, 3), frames.slice(0, 2), [[0, 1], [2]]);
    expectSuperPacket(frames[2]!, packets.slice(3)); // gsoSplit numbers ids from the first: not byte-equal here
  });

  it('merges no segment whose checksum is wrong', () => {
    const s = stream({}, [1000, 1000, 1000, 1000, 1000], ACK);
    s[2]!.corrupt = true;
    const packets = s.map(build);
    expectFrames(packets, coalesce(packets).frames, [[0, 1], [2], [3, 4]]);
    const headBad = stream({}, [1000, 1000, 1000], ACK);
    headBad[0]!.corrupt = true;
    const more = headBad.map(build);
    expectFrames(more, coalesce(more).frames, [[0], [1, 2]]);
  });

  it('stays within 64 KiB and 64 segments, and plans a long batch window by window', () => {
    const big = stream({}, new Array<number>(100).fill(1400), ACK).map(build);
    const { frames } = coalesce(big);
    // 46 * 1400 + 40 <= 65535
    expectFrames(big, frames, [range(0, 46), range(46, 92), range(92, 100)]);
    const tiny = stream({}, new Array<number>(130).fill(10), ACK).map(build);
    expectFrames(tiny, coalesce(tiny).frames, [range(0, 64), range(64, 128), [128, 129]]);
    const long = stream({}, new Array<number>(600).fill(100), ACK).map(build);
    const groups = [...range(0, 8).map((i) => range(i * 64, i * 64 + 64)), range(512, 576), range(576, 600)];
    expectFrames(long, coalesce(long).frames, groups);
  });

  it('merges UDP datagrams of a flow only with USO, and no UDP without a checksum', () => {
    const udp = (i: number, size: number, extra: Partial<Segment> = {}): Segment => ({
      proto: 'udp',
      id: 0x100 + i,
      payload: pattern(size, i),
      ...extra,
    });
    const packets = [udp(0, 1200), udp(1, 1200), udp(2, 1200), udp(3, 700), udp(4, 1200)].map(build);
    const { frames } = coalesce(packets);
    expectFrames(packets, frames, [[0, 1, 2, 3], [4]]);
    expect(frames[0]!.gsoType).toBe(5);
    expectFrames(packets, coalesce(packets, TCP_ONLY).frames, [[0], [1], [2], [3], [4]]);
    const v6 = [0, 1, 2].map((i) => build(udp(i, 1000, { version: 6 })));
    expectFrames(v6, coalesce(v6).frames, [[0, 1, 2]]);
    const bare = [0, 1].map((i) => build(udp(i, 1000, { noChecksum: true })));
    expectFrames(bare, coalesce(bare).frames, [[0], [1]]);
  });

  it('writes everything alone without the offloads, and small packets of any kind unchanged', () => {
    const tcp = stream({}, [1000, 1000], ACK).map(build);
    const tcp6 = stream({ version: 6 }, [1000, 1000], ACK).map(build);
    const packets = [...tcp, ...tcp6];
    expectFrames(packets, coalesce(packets, TUN_F_CSUM).frames, [[0], [1], [2], [3]]);
    expectFrames(packets, coalesce(packets, TUN_F_CSUM | TUN_F_TSO6).frames, [[0], [1], [2, 3]]);
    const icmp = Uint8Array.from([
      0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 7, 0, 1, 10, 7, 0, 200, 8, 0, 0xf7, 0xff, 0, 0, 0, 0,
    ]);
    const odd = [icmp, new Uint8Array(0), Uint8Array.of(0x45), build({ proto: 'udp', payload: new Uint8Array(0) })];
    expectFrames(odd, coalesce(odd).frames, [[0], [1], [2], [3]]);
  });

  it('writes the segments one by one when the kernel refuses a super-packet, and stops merging', () => {
    const a = stream({}, [1000, 1000, 1000], ACK).map(build);
    const b = stream({ sport: 5 }, [1000, 1000], ACK).map(build);
    const packets = [...a, ...b];
    const { result, frames } = coalesce(packets, ALL, true);
    expectFrames(packets, frames, [[0], [1], [2], [3], [4]]);
    expect(result).toMatchObject({ written: 5, superPackets: 0, fallbacks: 1, calls: 6 });
  });

  it('gives back every flow in order, whatever the mix', () => {
    const flowArb = fc.record({
      version: fc.constantFrom<4 | 6>(4, 6),
      proto: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp', 'tcp'),
      sizes: fc.array(fc.constantFrom(1, 100, 1000, 1368, 1368, 1368), { minLength: 1, maxLength: 30 }),
      psh: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(flowArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(3)),
        fc.array(fc.nat(200)),
        (flows, picks, corrupt) => {
          const queues: Segment[][] = flows.map((f, n) =>
            f.proto === 'tcp'
              ? stream({ version: f.version, sport: 100 + n, id: n * 1000 }, f.sizes, f.psh ? ACK | PSH : ACK)
              : f.sizes.map((size, i) => ({
                  version: f.version,
                  proto: 'udp' as const,
                  sport: 100 + n,
                  id: n * 1000 + i,
                  payload: pattern(size, i),
                })),
          );
          const order: number[] = [];
          const left = queues.map((q) => q.length);
          for (let i = 0; left.some((n) => n > 0); i++) {
            let f = (picks[i] ?? i) % queues.length;
            while (left[f] === 0) f = (f + 1) % queues.length;
            order.push(f);
            left[f]!--;
          }
          const taken = queues.map(() => 0);
          const segments = order.map((f) => ({ flow: f, segment: queues[f]![taken[f]!++]! }));
          for (const c of corrupt) if (c < segments.length) segments[c]!.segment.corrupt = true;
          const packets = segments.map((s) => build(s.segment));
          const { frames, result } = coalesce(packets);
          expect(result.written).toBe(packets.length);
          const out = frames.flatMap((f) => (f.gsoType === 0 ? [f.packet] : split(f)));
          expect(out).toHaveLength(packets.length);
          for (const f of frames) if (f.gsoType !== 0) expect(f.packet.length).toBeLessThanOrEqual(65535);
          // Per flow, exactly the packets that went in, in their order.
          const key = (p: Uint8Array) =>
            `${p[0]! >> 4}:${p[0]! >> 4 === 4 ? p[9] : p[6]}:${(p[p[0]! >> 4 === 4 ? 20 : 40]! << 8) | p[p[0]! >> 4 === 4 ? 21 : 41]!}`;
          const byFlow = (list: Uint8Array[]) => {
            const m = new Map<string, string[]>();
            for (const p of list) m.set(key(p), [...(m.get(key(p)) ?? []), Buffer.from(p).toString('hex')]);
            return m;
          };
          expect(byFlow(out)).toEqual(byFlow(packets));
        },
      ),
      { numRuns: 200 },
    );
  });
});
