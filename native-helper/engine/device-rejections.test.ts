import { describe, expect, it } from 'vitest';

import { REJECT_AFTER_TIME_MS, REPLAY_WINDOW_SIZE } from './constants.js';
import { addMacs, createCookieGenerator } from './cookie.js';
import { type DropReason, DROP_REASONS } from './drops.js';
import type { Keypair } from './keypair.js';
import { writeTransportHeader } from './messages.js';
import { ipv4Packet, ipv6Packet, payloadOf } from './testing/packets.js';
import {
  type Datagram,
  type TestNode,
  type TwoDevices,
  addNode,
  connect,
  createTwoDevices,
  typeOf,
} from './testing/two-devices.js';

function ping(from: TestNode, to: TestNode, tag: number): Uint8Array {
  const packet = ipv4Packet({ src: from.tunnel4, dst: to.tunnel4, payload: payloadOf(tag) });
  from.send(packet);
  return packet;
}

/** A session A initiated, with its initiation, response and a few data packets captured. */
function captured(): TwoDevices & { initiation: Datagram; response: Datagram; data: Datagram[] } {
  const pair = createTwoDevices();
  ping(pair.a, pair.b, 0);
  pair.net.deliverAll();
  for (let i = 1; i <= 4; i++) ping(pair.a, pair.b, i);
  pair.net.deliverAll();
  const initiation = pair.net.sent(pair.a, 1)[0]!;
  const response = pair.net.sent(pair.b, 2)[0]!;
  const data = pair.net.sent(pair.a, 4).filter((d) => d.data.length > 32);
  expect(data).toHaveLength(5);
  return { ...pair, initiation, response, data };
}

/** Drop counters that changed, as `{reason: delta}`. */
function dropsDelta(node: TestNode, run: () => void): Partial<Record<DropReason, number>> {
  const before = { ...node.device.drops };
  run();
  const delta: Partial<Record<DropReason, number>> = {};
  for (const reason of DROP_REASONS) {
    const d = node.device.drops[reason] - before[reason];
    if (d !== 0) delta[reason] = d;
  }
  return delta;
}

function flipped(data: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = data.slice();
  copy[index]! ^= 1 << bit;
  return copy;
}

/** Seals `plain` as a transport message on `keypair` with `counter`, as its owner would: a forgery with the key. */
function forge(keypair: Keypair, counter: number, plain: Uint8Array, crypto: TwoDevices['crypto']): Uint8Array {
  const message = new Uint8Array(16 + plain.length + 16);
  writeTransportHeader(message, 0, keypair.remoteIndex, counter);
  message.set(plain, 16);
  crypto.seal(message, 16, keypair.sendKey, counter, message, 16, plain.length);
  return message;
}

