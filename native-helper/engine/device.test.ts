import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';

import { createNobleCrypto } from '../crypto/noble.js';
import { isZero } from '../crypto/bytes.js';
import { MAX_STAGED_PACKETS } from './constants.js';
import { SEND_HEADROOM, SEND_TAILROOM } from './device-types.js';
import { ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, ICMPV6_ADDR_UNREACH, ICMPV6_DEST_UNREACH } from './icmp.js';
import { readU32LE } from './messages.js';
import {
  PROTO_ICMP,
  PROTO_ICMPV6,
  icmpv4ChecksumOk,
  icmpv6ChecksumOk,
  ipv4HeaderChecksumOk,
  ipv4Packet,
  ipv6Packet,
  payloadOf,
} from './testing/packets.js';
import { type TestNode, createTwoDevices, typeOf } from './testing/two-devices.js';

function packetFrom(from: TestNode, to: TestNode, tag: number, family: 4 | 6 = 4, length = 64): Uint8Array {
  const payload = payloadOf(tag, length);
  return family === 4
    ? ipv4Packet({ src: from.tunnel4, dst: to.tunnel4, payload })
    : ipv6Packet({ src: from.tunnel6, dst: to.tunnel6, payload });
}

describe('Device: handshake and data', () => {
  it('handshakes on the first packet and carries IPv4 and IPv6 both ways, byte for byte', () => {
    const { net, a, b, peerOfA, peerOfB } = createTwoDevices();
    const first = packetFrom(a, b, 1);
    a.send(first);
    // The packet waits for the handshake: only an initiation is on the wire.
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    net.deliverAll();
    expect(b.tun).toEqual([first]);
    expect(a.eventsOf('handshake-complete')).toHaveLength(1);
    expect(b.eventsOf('handshake-complete')).toHaveLength(1);
    expect(peerOfA.keypairs.current?.isInitiator).toBe(true);
    expect(peerOfB.keypairs.current?.isInitiator).toBe(false);

    const sent: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const family = i % 2 === 0 ? 4 : 6;
      const [from, to] = i % 3 === 0 ? [b, a] : [a, b];
      const packet = packetFrom(from, to, 100 + i, family, 1 + ((i * 97) % 1300));
      from.send(packet);
      sent.push(packet);
    }
    net.deliverAll();
    const expectedAtA = sent.filter((_, i) => i % 3 === 0);
    const expectedAtB = [first, ...sent.filter((_, i) => i % 3 !== 0)];
    expect(a.tun).toEqual(expectedAtA);
    expect(b.tun).toEqual(expectedAtB);
    // No second handshake was needed, and nothing was dropped anywhere.
    expect(net.sent(a, 1)).toHaveLength(1);
    expect(net.sent(b, 1)).toHaveLength(0);
    for (const node of [a, b]) expect(Object.values(node.device.drops).every((n) => n === 0)).toBe(true);
    expect(peerOfA.lastHandshakeWallMs).toBe(net.wallClock());
    expect(peerOfB.lastHandshakeWallMs).toBe(net.wallClock());
    // Byte counters count whole datagrams, handshake messages included, as `wg show transfer` does.
    const bytes = (from: TestNode): number => net.sent(from).reduce((n, d) => n + d.data.length, 0);
    expect(peerOfA.txBytes).toBe(bytes(a));
    expect(peerOfB.rxBytes).toBe(bytes(a));
    expect(peerOfB.txBytes).toBe(bytes(b));
    expect(peerOfA.rxBytes).toBe(bytes(b));
  });

  it("the responder learns the initiator's endpoint from its handshake", () => {
    const { net, a, b, peerOfB } = createTwoDevices({ bKnowsA: false });
    expect(peerOfB.hasEndpoint).toBe(false);
    a.send(packetFrom(a, b, 1));
    net.deliverAll();
    expect(peerOfB.endpoint).toEqual(a.address);
    b.send(packetFrom(b, a, 2));
    net.deliverAll();
    expect(a.tun).toEqual([packetFrom(b, a, 2)]);
  });

  it('survives loss, reordering and duplication, handshake included', () => {
    const { net, a, b } = createTwoDevices({ seed: 7 });
    net.conditions = { loss: 0.3, duplicate: 0.3, reorder: true };
    const key = (p: Uint8Array): string => Buffer.from(p).toString('hex');
    // The handshake itself goes through the bad network: retransmissions get it through.
    a.send(packetFrom(a, b, 0));
    net.runFor(30_000);
    expect(a.eventsOf('handshake-complete').length).toBeGreaterThan(0);
    const toB = new Set<string>();
    const toA = new Set<string>();
    a.tun.length = 0;
    b.tun.length = 0;
    for (let i = 0; i < 300; i++) {
      const ab = packetFrom(a, b, i, i % 2 === 0 ? 4 : 6, 20 + (i % 200));
      const ba = packetFrom(b, a, 1000 + i, i % 2 === 0 ? 6 : 4, 20 + (i % 150));
      toB.add(key(ab));
      toA.add(key(ba));
      a.send(ab);
      b.send(ba);
      if (i % 5 === 4) net.runFor(100);
    }
    net.runFor(1000);
    for (const [node, sent] of [
      [b, toB],
      [a, toA],
    ] as const) {
      const seen = node.tun.map(key);
      // Delivered at most once each (duplicates are replays), and only what was sent.
      expect(new Set(seen).size).toBe(seen.length);
      for (const k of seen) expect(sent.has(k)).toBe(true);
      // With 30% loss, over half arrive.
      expect(seen.length).toBeGreaterThan(sent.size / 2);
    }
    expect(a.device.drops.replay).toBeGreaterThan(0);
    expect(b.device.drops.replay).toBeGreaterThan(0);
    // When the weather clears the session still works, both ways.
    net.conditions = {};
    a.tun.length = 0;
    b.tun.length = 0;
    a.send(packetFrom(a, b, 5000));
    b.send(packetFrom(b, a, 5001));
    net.deliverAll();
    expect(b.tun).toEqual([packetFrom(a, b, 5000)]);
    expect(a.tun).toEqual([packetFrom(b, a, 5001)]);
    expect(a.device.drops['decrypt-failed'] + b.device.drops['decrypt-failed']).toBe(0);
  });

  it('both sides initiating at once: the collision resolves at the next retransmission', () => {
    const { net, a, b, peerOfA, peerOfB } = createTwoDevices();
    a.send(packetFrom(a, b, 1));
    b.send(packetFrom(b, a, 2));
    net.deliverAll();
    // Each answered the other's initiation, which dropped its own: both hold only an unconfirmed keypair (as the
    // kernel would; its retransmit jitter breaks the tie).
    expect(peerOfA.keypairs.current).toBeNull();
    expect(peerOfB.keypairs.current).toBeNull();
    net.runFor(6_000);
    expect(b.tun).toEqual([packetFrom(a, b, 1)]);
    expect(a.tun).toEqual([packetFrom(b, a, 2)]);
  });

  it('works with the @noble reference crypto too', () => {
    const { net, a, b } = createTwoDevices({ crypto: createNobleCrypto() });
    a.send(packetFrom(a, b, 1, 6));
    net.deliverAll();
    b.send(packetFrom(b, a, 2, 4));
    net.deliverAll();
    expect(b.tun).toEqual([packetFrom(a, b, 1, 6)]);
    expect(a.tun).toEqual([packetFrom(b, a, 2, 4)]);
  });
});

