/*
 * Under-load detection driven the way the I/O layer drives a device: datagrams in batches of 32, one flush()
 * after each batch, tick() when nextDeadline() is due. Each flush() takes at most HANDSHAKES_PER_FLUSH messages
 * up to the Noise step, so a flood leaves a backlog in the queue, and the backlog's length is the load.
 */
import { describe, expect, it } from 'vitest';

import { HANDSHAKES_PER_FLUSH, UNDER_LOAD_QUEUE_THRESHOLD } from './constants.js';
import { addMacs, createCookieGenerator } from './cookie.js';
import { Device } from './device.js';
import { WORK } from './device-work.js';
import { INITIATION } from './messages.js';
import { createInitiation } from './noise.js';
import { createHandshake } from './noise-handshake.js';
import { createNoiseContext, createStaticIdentity } from './noise-protocol.js';
import { writeTai64nParts } from './tai64n.js';
import { ipv4Packet, payloadOf } from './testing/packets.js';
import { seededRandom } from './testing/random.js';
import {
  type Datagram,
  type TestNode,
  type TwoDevices,
  createTwoDevices,
  endpoint,
  typeOf,
} from './testing/two-devices.js';

const BATCH = 32;

interface Arrival {
  data: Uint8Array;
  from: Uint8Array;
}

/**
 * `count` valid initiations to `node` from `keys` static keys that `node` knows as peers, key i % keys from
 * source address i % sources, timestamps rising, MAC1 right and MAC2 zero (no cookie yet).
 */
function floodOf(pair: TwoDevices, node: TestNode, count: number, keys = 50, sources = 250): Arrival[] {
  const { crypto } = pair;
  const random = seededRandom(0xf100d);
  const ctx = createNoiseContext(crypto, { randomFill: random });
  const responder = node.device.publicKey as Uint8Array;
  const identities = Array.from({ length: keys }, () => {
    const secret = new Uint8Array(32);
    random(secret);
    const identity = createStaticIdentity(crypto, secret);
    node.device.addPeer(identity.publicKey);
    return { identity, handshake: createHandshake(ctx, identity, responder) };
  });
  const macs = createCookieGenerator(crypto, responder);
  const timestamp = new Uint8Array(12);
  return Array.from({ length: count }, (_, i) => {
    const { identity, handshake } = identities[i % keys]!;
    writeTai64nParts(timestamp, 0, 1_700_000_000 + i, 0);
    const data = new Uint8Array(INITIATION.size);
    const result = createInitiation(ctx, identity, handshake, data, i + 1, timestamp);
    if (!result.ok) throw new Error(result.reason);
    addMacs(crypto, macs, data, 0);
    const s = i % sources;
    return { data, from: endpoint(`198.51.${100 + (s >> 8)}.${s & 0xff}:${20000 + s}`) };
  });
}

/** One receive batch and the one flush() the I/O layer runs after it. */
function batch(node: TestNode, arrivals: Arrival[]): void {
  for (const { data, from } of arrivals) node.receive(data, from);
  node.flushOnce();
}

function underLoad(node: TestNode): boolean {
  return node.network.now < node.device[WORK].underLoadUntil;
}

/** Takes the datagrams in flight from `sender` to `to` out of the network. */
function take(pair: TwoDevices, sender: TestNode, to: TestNode, type: number): Datagram[] {
  const { net } = pair;
  const taken = net.inFlight.filter(
    (d) => d.sender === sender && typeOf(d.data) === type && d.to.every((v, i) => v === to.address[i]),
  );
  for (const d of taken) net.inFlight.splice(net.inFlight.indexOf(d), 1);
  return taken;
}