describe('Device rejections: every one dropped and counted, never thrown', () => {
  it('malformed: wrong sizes for each type, unknown types, runts', () => {
    const { b, initiation, response, data } = captured();
    const sized = (d: Uint8Array, size: number): Uint8Array => {
      const out = new Uint8Array(size);
      out.set(d.subarray(0, Math.min(size, d.length)));
      return out;
    };
    const cookieReply = new Uint8Array(64);
    cookieReply[0] = 3;
    const bad: Uint8Array[] = [
      sized(initiation.data, 147),
      sized(initiation.data, 149),
      sized(response.data, 91),
      sized(response.data, 93),
      sized(cookieReply, 63),
      sized(cookieReply, 65),
      sized(data[0]!.data, 31),
      sized(data[0]!.data, 4),
      new Uint8Array(0),
      Uint8Array.of(1),
      Uint8Array.of(4, 0, 0),
      sized(Uint8Array.of(0), 148),
      sized(Uint8Array.of(5), 148),
      sized(Uint8Array.of(255), 64),
      // The type is a u32: non-zero high bytes make it unknown.
      Uint8Array.from(initiation.data, (v, i) => (i === 1 ? 1 : v)),
      Uint8Array.from(data[0]!.data, (v, i) => (i === 3 ? 0x80 : v)),
      new Uint8Array(65_536).fill(4, 0, 1),
    ];
    const delta = dropsDelta(b, () => {
      for (const d of bad) b.receive(d, initiation.from);
      b.flush();
    });
    expect(delta).toEqual({ malformed: bad.length });
  });

  it('bad MAC1 on an initiation or response, whatever byte is wrong', () => {
    const { a, b, initiation, response, net } = captured();
    net.now += 1000;
    const delta = dropsDelta(b, () => {
      for (const index of [0 + 8, 40, 100, 116, 131]) b.receive(flipped(initiation.data, index), initiation.from);
      b.flush();
    });
    expect(delta).toEqual({ 'bad-mac': 5 });
    const deltaA = dropsDelta(a, () => {
      a.receive(flipped(response.data, 20), response.from);
      a.receive(flipped(response.data, 60), response.from);
      a.flush();
    });
    expect(deltaA).toEqual({ 'bad-mac': 2 });
    expect(net.inFlight).toHaveLength(0);
  });

  it('a replayed initiation (stale timestamp) gets no response and changes nothing', () => {
    const { b, peerOfB, initiation, net } = captured();
    const current = peerOfB.keypairs.current;
    net.now += 1000;
    const delta = dropsDelta(b, () => {
      b.receive(initiation.data, initiation.from);
      b.flush();
    });
    expect(delta).toEqual({ 'handshake-failed': 1 });
    expect(net.inFlight).toHaveLength(0);
    expect(peerOfB.keypairs.current).toBe(current);
    expect(peerOfB.keypairs.next).toBeNull();
  });

  it('an initiation with an older timestamp than one accepted is refused (wall clock went back)', () => {
    const { net, a, b, peerOfA } = captured();
    net.runUntil(10_000);
    net.wallOffset -= 60_000;
    a.device.clearSessions(peerOfA);
    ping(a, b, 9);
    const delta = dropsDelta(b, () => net.deliverAll());
    expect(delta).toEqual({ 'handshake-failed': 1 });
    expect(net.sent(b, 2)).toHaveLength(1);
  });

  it('at most one initiation per 20 ms from a peer (a second device holding the same key)', () => {
    const { net, a, b, crypto } = captured();
    net.runUntil(10_000);
    const twin = addNode(net, 'A2', {
      crypto,
      seed: 1234,
      address: '192.0.2.9:1',
      tunnel4: '10.0.0.1',
      tunnel6: 'fd00::1',
    });
    twin.device.setPrivateKey(a.device.identity!.privateKey);
    connect(twin, b, ['10.0.0.2/32']);
    twin.device.up(net.now, twin.sink);
    a.device.clearSessions(a.device.peers[0]!);
    a.device.peers[0]!.lastSentHandshake = -Infinity;
    ping(a, b, 1);
    net.now += 10;
    net.wallOffset += 1000;
    ping(twin, b, 2);
    const delta = dropsDelta(b, () => net.deliverAll());
    expect(delta).toEqual({ 'handshake-failed': 1 });
    expect(net.sent(b, 2)).toHaveLength(2);
  });

  it('an initiation from a key that is not a peer', () => {
    const { net, b, crypto } = captured();
    const stranger = addNode(net, 'C', {
      crypto,
      seed: 99,
      address: '192.0.2.3:3',
      tunnel4: '10.0.0.3',
      tunnel6: 'fd00::3',
    });
    connect(stranger, b, ['10.0.0.2/32']);
    stranger.device.up(net.now, stranger.sink);
    ping(stranger, b, 1);
    const delta = dropsDelta(b, () => net.deliverAll());
    expect(delta).toEqual({ 'handshake-failed': 1 });
    expect(net.sent(b, 2)).toHaveLength(1);
  });

  it('a response: replayed, for no handshake, or with a forged body under a correct MAC1', () => {
    const { a, b, response, net, crypto } = captured();
    // Replayed: its index now names a keypair, not a handshake.
    expect(
      dropsDelta(a, () => {
        a.receive(response.data, response.from);
        a.flush();
      }),
    ).toEqual({ 'unknown-index': 1 });
    // Unknown receiver index.
    const unknown = response.data.slice();
    unknown[8]! ^= 0xff;
    addMacs(crypto, createCookieGenerator(crypto, a.device.publicKey!), unknown, net.now);
    expect(
      dropsDelta(a, () => {
        a.receive(unknown, response.from);
        a.flush();
      }),
    ).toEqual({ 'unknown-index': 1 });
    // For a handshake in progress but forged: the MAC1 only proves knowledge of A's public key.
    net.filter = () => false;
    net.runUntil(10_000);
    a.device.clearSessions(a.device.peers[0]!);
    ping(a, b, 1);
    const initiation = net.sent(a, 1, net.now)[0]!;
    const forged = response.data.slice();
    forged.set(initiation.data.subarray(4, 8), 8); // answers the new initiation
    forged[20]! ^= 1; // another ephemeral
    addMacs(crypto, createCookieGenerator(crypto, a.device.publicKey!), forged, net.now);
    expect(
      dropsDelta(a, () => {
        a.receive(forged, response.from);
        a.flush();
      }),
    ).toEqual({ 'handshake-failed': 1 });
    expect(a.device.peers[0]!.drops['handshake-failed']).toBe(1);
    expect(a.device.peers[0]!.keypairs.current).toBeNull();
    expect(a.device.peers[0]!.handshake.stage).toBe('initiation-created');
  });

  it('transport: replayed counter, and a counter behind the window', () => {
    const { a, b, peerOfA, peerOfB, data, net } = captured();
    expect(
      dropsDelta(b, () => {
        for (const d of data) b.receive(d.data, d.from);
      }),
    ).toEqual({ replay: 5 });
    // Jump the sender's counter past the window; the old counters are now too old even if never seen.
    const keypair = peerOfA.keypairs.current as Keypair;
    const skipped: Datagram[] = [];
    ping(a, b, 50);
    skipped.push(net.inFlight.pop()!);
    keypair.sendCounter = REPLAY_WINDOW_SIZE + 100;
    ping(a, b, 51);
    net.deliverAll();
    const tunBefore = b.tun.length;
    expect(dropsDelta(b, () => b.receive(skipped[0]!.data, skipped[0]!.from))).toEqual({ replay: 1 });
    expect(peerOfB.drops.replay).toBe(6);
    expect(b.tun).toHaveLength(tunBefore);
    // One still inside the window is accepted once.
    keypair.sendCounter = 150;
    ping(a, b, 52);
    expect(dropsDelta(b, () => net.deliverAll())).toEqual({});
    expect(b.tun).toHaveLength(tunBefore + 1);
  });

  it('transport: unknown receiver index, flipped bits, expired keypair', () => {
    const { b, peerOfB, data, net } = captured();
    const unknown = data[1]!.data.slice();
    unknown[4]! ^= 0x55;
    expect(dropsDelta(b, () => b.receive(unknown, data[1]!.from))).toEqual({ 'unknown-index': 1 });
    // A flipped bit anywhere past the index fails authentication (the counter is the nonce).
    ping(net.nodes[0]!, b, 60);
    const fresh = net.inFlight.splice(0)[0]!;
    const delta = dropsDelta(b, () => {
      for (const index of [8, 14, 16, 40, fresh.data.length - 1]) b.receive(flipped(fresh.data, index, 3), fresh.from);
    });
    expect(delta).toEqual({ 'decrypt-failed': 5 });
    expect(peerOfB.drops['decrypt-failed']).toBe(5);
    // The real one is still accepted: failed attempts did not burn its counter.
    b.receive(fresh.data, fresh.from);
    expect(b.tun.at(-1)).toEqual(ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', payload: payloadOf(60) }));
    // Past REJECT_AFTER_TIME the keypair refuses everything, though still held.
    ping(net.nodes[0]!, b, 61);
    const late = net.inFlight.splice(0)[0]!;
    net.now += REJECT_AFTER_TIME_MS;
    expect(peerOfB.keypairs.current).not.toBeNull();
    expect(dropsDelta(b, () => b.receive(late.data, late.from))).toEqual({ 'expired-key': 1 });
  });

  it('transport: an inner packet that is not IP, claims more than it holds, or comes from a disallowed source', () => {
    const { b, peerOfA, peerOfB, crypto, data } = captured();
    const keypair = peerOfA.keypairs.current as Keypair;
    let counter = 1000;
    const send = (plain: Uint8Array): void => b.receive(forge(keypair, counter++, plain, crypto), data[0]!.from);
    const v4 = ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2' });
    const longer = v4.slice();
    longer[3]! += 1; // claims one byte more than it holds
    const notIp = new Uint8Array(48).fill(0x11);
    const tunBefore = b.tun.length;
    expect(
      dropsDelta(b, () => {
        send(notIp);
        send(longer);
        send(v4.subarray(0, 19));
      }),
    ).toEqual({ 'bad-inner-packet': 3 });
    expect(
      dropsDelta(b, () => {
        send(ipv4Packet({ src: '10.0.0.3', dst: '10.0.0.2' }));
        send(ipv6Packet({ src: 'fd00::99', dst: 'fd00::2' }));
      }),
    ).toEqual({ 'disallowed-source': 2 });
    expect(peerOfB.drops['disallowed-source']).toBe(2);
    expect(b.tun).toHaveLength(tunBefore);
    // Padding after a valid packet is trimmed, not refused.
    const padded = new Uint8Array(v4.length + 7);
    padded.set(v4);
    send(padded);
    expect(b.tun.at(-1)).toEqual(v4);
  });

  it('cookie replies: unknown index, or one that does not open', () => {
    const { a, net, peerOfA } = captured();
    net.filter = () => false;
    net.runUntil(10_000);
    a.device.clearSessions(peerOfA);
    ping(a, net.nodes[1]!, 1);
    const initiation = net.sent(a, 1, net.now)[0]!;
    const reply = new Uint8Array(64);
    reply[0] = 3;
    reply.set(initiation.data.subarray(4, 8), 4);
    reply.fill(0x42, 8);
    const unknown = reply.slice();
    unknown[4]! ^= 1;
    expect(
      dropsDelta(a, () => {
        a.receive(reply, initiation.to);
        a.receive(unknown, initiation.to);
        a.flush();
      }),
    ).toEqual({ 'cookie-invalid': 1, 'unknown-index': 1 });
    expect(peerOfA.cookieGenerator.isValid).toBe(false);
  });

  it('without a private key: handshakes counted as failed; sessions made before still receive, and send no more', () => {
    const { net, a, b, initiation } = captured();
    b.device.setPrivateKey(null);
    expect(
      dropsDelta(b, () => {
        b.receive(initiation.data, initiation.from);
        b.flush();
      }),
    ).toEqual({ 'handshake-failed': 1 });
    expect(b.device.publicKey).toBeNull();
    // The kernel expires the keypairs of a device whose key changes (it does not wipe them): A's packets open.
    const packet = ping(a, b, 9);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
    // B sends nothing on them, and has no key to handshake with.
    ping(b, a, 10);
    expect(net.inFlight).toHaveLength(0);
    expect(a.device.peers[0]!.keypairs.current).not.toBeNull();
  });

  it('while down: everything dropped as device-down', () => {
    const { a, b, data, initiation } = captured();
    b.device.down();
    expect(
      dropsDelta(b, () => {
        b.receive(data[0]!.data, data[0]!.from);
        b.receive(initiation.data, initiation.from);
        b.flush();
        ping(b, a, 1);
      }),
    ).toEqual({ 'device-down': 3 });
  });

  it('after all that, the session still works', () => {
    const { a, b, net, data, initiation } = captured();
    for (const d of [...data, initiation]) {
      b.receive(flipped(d.data, 30), d.from);
      b.receive(d.data, d.from);
    }
    b.flush();
    b.tun.length = 0;
    const packet = ping(a, b, 77);
    net.deliverAll();
    expect(b.tun).toEqual([packet]);
    expect(typeOf(initiation.data)).toBe(1);
  });
});