describe("Device: keypair rotation (current, previous, next as the kernel's noise.c)", () => {
  it('a responder parks a new keypair as next, dropping previous at once, and swaps it in when confirmed', () => {
    const { net, a, b, peerOfA, peerOfB } = createTwoDevices({
      limits: { rekeyAfterMessages: 3, rejectAfterMessages: 1000 },
    });
    a.send(packetFrom(a, b, 0));
    net.deliverAll();
    const k1 = peerOfB.keypairs.current!;
    const rekey = (): void => {
      net.now += 6_000; // past REKEY_TIMEOUT since the last initiation
      const before = net.sent(a, 1).length;
      for (let i = 0; net.sent(a, 1).length === before; i++) a.send(packetFrom(a, b, i));
    };
    rekey();
    net.deliverAll();
    const k2 = peerOfB.keypairs.current!;
    expect(k2).not.toBe(k1);
    expect(peerOfB.keypairs.previous).toBe(k1);
    // The next rekey's confirmation is lost: B holds the new keypair as next only.
    net.filter = (d) => !(d.sender === a && typeOf(d.data) === 4);
    rekey();
    net.deliverAll();
    const k3 = peerOfB.keypairs.next!;
    expect(k3).not.toBeNull();
    expect(peerOfB.keypairs.current).toBe(k2);
    expect(peerOfB.keypairs.previous).toBeNull();
    expect(isZero(k1.sendKey) && isZero(k1.receiveKey)).toBe(true);
    expect(b.device.indices.lookup(k1.localIndex)).toBeUndefined();
    // Until confirmed, B still sends on current, which A keeps as previous.
    expect(peerOfA.keypairs.previous?.localIndex).toBe(k2.remoteIndex);
    const reply = packetFrom(b, a, 50);
    b.send(reply);
    expect(readU32LE(net.inFlight[0]!.data, 4)).toBe(k2.remoteIndex);
    net.deliverAll();
    expect(a.tun).toEqual([reply]);
    // A's next packet confirms: next becomes current, current previous.
    net.filter = undefined;
    a.send(packetFrom(a, b, 51));
    net.deliverAll();
    expect([peerOfB.keypairs.previous, peerOfB.keypairs.current, peerOfB.keypairs.next]).toEqual([k2, k3, null]);
  });

  it('an initiator completing its handshake while holding a next keypair keeps that one as previous', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    // B initiates; A answers and parks B's session as next; B's packets on it are held back for now.
    b.send(packetFrom(b, a, 1));
    net.filter = (d) => !(d.sender === b && typeOf(d.data) === 4);
    net.deliverAll();
    const held = net.sent(b, 4);
    expect(held).toHaveLength(1);
    const parked = peerOfA.keypairs.next!;
    expect(parked).not.toBeNull();
    // A initiates its own handshake (past REKEY_TIMEOUT) and completes it.
    net.filter = undefined;
    net.now += 6_000;
    a.send(packetFrom(a, b, 2));
    net.deliverAll();
    expect(peerOfA.keypairs.current!.isInitiator).toBe(true);
    expect(peerOfA.keypairs.previous).toBe(parked);
    // So what B sent on that session before it learned of the new one still arrives.
    a.receive(held[0]!.data, held[0]!.from);
    expect(a.tun).toEqual([packetFrom(b, a, 1)]);
  });
});

