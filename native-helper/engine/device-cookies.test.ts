import { describe, expect, it } from 'vitest';

import { UNDER_LOAD_QUEUE_THRESHOLD } from './constants.js';
import { endpointAddressOffset, endpointFamily, endpointPort } from './endpoint.js';
import { readU32LE } from './messages.js';
import { ipv4Packet, payloadOf } from './testing/packets.js';
import { seededRandom } from './testing/random.js';
import { type TestNode, type TwoDevices, createTwoDevices, endpoint, typeOf } from './testing/two-devices.js';

const ATTACKER = endpoint('198.51.100.66:4444');

function ping(from: TestNode, to: TestNode, tag: number): Uint8Array {
  const packet = ipv4Packet({ src: from.tunnel4, dst: to.tunnel4, payload: payloadOf(tag) });
  from.send(packet);
  return packet;
}

/** Queues `count` initiation-sized messages with a wrong MAC1 on `node`, without flushing: load. */
function flood(node: TestNode, count = UNDER_LOAD_QUEUE_THRESHOLD + 72): void {
  const random = seededRandom(count);
  const junk = new Uint8Array(148);
  for (let i = 0; i < count; i++) {
    random(junk);
    junk.set([1, 0, 0, 0]);
    node.receive(junk, ATTACKER);
  }
}

/** mac2 rewritten as a sender at `source` holding a fresh cookie from `node` would write it. */
function withCookieFor(pair: TwoDevices, node: TestNode, message: Uint8Array, source: Uint8Array): Uint8Array {
  const { crypto } = pair;
  // The kernel's binding: the source address, then its port big-endian.
  const at = endpointAddressOffset(0);
  const address = source.subarray(at, at + (endpointFamily(source) === 4 ? 4 : 16));
  const port = endpointPort(source);
  const bound = Uint8Array.of(...address, port >>> 8, port & 0xff);
  const cookie = new Uint8Array(16);
  crypto.mac(cookie, node.device.cookieChecker.secret, bound);
  const out = message.slice();
  crypto.mac(out.subarray(out.length - 16), cookie, out.subarray(0, out.length - 16));
  return out;
}

