import { describe, expect, it } from 'vitest';

import { isZero } from '../crypto/bytes.js';
import { MAX_PEERS, REJECT_AFTER_TIME_MS, REKEY_TIMEOUT_JITTER_MAX_MS, REKEY_TIMEOUT_MS } from './constants.js';
import { Device, TooManyPeersError } from './device.js';
import { WORK } from './device-work.js';
import type { Keypair } from './keypair.js';
import { readU32LE } from './messages.js';
import type { Peer } from './peer.js';
import { parseCidr } from './testing/ip-text.js';
import { ipv4Packet, payloadOf } from './testing/packets.js';
import { seededRandom } from './testing/random.js';
import {
  type TestNode,
  addNode,
  connect,
  createTwoDevices,
  endpoint,
  remoteOf,
  testCrypto,
  typeOf,
} from './testing/two-devices.js';
import { formatEndpointLocal, writeEndpointLocal } from './endpoint.js';
import { parseIp } from './testing/ip-text.js';

function ping(from: TestNode, to: TestNode, tag: number, dst = to.tunnel4): Uint8Array {
  const packet = ipv4Packet({ src: from.tunnel4, dst, payload: payloadOf(tag) });
  from.send(packet);
  return packet;
}

/** `record` with `local` as the address it came to. */
function withLocal(record: Uint8Array, local: string): Uint8Array {
  const copy = record.slice();
  writeEndpointLocal(copy, 0, parseIp(local).bytes);
  return copy;
}

function established(options: Parameters<typeof createTwoDevices>[0] = {}) {
  const pair = createTwoDevices(options);
  ping(pair.a, pair.b, 0);
  pair.net.deliverAll();
  expect(pair.peerOfA.keypairs.current).not.toBeNull();
  return pair;
}

/** Every keypair a peer holds, for checking they are wiped later. */
function keypairsOf(peer: Peer): Keypair[] {
  return [peer.keypairs.current, peer.keypairs.previous, peer.keypairs.next].filter((k): k is Keypair => k !== null);
}

function expectWiped(peer: Peer, held: Keypair[]): void {
  expect(held.length).toBeGreaterThan(0);
  for (const k of held) {
    expect(isZero(k.sendKey) && isZero(k.receiveKey)).toBe(true);
    expect(k.valid).toBe(false);
  }
  expect(keypairsOf(peer)).toEqual([]);
  const h = peer.handshake;
  expect(h.stage).toBe('zeroed');
  expect(isZero(h.ephemeralPrivate) && isZero(h.chainingKey) && isZero(h.hash) && isZero(h.remoteEphemeral)).toBe(true);
  expect(h.localIndex).toBe(0);
}

describe("Device lifecycle: the crypto's own copies of keys", () => {
  /** testCrypto() counting forgetKeys(), which an implementation keeping the last keys (OpenSSL's) wipes them in. */
  function counting() {
    const base = testCrypto();
    const counter = { forgets: 0 };
    return { counter, crypto: { ...base, forgetKeys: () => void counter.forgets++ } };
  }

  it('are dropped whenever keypairs are wiped: down, suspend, and the rotation that displaces one', () => {
    for (const end of ['down', 'suspend'] as const) {
      const { counter, crypto } = counting();
      const { a, peerOfA } = established({ crypto });
      const held = keypairsOf(peerOfA);
      counter.forgets = 0;
      a.device[end]();
      expectWiped(peerOfA, held);
      expect(counter.forgets, end).toBeGreaterThan(0);
    }
    const { counter, crypto } = counting();
    const { net, a, b, peerOfA } = established({ crypto });
    counter.forgets = 0;
    // Three sessions: the third displaces the first, which is wiped.
    for (let i = 1; i <= 2; i++) {
      net.now += REKEY_TIMEOUT_MS + 1;
      a.device.handshakeNow(net.now, a.sink);
      net.deliverAll();
      ping(a, b, i);
      net.deliverAll();
    }
    expect(peerOfA.keypairs.previous).not.toBeNull();
    expect(counter.forgets).toBeGreaterThan(0);
  });
});