describe('Device: transport format', () => {
  it('is type 4, the receiver index, counter LE, then ChaCha20-Poly1305 under the keypair key, padded to 16', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    a.send(packetFrom(a, b, 0));
    net.deliverAll();
    const keypair = peerOfA.keypairs.current;
    expect(keypair).not.toBeNull();
    const key = keypair!.sendKey.slice();

    for (const length of [1, 2, 15, 16, 17, 100]) {
      const packet = ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(length, length) });
      const counter = keypair!.sendCounter;
      a.send(packet);
      const d = net.inFlight.splice(0)[0]!;
      const message = d.data;
      const padded = Math.ceil(packet.length / 16) * 16;
      expect(message.length).toBe(16 + padded + 16);
      expect(Array.from(message.subarray(0, 4))).toEqual([4, 0, 0, 0]);
      expect(readU32LE(message, 4)).toBe(keypair!.remoteIndex);
      const counterBytes = message.subarray(8, 16);
      expect(new DataView(counterBytes.buffer, counterBytes.byteOffset, 8).getBigUint64(0, true)).toBe(BigInt(counter));

      const nonce = new Uint8Array(12);
      nonce.set(counterBytes, 4);
      const plain = chacha20poly1305(key, nonce).decrypt(message.subarray(16));
      expect(plain.length).toBe(padded);
      expect(plain.subarray(0, packet.length)).toEqual(packet);
      expect(isZero(plain.subarray(packet.length))).toBe(true);
    }
    // The keepalive: an empty plaintext, 32 bytes on the wire.
    a.device.setPersistentKeepalive(peerOfA, 25, net.now, a.sink);
    const keepalive = net.inFlight.splice(0)[0]!;
    expect(keepalive.data.length).toBe(32);
    const nonce = new Uint8Array(12);
    nonce.set(keepalive.data.subarray(8, 16), 4);
    expect(chacha20poly1305(key, nonce).decrypt(keepalive.data.subarray(16)).length).toBe(0);
  });

  it('pads to the MTU, not past it', () => {
    const { net, a, b } = createTwoDevices();
    a.send(packetFrom(a, b, 0));
    net.deliverAll();
    const mtu = a.device.mtu;
    // 1420 is not a multiple of 16 (it is 12 mod 16): a full-size packet gets no padding at all.
    const packet = ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(1, mtu - 20 - 3) });
    a.send(packet);
    expect(net.inFlight[0]!.data.length).toBe(16 + mtu + 16);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
    expect(SEND_HEADROOM).toBe(16);
    expect(SEND_TAILROOM).toBeGreaterThanOrEqual(15 + 16);
  });

  it('sends a packet longer than the MTU it was told, padded as the kernel pads (calculate_skb_padding)', () => {
    const { net, a, b } = createTwoDevices();
    a.send(packetFrom(a, b, 0));
    net.deliverAll();
    // `ip link set mtu 1500` a moment ago, not told yet: the kernel has no MTU check in wg_xmit, nor do we. The
    // padding takes the length modulo the MTU: 1500 % 1420 = 80, a multiple of 16, so none.
    const packet = ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(1, 1500 - 20) });
    a.send(packet);
    expect(net.inFlight.map((d) => d.data.length)).toEqual([16 + 1500 + 16]);
    net.deliverAll();
    expect(b.tun.at(-1)).toEqual(packet);
    expect(a.device.drops['bad-outgoing-packet']).toBe(0);
    // Told, it pads up to the new MTU and not past it: 1495 bytes under 1496 become 1496, where the stale 1420
    // made them 1500 (1495 % 1420 = 75, padded to 80), past the interface's MTU; and 1430 under 1500 become 1440.
    a.device.setMtu(1496);
    a.send(ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(2, 1495 - 20) }));
    a.device.setMtu(1500);
    a.send(ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(3, 1430 - 20) }));
    expect(net.inFlight.map((d) => d.data.length)).toEqual([16 + 1496 + 16, 16 + 1440 + 16]);
    net.deliverAll();
    expect(b.tun).toHaveLength(4);
    // Only what no UDP datagram could carry, and MTUs that are none, are refused.
    expect(() => a.device.setMtu(-1)).toThrow(RangeError);
    expect(() => a.device.setMtu(65536)).toThrow(RangeError);
    expect(() => a.device.setMtu(1.5)).toThrow(RangeError);
  });
});

