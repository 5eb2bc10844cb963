import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MAX_STAGED_PACKETS, QUEUE_HANDSHAKE_SIZE, UNDER_LOAD_QUEUE_THRESHOLD } from './constants.js';
import { addMacs, createCookieGenerator } from './cookie.js';
import { WORK } from './device-work.js';
import { endpointEquals } from './endpoint.js';
import { ipv4Packet, ipv6Packet, payloadOf } from './testing/packets.js';
import { type TestNode, type TwoDevices, createTwoDevices, endpoint, typeOf } from './testing/two-devices.js';

const ATTACKERS = [endpoint('198.51.100.66:4444'), endpoint('[2001:db8:bad::1]:53')];

/** A session with one captured message of each kind, and the legitimate packets each side has sent. */
interface Scenario extends TwoDevices {
  samples: Uint8Array[];
  legit: Map<TestNode, Set<string>>;
  /** Sends a packet from one side to the other, recording it as legitimate. */
  talk(from: TestNode, to: TestNode, tag: number, family: 4 | 6): void;
}

function scenario(): Scenario {
  const pair = createTwoDevices({ seed: 11 });
  const { net, a, b } = pair;
  const legit = new Map<TestNode, Set<string>>([
    [a, new Set()],
    [b, new Set()],
  ]);
  const talk = (from: TestNode, to: TestNode, tag: number, family: 4 | 6): void => {
    const packet =
      family === 4
        ? ipv4Packet({ src: from.tunnel4, dst: to.tunnel4, payload: payloadOf(tag, tag % 300) })
        : ipv6Packet({ src: from.tunnel6, dst: to.tunnel6, payload: payloadOf(tag, tag % 300) });
    legit.get(to)!.add(hex(packet));
    from.send(packet);
  };
  // A cookie reply: B under load answers A's first initiation with one; A's retry gets through.
  talk(a, b, 1, 4);
  const junk = new Uint8Array(148);
  junk[0] = 1;
  for (let i = 0; i < UNDER_LOAD_QUEUE_THRESHOLD; i++) b.receive(junk, ATTACKERS[0]!);
  net.runFor(10_000);
  talk(b, a, 2, 6);
  talk(a, b, 3, 6);
  net.runFor(11_000); // B's passive keepalive too
  const samples: Uint8Array[] = [];
  refreshSamples(pair, samples);
  expect(samples.every((s) => s !== undefined)).toBe(true);
  return Object.assign(pair, { samples, legit, talk });
}

/** The latest message of each kind on the wire, so that mutations keep hitting live indices and keys. */
function refreshSamples({ net }: TwoDevices, samples: Uint8Array[]): void {
  const kinds: ((d: Uint8Array) => boolean)[] = [
    (d) => typeOf(d) === 1,
    (d) => typeOf(d) === 2,
    (d) => typeOf(d) === 3,
    (d) => typeOf(d) === 4 && d.length > 32,
    (d) => typeOf(d) === 4 && d.length === 32,
  ];
  kinds.forEach((is, i) => {
    const latest = net.log.findLast((d) => is(d.data));
    if (latest !== undefined) samples[i] = latest.data;
  });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

type Input =
  | { kind: 'random'; bytes: Uint8Array; source: number }
  | {
      kind: 'mutate';
      sample: number;
      edits: [number, number][];
      cut: number;
      grow: Uint8Array;
      fixMac1: boolean;
      source: number;
    }
  | { kind: 'retype'; sample: number; type: number; source: number }
  | { kind: 'time'; ms: number }
  | { kind: 'talk'; tag: number };

const inputs: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('random' as const),
      bytes: fc.uint8Array({ maxLength: 200 }),
      source: fc.nat(2),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('mutate' as const),
      sample: fc.nat(4),
      edits: fc.array(fc.tuple(fc.nat(1600), fc.nat(255)), { maxLength: 4 }),
      cut: fc.oneof(fc.constant(0), fc.nat(160)),
      grow: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 40 })),
      fixMac1: fc.boolean(),
      source: fc.nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('retype' as const),
      sample: fc.nat(4),
      type: fc.integer({ min: 0, max: 6 }),
      source: fc.nat(2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('talk' as const), tag: fc.nat(100_000) }) },
);