describe('Device lifecycle: down and up', () => {
  it('down() purges staged packets, stops timers, clears and wipes handshakes and keypairs', () => {
    const limits = { rekeyAfterMessages: 5, rejectAfterMessages: 10 };
    const { net, a, b, peerOfA } = established({ limits });
    net.runUntil(6_000);
    net.filter = (d) => typeOf(d.data) === 4;
    for (let i = 0; i < 15; i++) ping(a, b, i);
    net.deliverAll();
    // A now has a used-up keypair, a handshake in flight and packets waiting.
    const held = keypairsOf(peerOfA);
    expect(peerOfA.handshake.stage).toBe('initiation-created');
    expect(isZero(peerOfA.handshake.ephemeralPrivate)).toBe(false);
    expect(peerOfA.staged.size).toBeGreaterThan(0);
    expect(a.device.nextDeadline()).toBeLessThan(Infinity);
    a.receive(net.sent(a, 1)[0]!.data, b.address); // a handshake message waiting in the queue

    a.device.down();
    expect(peerOfA.staged.size).toBe(0);
    expect(a.device.nextDeadline()).toBe(Infinity);
    expectWiped(peerOfA, held);
    expect(a.device.indices.size).toBe(0);
    expect(a.device[WORK].handshakes.size).toBe(0);
    const sentBefore = net.sent(a).length;
    net.runFor(1_000_000);
    expect(net.sent(a)).toHaveLength(sentBefore);
  });

  it('up() again works at once, and a persistent-keepalive peer announces itself', () => {
    const { net, a, b, peerOfA } = established();
    a.device.setPersistentKeepalive(peerOfA, 25, net.now, a.sink);
    net.deliverAll();
    net.runUntil(1_000);
    a.device.down();
    b.device.down();
    b.device.up(net.now, b.sink);
    expect(net.inFlight).toHaveLength(0);
    net.now += 500;
    // Within REKEY_TIMEOUT of the last handshake: a device coming up is not held back by that.
    a.device.up(net.now, a.sink);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    net.deliverAll();
    expect(a.eventsOf('handshake-complete')).toHaveLength(2);
    const packet = ping(b, a, 5);
    net.deliverAll();
    expect(a.tun).toEqual([packet]);
  });

  it('up() without persistent keepalive stays quiet until there is traffic', () => {
    const { net, a, b } = established();
    a.device.down();
    net.now += 1_000;
    a.device.up(net.now, a.sink);
    expect(net.inFlight).toHaveLength(0);
    const packet = ping(a, b, 1);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
  });
});