describe('Device cookies under load', () => {
  it('answers an initiation without MAC2 with a cookie reply, and accepts the retry that carries it', () => {
    const pair = createTwoDevices();
    const { net, a, b, peerOfA } = pair;
    const packet = ping(a, b, 1);
    flood(b);
    net.deliverAll();
    // MAC1 is checked first, load or not: the junk got nothing.
    expect(b.device.drops['bad-mac']).toBe(UNDER_LOAD_QUEUE_THRESHOLD + 72);
    expect(b.device.drops['cookie-sent']).toBe(1);
    const reply = net.sent(b, 3)[0]!;
    expect(reply.to).toEqual(a.address);
    expect(reply.data.length).toBe(64);
    expect(readU32LE(reply.data, 4)).toBe(readU32LE(net.sent(a, 1)[0]!.data, 4));
    expect(net.sent(b, 2)).toHaveLength(0);
    expect(peerOfA.cookieGenerator.isValid).toBe(true);
    expect(a.device.drops['cookie-invalid']).toBe(0);
    // Each MAC1 we send buys one cookie: the same reply again is refused.
    a.receive(reply.data, reply.from);
    expect(a.device.drops['cookie-invalid']).toBe(1);

    // The retry comes while B is still flooded: its MAC2 is good, so it is answered.
    net.now = net.nextDeadline();
    net.tick();
    const retry = net.inFlight[0]!;
    expect(typeOf(retry.data)).toBe(1);
    expect(retry.data.subarray(132).some((v) => v !== 0)).toBe(true);
    flood(b);
    net.deliverAll();
    expect(b.device.drops['cookie-sent']).toBe(1);
    expect(a.eventsOf('handshake-complete')).toHaveLength(1);
    expect(b.tun).toEqual([packet]);
  });

  it('without the cookie, the retry under load gets another cookie reply', () => {
    const { net, a, b } = createTwoDevices();
    ping(a, b, 1);
    flood(b);
    net.filter = (d) => typeOf(d.data) !== 3;
    net.deliverAll();
    net.now = net.nextDeadline();
    net.tick();
    flood(b);
    net.deliverAll();
    expect(b.device.drops['cookie-sent']).toBe(2);
    expect(a.eventsOf('handshake-complete')).toHaveLength(0);
  });

  it('load starts when the queue holds an eighth of its size, counting the message at hand', () => {
    const just = createTwoDevices();
    ping(just.a, just.b, 1);
    flood(just.b, UNDER_LOAD_QUEUE_THRESHOLD - 1);
    just.net.deliverAll();
    expect(just.b.device.drops['cookie-sent']).toBe(1);
  });

  it('below the threshold no cookie is asked for; load is sticky for a second', () => {
    const { net, a, b, peerOfB } = createTwoDevices();
    ping(a, b, 1);
    flood(b, UNDER_LOAD_QUEUE_THRESHOLD - 2);
    net.deliverAll();
    expect(b.device.drops['cookie-sent']).toBe(0);
    expect(a.eventsOf('handshake-complete')).toHaveLength(1);
    const initiation = net.sent(a, 1)[0]!;

    flood(b);
    b.flush();
    // The replayed initiation has no MAC2: while under load it gets a cookie before any Diffie-Hellman...
    net.now += 900;
    b.receive(initiation.data, initiation.from);
    b.flush();
    expect(b.device.drops['cookie-sent']).toBe(1);
    expect(b.device.drops['handshake-failed']).toBe(0);
    // ...and a second after the load, it is processed (and refused as the replay it is).
    net.now += 200;
    b.receive(initiation.data, initiation.from);
    b.flush();
    expect(b.device.drops['cookie-sent']).toBe(1);
    expect(b.device.drops['handshake-failed']).toBe(1);
    expect(peerOfB.keypairs.current).not.toBeNull();
  });

  it('a response that arrives under load gets a cookie reply too, and the next round succeeds', () => {
    const { net, a, b, peerOfB } = createTwoDevices();
    const packet = ping(a, b, 1);
    // B answers; the response reaches A while A is flooded.
    net.deliverRound();
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([2]);
    flood(a);
    net.deliverAll();
    expect(a.device.drops['cookie-sent']).toBe(1);
    expect(a.eventsOf('handshake-complete')).toHaveLength(0);
    // The cookie reply named B's index for the response, which B found and took the cookie for.
    expect(peerOfB.cookieGenerator.isValid).toBe(true);
    expect(b.device.drops['cookie-invalid'] + b.device.drops['unknown-index']).toBe(0);
    // A retries while still flooded; B's response now carries a MAC2 and is accepted.
    net.now = a.device.nextDeadline();
    net.tick();
    flood(a);
    net.deliverAll();
    expect(a.device.drops['cookie-sent']).toBe(1);
    expect(a.eventsOf('handshake-complete')).toHaveLength(1);
    expect(b.tun).toEqual([packet]);
  });

  it('rate-limits handshakes per source under load: a burst of 5, then 20 a second', () => {
    const pair = createTwoDevices();
    const { net, a, b } = pair;
    ping(a, b, 1);
    net.deliverAll();
    const initiation = net.sent(a, 1)[0]!;
    // B must have minted a cookie secret: one cookie reply under load.
    flood(b);
    b.receive(initiation.data, initiation.from);
    b.flush();
    expect(b.device.drops['cookie-sent']).toBe(1);

    const s2 = endpoint('203.0.113.2:1000');
    const s3 = endpoint('[2001:db8:77::3]:2000');
    const m2 = withCookieFor(pair, b, initiation.data, s2);
    const m3 = withCookieFor(pair, b, initiation.data, s3);
    const burst = (): void => {
      flood(b);
      for (let i = 0; i < 10; i++) {
        b.receive(m2, s2);
        b.receive(m3, s3);
      }
      b.flush();
    };
    burst();
    // Five from each source reached the handshake (which refuses the replayed timestamp); five each were cut.
    expect(b.device.drops.ratelimited).toBe(10);
    expect(b.device.drops['handshake-failed']).toBe(10);
    expect(b.device.drops['cookie-sent']).toBe(1);
    // 100 ms later each source has earned two more.
    net.now += 100;
    burst();
    expect(b.device.drops.ratelimited).toBe(10 + 16);
    expect(b.device.drops['handshake-failed']).toBe(10 + 4);
    // A cookie is bound to its source: S2's MAC2 from S3's address is no cookie at all.
    b.receive(m2, s3);
    b.flush();
    expect(b.device.drops['cookie-sent']).toBe(2);
  });
});