describe('Device fuzz', () => {
  it('random and mutated datagrams never throw, never get through, never move an endpoint; memory stays bounded', () => {
    const s = scenario();
    const { net, a, b, peerOfA, peerOfB, crypto } = s;
    const mac1For = [
      createCookieGenerator(crypto, a.device.publicKey!),
      createCookieGenerator(crypto, b.device.publicKey!),
    ];
    let sent = 0;
    const feed = (target: TestNode, bytes: Uint8Array, source: number): void => {
      const from = source === 2 ? (target === b ? a.address : b.address) : ATTACKERS[source]!;
      target.receive(bytes, from);
      if (++sent % 7 === 0) target.flush();
    };

    fc.assert(
      fc.property(inputs, fc.boolean(), (input, toA) => {
        const target = toA ? a : b;
        switch (input.kind) {
          case 'random':
            feed(target, input.bytes, input.source);
            break;
          case 'mutate': {
            const sample = s.samples[input.sample]!;
            let bytes = new Uint8Array(Math.max(0, sample.length - input.cut) + input.grow.length);
            bytes.set(sample.subarray(0, bytes.length - input.grow.length));
            bytes.set(input.grow, bytes.length - input.grow.length);
            for (const [at, value] of input.edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
            // A correct MAC1 takes the mutation past the cheap check into the Noise step.
            if (input.fixMac1 && (bytes.length === 148 || bytes.length === 92)) {
              bytes = bytes.slice();
              addMacs(crypto, mac1For[toA ? 0 : 1]!, bytes, net.now);
            }
            feed(target, bytes, input.source);
            break;
          }
          case 'retype': {
            const bytes = s.samples[input.sample]!.slice();
            bytes[0] = input.type;
            feed(target, bytes, input.source);
            break;
          }
          case 'time':
            a.flush();
            b.flush();
            net.runFor(input.ms);
            break;
          case 'talk':
            s.talk(a, b, input.tag, input.tag % 2 === 0 ? 4 : 6);
            s.talk(b, a, input.tag + 1, input.tag % 3 === 0 ? 4 : 6);
            a.flush();
            b.flush();
            net.deliverAll();
            refreshSamples(s, s.samples);
            break;
        }
        for (const [node, peer] of [
          [a, peerOfA],
          [b, peerOfB],
        ] as const) {
          // One handshake and three keypairs per peer at most, whatever arrives.
          expect(node.device.indices.size).toBeLessThanOrEqual(4);
          expect(node.device[WORK].handshakes.size).toBeLessThanOrEqual(QUEUE_HANDSHAKE_SIZE);
          expect(peer.staged.size).toBeLessThanOrEqual(MAX_STAGED_PACKETS);
          const legit = s.legit.get(node)!;
          for (const packet of node.tun) expect(legit.has(hex(packet))).toBe(true);
          node.tun.length = 0;
        }
        expect(endpointEquals(peerOfB.endpoint, 0, a.address, 0)).toBe(true);
        expect(endpointEquals(peerOfA.endpoint, 0, b.address, 0)).toBe(true);
      }),
      { numRuns: 10_000, seed: 0x5eed },
    );

    // Afterwards the tunnel still carries traffic both ways.
    a.flush();
    b.flush();
    net.runFor(30_000);
    a.tun.length = 0;
    b.tun.length = 0;
    s.talk(a, b, 7, 4);
    s.talk(b, a, 8, 6);
    net.runFor(10_000);
    expect(b.tun).toHaveLength(1);
    expect(a.tun).toHaveLength(1);
    expect(a.device.drops.malformed + b.device.drops.malformed).toBeGreaterThan(1000);
    expect(a.device.drops['handshake-failed'] + b.device.drops['handshake-failed']).toBeGreaterThan(50);
    expect(a.device.drops['decrypt-failed'] + b.device.drops['decrypt-failed']).toBeGreaterThan(100);
    expect(a.device.drops['unknown-index'] + b.device.drops['unknown-index']).toBeGreaterThan(100);
  });

  it('a flood fills the handshake queue to its bound and no further', () => {
    const { b } = createTwoDevices();
    const junk = new Uint8Array(148);
    junk[0] = 1;
    for (let i = 0; i < QUEUE_HANDSHAKE_SIZE + 100; i++) b.receive(junk, ATTACKERS[1]!);
    expect(b.device[WORK].handshakes.size).toBe(QUEUE_HANDSHAKE_SIZE);
    expect(b.device.drops['handshake-queue-full']).toBe(100);
    b.flush();
    expect(b.device[WORK].handshakes.size).toBe(0);
    expect(b.device.drops['bad-mac']).toBe(QUEUE_HANDSHAKE_SIZE);
  });
});