describe('Device lifecycle: suspend and resume', () => {
  it('suspend() wipes every keypair and handshake; nothing from before is used again', () => {
    const { net, a, b, peerOfA, peerOfB } = established();
    ping(b, a, 1);
    net.deliverAll();
    const held = keypairsOf(peerOfA);
    const oldIndex = peerOfA.keypairs.current!.remoteIndex;
    // Captured before the sleep: a packet from B to A.
    ping(b, a, 2);
    const old = net.inFlight.splice(0)[0]!;

    a.device.suspend();
    expectWiped(peerOfA, held);
    expect(a.device.indices.size).toBe(0);
    net.now += 3_600_000;
    net.wallOffset += 3_600_000;
    a.device.resume(net.now, a.sink);
    // resume() itself starts the handshake.
    expect(net.inFlight.map((d) => [d.sender.name, typeOf(d.data)])).toEqual([['A', 1]]);
    net.deliverAll();

    const tunBefore = a.tun.length;
    a.receive(old.data, old.from);
    expect(a.device.drops['unknown-index']).toBe(1);
    expect(a.tun).toHaveLength(tunBefore);

    const packet = ping(a, b, 3);
    const sent = net.inFlight.filter((d) => typeOf(d.data) === 4);
    expect(sent).toHaveLength(1);
    expect(readU32LE(sent[0]!.data, 4)).not.toBe(oldIndex);
    expect(readU32LE(sent[0]!.data, 4)).toBe(peerOfA.keypairs.current!.remoteIndex);
    expect(held).not.toContain(peerOfA.keypairs.current);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
    expect(peerOfB.keypairs.current!.localIndex).not.toBe(oldIndex);
  });

  it('resume() brings back a peer with only a handshake in flight or packets waiting, and leaves idle peers quiet', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    const idle = addNode(net, 'C', {
      crypto: a.device.crypto,
      seed: 40,
      address: '192.0.2.3:3',
      tunnel4: '10.0.0.3',
      tunnel6: 'fd00::3',
    });
    connect(a, idle, ['10.0.0.3/32']);
    net.filter = () => false;
    ping(a, b, 1);
    net.deliverAll();
    expect(peerOfA.staged.size).toBe(1);
    a.device.suspend();
    // Packets from before the sleep are purged, as the handshake and keys are.
    expect(peerOfA.staged.size).toBe(0);
    // No retransmission of the wiped initiation: only resume() speaks.
    net.runFor(60_000);
    expect(net.sent(a, 1)).toHaveLength(1);
    net.filter = undefined;
    a.device.resume(net.now, a.sink);
    expect(net.inFlight.map((d) => d.to)).toEqual([b.address]);
    net.deliverAll();
    expect(peerOfA.keypairs.current).not.toBeNull();
    expect(b.tun).toHaveLength(0);
    // A second resume does nothing: the wish was spent.
    a.device.resume(net.now, a.sink);
    expect(net.inFlight).toHaveLength(0);
  });

  it('resume() handshakes at once even right after the last one (monotonic clocks may not count the sleep)', () => {
    const { net, a, b } = established();
    net.now += 1_000;
    a.device.suspend();
    net.now += 1_000;
    net.wallOffset += 3_600_000;
    a.device.resume(net.now, a.sink);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    net.deliverAll();
    const packet = ping(a, b, 1);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
  });

  it('resume() also brings back a responder whose session was not confirmed yet', () => {
    const { net, a, b, peerOfB } = createTwoDevices();
    net.filter = (d) => typeOf(d.data) !== 4;
    ping(a, b, 1);
    net.deliverAll();
    expect(peerOfB.keypairs.next).not.toBeNull();
    expect(peerOfB.keypairs.current).toBeNull();
    b.device.suspend();
    net.filter = undefined;
    net.now += 10_000;
    b.device.resume(net.now, b.sink);
    expect(net.inFlight.map((d) => [d.sender.name, typeOf(d.data)])).toEqual([['B', 1]]);
  });

  it('a device that never had a session stays quiet across suspend and resume', () => {
    const { net, a } = createTwoDevices();
    a.device.suspend();
    a.device.resume(net.now, a.sink);
    net.runFor(600_000);
    expect(net.log).toHaveLength(0);
  });

  it('after wake, a packet and resume() 5 ms apart send one initiation, and the handshake takes one round trip', () => {
    const { net, a, b, peerOfB } = established();
    net.runUntil(30_000);
    a.device.suspend();
    net.now += 8 * 3_600_000;
    net.wallOffset += 8 * 3_600_000;
    // The first packet after wake starts the handshake; the helper's resume() comes a moment later.
    const packet = ping(a, b, 1);
    net.now += 5;
    a.device.resume(net.now, a.sink);
    // One initiation: a second would release the first one's index, so its answer would be dropped, and B refuses
    // an initiation within 20 ms of the last (HANDSHAKE_INITIATION_RATE_MS): nothing until the retransmission.
    expect(net.inFlight.map((d) => [d.sender.name, typeOf(d.data)])).toEqual([['A', 1]]);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
    expect(b.device.drops['handshake-failed']).toBe(0);
    expect(a.device.drops['unknown-index']).toBe(0);
    expect(peerOfB.keypairs.current).not.toBeNull();
  });

  it('resume() right after a packet started the handshake adds nothing, also when the answer is still out', () => {
    const { net, a, b } = established();
    net.runUntil(30_000);
    a.device.suspend();
    net.now += 60_000;
    const packet = ping(a, b, 1);
    const first = net.inFlight.splice(0);
    net.now += 5;
    a.device.resume(net.now, a.sink);
    expect(net.inFlight).toHaveLength(0);
    net.inFlight.push(...first);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
    expect(a.eventsOf('handshake-complete').map((e) => e.at)).toEqual([0, 90_005]);
  });
});