describe('Device load detection under a flood', () => {
  it('enters load from the backlog, answers the flood with cookies, and still completes a peer with a valid MAC2', () => {
    const pair = createTwoDevices();
    const { net, a, b, peerOfA } = pair;
    const flood = floodOf(pair, b, 1000);
    const packet = ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(1) });
    a.send(packet);
    const [initiation] = take(pair, a, b, 1);
    let next = 0;
    const floodBatch = (extra?: Datagram): void => {
      const arrivals = flood.slice(next, next + BATCH - (extra ? 1 : 0));
      next += arrivals.length;
      if (extra) arrivals.splice(arrivals.length >> 1, 0, { data: extra.data, from: extra.from });
      batch(b, arrivals);
    };

    // The queue grows by 32 - 8 a batch: the fifth batch finds 128 queued, an eighth of the queue.
    const answeredPerFlush: number[] = [];
    while (!underLoad(b) && next < flood.length) {
      const before = net.sent(b, 2).length;
      floodBatch();
      answeredPerFlush.push(net.sent(b, 2).length - before);
    }
    expect(answeredPerFlush).toEqual([8, 8, 8, 8, 0]);
    expect(HANDSHAKES_PER_FLUSH).toBe(8);
    // Under load the backlog is cheap to answer: one flush() sends every queued message a cookie reply.
    expect(b.device.hasPendingHandshakes()).toBe(false);
    expect(b.device.drops['cookie-sent']).toBe(5 * BATCH - 4 * HANDSHAKES_PER_FLUSH);

    // A's initiation arrives amid the flood. It has no MAC2 either: a cookie reply, no Diffie-Hellman.
    for (let i = 0; i < 5; i++) floodBatch(i === 2 ? initiation : undefined);
    expect(net.sent(b, 2)).toHaveLength(4 * HANDSHAKES_PER_FLUSH);
    const reply = take(pair, b, a, 3)[0]!;
    a.receive(reply.data, reply.from);
    expect(peerOfA.cookieGenerator.isValid).toBe(true);

    // A retries after REKEY_TIMEOUT. The load ended a second after the first flood; a second flood brings it back,
    // and the retry, which carries a MAC2 from the cookie, arrives in the middle of it.
    net.now = a.device.nextDeadline();
    a.device.tick(net.now, a.sink);
    const retry = take(pair, a, b, 1)[0]!;
    expect(retry.data.subarray(INITIATION.mac2).some((v) => v !== 0)).toBe(true);
    expect(underLoad(b)).toBe(false);
    while (!underLoad(b) && next < flood.length) floodBatch();
    expect(underLoad(b)).toBe(true);
    const answered = net.sent(b, 2).length;
    floodBatch(retry);
    expect(net.sent(b, 2).length).toBe(answered + 1);
    const response = take(pair, b, a, 2)[0]!;
    a.receive(response.data, response.from);
    a.flush();
    expect(a.eventsOf('handshake-complete')).toHaveLength(1);
    net.deliverAll();
    expect(b.tun).toEqual([packet]);

    // Every datagram was answered or counted: nothing was lost to a full queue.
    expect(next + 2).toBeLessThanOrEqual(1002);
    expect(b.device.drops['handshake-queue-full']).toBe(0);
    expect(b.device.drops['cookie-sent']).toBe(net.sent(b, 3).length);
    expect(b.device.drops['cookie-sent'] + net.sent(b, 2).length).toBe(next + 2);
  });

  it('a handful of initiations a batch never puts the device under load', () => {
    const pair = createTwoDevices();
    const { net, b } = pair;
    const flood = floodOf(pair, b, 400);
    for (let i = 0; i < flood.length; i += 4) {
      batch(b, flood.slice(i, i + 4));
      expect(b.device.hasPendingHandshakes()).toBe(false);
      net.now += 10;
    }
    expect(b.device[WORK].underLoadUntil).toBe(-Infinity);
    expect(b.device.drops['cookie-sent']).toBe(0);
    expect(net.sent(b, 2)).toHaveLength(400);
  });

  it('a burst below an eighth of the queue is answered in full, drained by tick() once the batches stop', () => {
    const pair = createTwoDevices();
    const { net, b } = pair;
    const burst = floodOf(pair, b, 110, 110);
    for (let i = 0; i < burst.length; i += BATCH) batch(b, burst.slice(i, i + BATCH));
    const left = b.device[WORK].handshakes.size;
    expect(left).toBe(110 - 4 * HANDSHAKES_PER_FLUSH);
    // The I/O layer's timer, armed for nextDeadline(), drains the rest a budget at a time.
    const arrived = net.now;
    net.now += 1;
    let ticks = 0;
    while (b.device.nextDeadline() <= net.now) {
      expect(b.device.nextDeadline()).toBe(arrived);
      b.device.tick(net.now, b.sink);
      ticks++;
    }
    expect(ticks).toBe(Math.ceil(left / HANDSHAKES_PER_FLUSH));
    expect(b.device.hasPendingHandshakes()).toBe(false);
    expect(b.device.nextDeadline()).toBeGreaterThan(net.now);
    expect(b.device[WORK].underLoadUntil).toBe(-Infinity);
    expect(b.device.drops['cookie-sent']).toBe(0);
    expect(net.sent(b, 2)).toHaveLength(110);
  });

  it('messages refused before any Diffie-Hellman cost no budget', () => {
    const pair = createTwoDevices();
    const { net, b } = pair;
    const valid = floodOf(pair, b, 1)[0]!;
    const junk = new Uint8Array(INITIATION.size);
    junk[0] = 1;
    const arrivals: Arrival[] = Array.from({ length: 200 }, () => ({ data: junk, from: endpoint('203.0.113.9:9') }));
    arrivals.push(valid);
    batch(b, arrivals);
    expect(UNDER_LOAD_QUEUE_THRESHOLD).toBeLessThan(200);
    expect(b.device.hasPendingHandshakes()).toBe(false);
    expect(b.device.drops['bad-mac']).toBe(200);
    // Under load (200 queued) without a cookie, the valid one got a cookie reply rather than a response.
    expect(net.sent(b, 3)).toHaveLength(1);
  });

  it('rejects a budget that could never make progress', () => {
    const { crypto } = createTwoDevices();
    expect(() => new Device({ crypto, wallClock: () => 0, handshakesPerFlush: 0 })).toThrow(RangeError);
    expect(() => new Device({ crypto, wallClock: () => 0, handshakesPerFlush: 1.5 })).toThrow(RangeError);
  });
});