describe('Device: staged packets', () => {
  it('delivers packets sent before the first handshake after it, in order', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    net.filter = () => false; // the handshake does not get through yet
    const sent = Array.from({ length: 10 }, (_, i) => packetFrom(a, b, i, i % 2 === 0 ? 4 : 6));
    for (const packet of sent) a.send(packet);
    net.deliverAll();
    expect(peerOfA.staged.size).toBe(10);
    expect(b.tun).toHaveLength(0);
    net.filter = undefined;
    net.runFor(6_000); // the retransmitted initiation gets through
    expect(b.tun).toEqual(sent);
    expect(peerOfA.staged.size).toBe(0);
  });

  it('keeps packets longer than the MTU they were staged under whole (the MTU was raised since)', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    net.filter = () => false;
    const short = packetFrom(a, b, 1);
    const long = ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(2, 9000 - 20) });
    a.send(short);
    a.send(long);
    a.send(ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(3, 1500 - 20) }));
    expect(peerOfA.staged.size).toBe(3);
    net.deliverAll();
    net.filter = undefined;
    net.runFor(6_000);
    expect(b.tun.map((p) => p.length)).toEqual([short.length, 9000, 1500]);
    expect(b.tun[1]).toEqual(long);
  });

  it('keeps at most 128: the 129th drops the oldest, counted as staged-overflow', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    net.filter = () => false;
    const sent = Array.from({ length: MAX_STAGED_PACKETS + 1 }, (_, i) => packetFrom(a, b, i));
    for (const packet of sent) a.send(packet);
    expect(peerOfA.staged.size).toBe(MAX_STAGED_PACKETS);
    expect(a.device.drops['staged-overflow']).toBe(1);
    expect(peerOfA.drops['staged-overflow']).toBe(1);
    net.deliverAll();
    net.filter = undefined;
    net.runFor(6_000);
    expect(b.tun).toEqual(sent.slice(1));
  });

  it('the responder holds its packets until the initiator confirms the session, then sends them', () => {
    const { net, a, b, peerOfB } = createTwoDevices();
    // Only the initiation and the response get through: the initiator's confirming keepalive is lost.
    a.send(packetFrom(a, b, 0)); // staged on A, initiation out
    net.filter = (d) => typeOf(d.data) !== 4;
    net.deliverAll();
    expect(peerOfB.keypairs.next).not.toBeNull();
    expect(peerOfB.keypairs.current).toBeNull();
    b.send(packetFrom(b, a, 1));
    b.send(packetFrom(b, a, 2));
    // B may not send on an unconfirmed keypair, and has just answered: the packets wait.
    expect(net.sent(b, 4)).toHaveLength(0);
    expect(peerOfB.staged.size).toBe(2);
    net.filter = undefined;
    a.send(packetFrom(a, b, 3));
    net.deliverAll();
    expect(a.tun).toEqual([packetFrom(b, a, 1), packetFrom(b, a, 2)]);
    expect(peerOfB.keypairs.current).not.toBeNull();
  });
});