describe('Device: handshakes asked for by the caller', () => {
  it('handshakeNow() initiates to every peer at once, and never twice within REKEY_TIMEOUT', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    expect(peerOfA.inUse).toBe(false);
    expect(a.device.handshakeNow(net.now, a.sink)).toBe(1);
    expect(net.inFlight.map((d) => [d.sender.name, typeOf(d.data)])).toEqual([['A', 1]]);
    expect(peerOfA.inUse).toBe(true);
    expect(peerOfA.hasSession).toBe(false);
    // The same moment again, or the first packet just after: REKEY_TIMEOUT holds it back.
    net.now += 5;
    a.device.handshakeNow(net.now, a.sink);
    ping(a, b, 1);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    net.deliverAll();
    expect(peerOfA.hasSession).toBe(true);
    expect(a.eventsOf('handshake-complete')).toHaveLength(1);
    expect(b.tun).toHaveLength(1);
    // Only the peers named: none is none.
    expect(b.device.handshakeNow(net.now, b.sink, [])).toBe(0);
    expect(net.inFlight).toHaveLength(0);
  });

  it('bring-up, then traffic and changes of network: one initiation, one handshake, for as long as the session is fresh', () => {
    const { net, a, b, peerOfA } = createTwoDevices({ up: false });
    b.device.up(net.now, b.sink);
    a.device.up(net.now, a.sink);
    a.device.handshakeNow(net.now, a.sink);
    // Traffic 5 ms later, before the answer, and a change of network (say, the tunnel's own routes) after 5 ms,
    // 1 s and 10 s: announce() tells the peer where we are with a keepalive on a session, never a handshake.
    net.now += 5;
    ping(a, b, 1);
    expect(a.device.announce(net.now, a.sink)).toBe(1);
    net.deliverAll();
    for (const at of [1_000, 10_000, 60_000]) {
      net.runUntil(at);
      ping(a, b, at);
      expect(a.device.announce(net.now, a.sink)).toBe(1);
      net.deliverAll();
    }
    net.runUntil(100_000);
    expect(net.sent(a, 1).map((d) => d.at)).toEqual([0]);
    expect(net.sent(b, 1)).toHaveLength(0);
    expect(b.eventsOf('handshake-complete')).toHaveLength(1);
    expect(b.tun).toHaveLength(4);
    expect(peerOfA.keypairs.current?.createdAt).toBe(5);
  });

  it('announce(): a keepalive from where we are now on a session, so the peer roams to it', () => {
    const { net, a, peerOfB } = established();
    net.runUntil(30_000);
    a.address = endpoint('198.51.100.7:4000');
    expect(a.device.announce(net.now, a.sink)).toBe(1);
    expect(net.inFlight.map((d) => [typeOf(d.data), d.data.length])).toEqual([[4, 32]]);
    net.deliverAll();
    expect(peerOfB.endpoint).toEqual(a.address);
    expect(net.sent(a, 1, 1)).toHaveLength(0);
  });

  it('announce(): without a session an initiation, within the rate limit; idle peers stay quiet', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    // Not in use: nothing to tell.
    expect(a.device.announce(net.now, a.sink)).toBe(0);
    net.filter = () => false;
    ping(a, b, 1);
    net.deliverAll();
    net.now += 1_000;
    // A handshake in flight for 1 s: its retransmission, not announce(), sends the next initiation.
    expect(a.device.announce(net.now, a.sink)).toBe(1);
    expect(net.inFlight).toHaveLength(0);
    net.filter = undefined;
    net.runFor(REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    expect(peerOfA.hasSession).toBe(true);
    expect(net.sent(a, 1)).toHaveLength(2);
    // An expired session is no session: an initiation.
    net.runUntil(net.now + REJECT_AFTER_TIME_MS);
    expect(a.device.announce(net.now, a.sink)).toBe(1);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
  });

  it('counts retransmissions for a status, and a peer keepalive set before up starts with up', () => {
    const { net, a, peerOfA } = createTwoDevices({ up: false });
    peerOfA.setPersistentKeepalive(25);
    expect(peerOfA.persistentKeepalive).toBe(25);
    expect(net.log).toHaveLength(0);
    net.filter = () => false; // B never answers
    a.device.up(net.now, a.sink);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    expect(peerOfA.handshakeAttempts).toBe(0);
    net.runFor(5_400);
    expect(peerOfA.handshakeAttempts).toBe(1);
    peerOfA.setPersistentKeepalive(0);
    expect(peerOfA.persistentKeepalive).toBe(0);
  });
});

describe('Device roaming', () => {
  it('the endpoint follows the source of the latest authenticated packet', () => {
    const { net, a, b, peerOfB, peerOfA } = established();
    a.address = endpoint('203.0.113.50:40000');
    ping(a, b, 1);
    net.deliverAll();
    expect(peerOfB.endpoint).toEqual(a.address);
    const packet = ping(b, a, 2);
    net.deliverAll();
    expect(a.tun).toEqual([packet]);
    expect(net.undeliverable).toHaveLength(0);
    // A handshake from a new place moves it too, with the local address it came to (B's, now that both are IPv6).
    a.address = endpoint('[2001:db8:5::50]:40001');
    net.runUntil(10_000);
    a.device.clearSessions(peerOfA);
    ping(a, b, 3);
    net.deliverAll();
    expect(remoteOf(peerOfB.endpoint)).toEqual(a.address);
    expect(formatEndpointLocal(peerOfB.endpoint)).toBe('2001:db8::2');
  });

  it('answers from the local address the peer wrote to (sticky source, kernel socket.c)', () => {
    const { net, a, b, peerOfB } = established();
    a.address = endpoint('[2001:db8::1]:51820');
    // A's next packet reaches B at a second address of B's: B's replies go from that one.
    ping(a, b, 1);
    const [data] = net.inFlight.splice(0);
    b.receive(data!.data, withLocal(data!.from, '2001:db8::99'));
    b.flush();
    expect(formatEndpointLocal(peerOfB.endpoint)).toBe('2001:db8::99');
    ping(b, a, 2);
    const [reply] = net.inFlight.splice(0);
    expect(remoteOf(reply!.to)).toEqual(a.address);
    expect(formatEndpointLocal(reply!.to)).toBe('2001:db8::99');
    // A packet that came to another of B's addresses moves it: the whole record follows, as the kernel's does.
    ping(a, b, 3);
    net.deliverAll();
    expect(formatEndpointLocal(peerOfB.endpoint)).toBe('2001:db8::2');
  });

  it('forgets the local address when a handshake goes unanswered, and at a change of network (kernel timers.c)', () => {
    const { net, a, b, peerOfA } = established();
    const learned = withLocal(b.address, '2001:db8::9'); // as if B's packets had come to A at 2001:db8::9
    net.runFor(REKEY_TIMEOUT_MS); // past the rate limit of the first handshake
    net.filter = () => false;
    // wg_expired_retransmit_handshake: the initiation goes from 2001:db8::9, its retransmission from wherever.
    a.device.clearSessions(peerOfA);
    peerOfA.setEndpoint(learned);
    ping(a, b, 1);
    expect(net.inFlight.map((d) => [typeOf(d.data), formatEndpointLocal(d.to)])).toEqual([[1, '2001:db8::9']]);
    net.inFlight.length = 0;
    net.runFor(REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    expect(net.sent(a, 1)).toHaveLength(3);
    expect(formatEndpointLocal(net.sent(a, 1)[2]!.to)).toBeNull();
    expect(formatEndpointLocal(peerOfA.endpoint)).toBeNull();

    // wg_expired_new_handshake: data sent, nothing heard for KEEPALIVE + REKEY_TIMEOUT.
    const fresh = established();
    fresh.net.filter = () => false;
    fresh.peerOfA.setEndpoint(withLocal(fresh.b.address, '2001:db8::9'));
    ping(fresh.a, fresh.b, 1);
    expect(formatEndpointLocal(fresh.net.inFlight[0]!.to)).toBe('2001:db8::9');
    fresh.net.runFor(15_000 + REKEY_TIMEOUT_JITTER_MAX_MS);
    const initiations = fresh.net.sent(fresh.a, 1);
    expect(initiations.length).toBeGreaterThan(1);
    expect(formatEndpointLocal(initiations.at(-1)!.to)).toBeNull();

    // announce(): the route to the peer may leave by another link now.
    const other = established();
    other.peerOfA.setEndpoint(withLocal(other.b.address, '2001:db8::9'));
    expect(other.a.device.announce(other.net.now, other.a.sink)).toBe(1);
    expect(other.net.inFlight.map((d) => [typeOf(d.data), formatEndpointLocal(d.to)])).toEqual([[4, null]]);
  });

  it('does not follow unauthenticated, replayed or refused packets', () => {
    const { net, a, b, peerOfB } = established();
    const home = peerOfB.endpoint.slice();
    const attacker = endpoint('198.51.100.66:6666');
    const initiation = net.sent(a, 1)[0]!;
    ping(a, b, 1);
    const data = net.inFlight.splice(0)[0]!;
    b.receive(data.data, data.from); // the real one, from home
    const forged = data.data.slice();
    forged[forged.length - 1]! ^= 1;
    const junk = new Uint8Array(148);
    seededRandom(5)(junk);
    junk.set([1, 0, 0, 0]);
    net.now += 1000;
    for (const message of [forged, data.data, initiation.data, junk]) b.receive(message, attacker);
    b.flush();
    expect(b.device.drops['decrypt-failed']).toBe(1);
    expect(b.device.drops.replay).toBe(1);
    expect(b.device.drops['handshake-failed']).toBe(1);
    expect(b.device.drops['bad-mac']).toBe(1);
    expect(peerOfB.endpoint).toEqual(home);
    expect(net.inFlight).toHaveLength(0);
  });
});

describe('Device configuration', () => {
  it('removing a peer releases its indices and stops its traffic', () => {
    const { net, a, b, peerOfA } = established();
    peerOfA.timers.persistentKeepaliveMs = 0;
    ping(b, a, 1);
    const inFlight = net.inFlight.splice(0)[0]!;
    expect(a.device.indices.size).toBeGreaterThan(0);
    a.device.removePeer(peerOfA);
    expect(a.device.peers).toEqual([]);
    expect(a.device.indices.size).toBe(0);
    expect(a.device.findPeer(b.device.publicKey!)).toBeUndefined();
    expect(a.device.nextDeadline()).toBe(Infinity);
    a.receive(inFlight.data, inFlight.from);
    expect(a.device.drops['unknown-index']).toBe(1);
    // Its allowed IPs are gone: packets for it are unreachable.
    ping(a, b, 2);
    expect(a.device.drops['no-peer']).toBe(1);
    expect(a.tun).toHaveLength(1);
    expect(a.tun[0]![9]).toBe(1);
    // Its handshakes are strangers now.
    net.runUntil(10_000);
    b.device.clearSessions(b.device.peers[0]!);
    ping(b, a, 3);
    net.deliverAll();
    expect(a.device.drops['handshake-failed']).toBe(1);
    expect(net.sent(a, 2)).toHaveLength(0);
    expect(peerOfA.alive).toBe(false);
    // Added back, it works again.
    connect(a, b, ['10.0.0.2/32']);
    const packet = ping(a, b, 4);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
  });

  it('removing a peer with a handshake in flight purges its packets and silences its retries', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    net.filter = () => false;
    ping(a, b, 1);
    expect(peerOfA.staged.size).toBe(1);
    a.device.removePeer(peerOfA);
    expect(peerOfA.staged.size).toBe(0);
    expect(a.device.indices.size).toBe(0);
    net.runFor(600_000);
    expect(net.sent(a)).toHaveLength(1);
  });

  it('a new private key expires every session: nothing more is sent on it, what is in flight still opens', () => {
    const { net, a, b, peerOfA, peerOfB } = established();
    const held = keypairsOf(peerOfA);
    const unchanged = a.device.identity!.privateKey.slice();
    a.device.setPrivateKey(unchanged);
    expect(peerOfA.keypairs.current).toBe(held[0]);
    expect(peerOfA.keypairs.current!.canSend).toBe(true);

    net.runUntil(1_000);
    // Sent by B before it could know: in flight while A's key changes.
    const inFlight = ping(b, a, 1);
    const datagram = net.inFlight.splice(0);
    const fresh = new Uint8Array(32);
    seededRandom(77)(fresh);
    a.device.setPrivateKey(fresh);
    // The kernel's wg_noise_expire_current_peer_keypairs: the keypair stays, unable to send, until it ages out.
    expect(peerOfA.keypairs.current).toBe(held[0]);
    expect(peerOfA.keypairs.current!.canSend).toBe(false);
    expect(peerOfA.keypairs.current!.valid).toBe(true);
    net.inFlight.push(...datagram);
    net.deliverAll();
    expect(a.tun.at(-1)).toEqual(inFlight);
    // A's next packet needs a handshake under the new key, which B, still knowing the old one, refuses: the
    // static key inside is no peer of B's.
    ping(a, b, 2);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    net.deliverAll();
    expect(b.device.drops['handshake-failed']).toBe(1);
    expect(net.sent(a, 4, net.now)).toHaveLength(0);
    // B learns the new key; traffic flows again, on a new session.
    b.device.removePeer(peerOfB);
    connect(b, a, ['10.0.0.1/32']);
    const packet = ping(a, b, 3);
    net.runFor(6_000);
    expect(b.tun.at(-1)).toEqual(packet);
    expect(held).not.toContain(peerOfA.keypairs.current);
  });

  it('a new private key takes effect at once even right after a handshake', () => {
    const { net, a, b, peerOfB } = established();
    const fresh = new Uint8Array(32);
    seededRandom(78)(fresh);
    net.now += 100;
    a.device.setPrivateKey(fresh);
    b.device.removePeer(peerOfB);
    connect(b, a, ['10.0.0.1/32']);
    const packet = ping(a, b, 3);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
  });

  it('holds at most MAX_PEERS peers (wireguard-go’s MaxPeers): one more is refused, saying so', () => {
    const { a } = createTwoDevices();
    expect(a.device.maxPeers).toBe(MAX_PEERS);
    expect(MAX_PEERS).toBe(65_536);
    const small = new Device({ crypto: a.device.crypto, wallClock: () => 0, maxPeers: 2 });
    const key = (n: number) => new Uint8Array(32).fill(n);
    expect(small.addPeer(key(1))).not.toBeNull();
    expect(small.addPeer(key(2))).not.toBeNull();
    expect(() => small.addPeer(key(3))).toThrow(TooManyPeersError);
    expect(() => small.addPeer(key(3))).toThrow('a device holds at most 2 peers');
    // A peer it has is found, not added; one removed makes room.
    expect(small.addPeer(key(2))).toBe(small.peers[1]);
    small.removePeer(small.peers[0]!);
    expect(small.addPeer(key(3))).not.toBeNull();
    expect(() => new Device({ crypto: a.device.crypto, wallClock: () => 0, maxPeers: MAX_PEERS + 1 })).toThrow(
      RangeError,
    );
  });

  it('refuses a peer with our own public key, and drops one that becomes ours', () => {
    const { net, a, b } = established();
    expect(a.device.addPeer(a.device.publicKey!)).toBeNull();
    expect(a.device.peers).toHaveLength(1);
    // Taking B's private key makes B's entry on A our own key: it goes.
    const bPrivate = b.device.identity!.privateKey.slice();
    a.device.setPrivateKey(bPrivate);
    expect(a.device.peers).toHaveLength(0);
    expect(a.device.indices.size).toBe(0);
    expect(net.inFlight).toHaveLength(0);
  });

  it('replacing allowed IPs moves routing, both ways', () => {
    const { net, a, b, peerOfA } = established();
    const other = a.device.addPeer(Uint8Array.from({ length: 32 }, (_, i) => i + 1))!;
    // Replace B's allowed IPs on A with another address, and give B's old one to a peer without an endpoint.
    a.device.clearAllowedIps(peerOfA);
    for (const [peer, cidr] of [
      [peerOfA, '10.0.0.22/32'],
      [other, '10.0.0.2/32'],
    ] as const) {
      const { family, bytes, cidr: length } = parseCidr(cidr);
      a.device.addAllowedIp(peer, family, bytes, length);
    }
    ping(a, b, 1);
    expect(other.drops['no-endpoint']).toBe(1);
    expect(a.tun).toHaveLength(1);
    const moved = ping(a, b, 2, '10.0.0.22');
    expect(net.inFlight).toHaveLength(1);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(moved);
    // B's packets from 10.0.0.2 are no longer B's to send.
    ping(b, a, 3);
    net.deliverAll();
    expect(peerOfA.drops['disallowed-source']).toBe(1);
    expect(a.tun).toHaveLength(1);
  });
});