describe('Device: ICMP unreachable to the TUN side', () => {
  function checkV4(reply: Uint8Array, original: Uint8Array): void {
    expect(reply[0]! >>> 4).toBe(4);
    expect(reply[9]).toBe(PROTO_ICMP);
    expect(ipv4HeaderChecksumOk(reply)).toBe(true);
    expect(icmpv4ChecksumOk(reply)).toBe(true);
    expect((reply[2]! << 8) | reply[3]!).toBe(reply.length);
    expect(reply.subarray(12, 16)).toEqual(original.subarray(16, 20));
    expect(reply.subarray(16, 20)).toEqual(original.subarray(12, 16));
    expect(reply[20]).toBe(ICMP_DEST_UNREACH);
    expect(reply[21]).toBe(ICMP_HOST_UNREACH);
    expect(reply.subarray(28)).toEqual(original);
  }

  function checkV6(reply: Uint8Array, original: Uint8Array): void {
    expect(reply[0]! >>> 4).toBe(6);
    expect(reply[6]).toBe(PROTO_ICMPV6);
    expect(icmpv6ChecksumOk(reply)).toBe(true);
    expect(((reply[4]! << 8) | reply[5]!) + 40).toBe(reply.length);
    expect(reply.subarray(8, 24)).toEqual(original.subarray(24, 40));
    expect(reply.subarray(24, 40)).toEqual(original.subarray(8, 24));
    expect(reply[40]).toBe(ICMPV6_DEST_UNREACH);
    expect(reply[41]).toBe(ICMPV6_ADDR_UNREACH);
    expect(reply.subarray(48)).toEqual(original);
  }

  it('answers a packet no peer owns, IPv4 and IPv6', () => {
    const { net, a } = createTwoDevices();
    const v4 = ipv4Packet({ src: a.tunnel4, dst: '198.51.100.7' });
    const v6 = ipv6Packet({ src: a.tunnel6, dst: 'fd00:99::7' });
    a.send(v4);
    a.send(v6);
    expect(a.tun).toHaveLength(2);
    checkV4(a.tun[0]!, v4);
    checkV6(a.tun[1]!, v6);
    expect(a.device.drops['no-peer']).toBe(2);
    expect(net.inFlight).toHaveLength(0);
  });

  it('answers a packet for a peer without an endpoint, and counts it on the peer', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    peerOfA.setEndpoint(null);
    const v4 = packetFrom(a, b, 1);
    const v6 = packetFrom(a, b, 2, 6);
    a.send(v4);
    a.send(v6);
    checkV4(a.tun[0]!, v4);
    checkV6(a.tun[1]!, v6);
    expect(peerOfA.drops['no-endpoint']).toBe(2);
    expect(peerOfA.staged.size).toBe(0);
    expect(net.inFlight).toHaveLength(0);
  });

  it('stays silent for an ICMP error (no error about an error)', () => {
    const { a } = createTwoDevices();
    const error = ipv4Packet({
      src: a.tunnel4,
      dst: '198.51.100.7',
      protocol: PROTO_ICMP,
      payload: Uint8Array.of(3, 1, 0, 0, 0, 0, 0, 0),
    });
    a.send(error);
    expect(a.tun).toHaveLength(0);
    expect(a.device.drops['no-peer']).toBe(1);
  });
});
