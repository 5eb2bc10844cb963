import { describe, expect, it } from 'vitest';

import {
  KEEPALIVE_TIMEOUT_MS,
  MAX_TIMER_HANDSHAKES,
  REJECT_AFTER_TIME_MS,
  REKEY_AFTER_TIME_MS,
  REKEY_ON_RECEIVE_AFTER_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  REKEY_TIMEOUT_MS,
  ZERO_KEY_MATERIAL_AFTER_MS,
} from './constants.js';
import { isZero } from '../crypto/bytes.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { Device } from './device.js';
import type { Keypair } from './keypair.js';
import { readU32LE, writeTransportHeader } from './messages.js';
import { parseCidr } from './testing/ip-text.js';
import { ipv4Packet, payloadOf } from './testing/packets.js';
import { seededRandom } from './testing/random.js';
import { type Datagram, type TestNode, createTwoDevices, endpoint, testCrypto, typeOf } from './testing/two-devices.js';

function ping(from: TestNode, to: TestNode, tag: number): Uint8Array {
  const packet = ipv4Packet({ src: from.tunnel4, dst: to.tunnel4, payload: payloadOf(tag) });
  from.send(packet);
  return packet;
}

function receiverIndex(d: Datagram): number {
  return readU32LE(d.data, 4);
}

/** A and B with a session that A initiated at time 0, and nothing in flight. */
function established(options: Parameters<typeof createTwoDevices>[0] = {}) {
  const pair = createTwoDevices(options);
  ping(pair.a, pair.b, 0);
  pair.net.deliverAll();
  expect(pair.peerOfA.keypairs.current).not.toBeNull();
  expect(pair.peerOfB.keypairs.current).not.toBeNull();
  return pair;
}

describe('Device timers: rekeying', () => {
  it('the initiator rekeys when it sends on a key REKEY_AFTER_TIME old, and only then', () => {
    const { net, a, b, peerOfA, peerOfB } = established();
    const first = peerOfA.keypairs.current as Keypair;
    let inFlight: Datagram | undefined;
    for (let t = 10_000; t <= 150_000; t += 10_000) {
      net.runUntil(t);
      ping(a, b, t);
      ping(b, a, t);
      // One of A's packets on the old key is held back, to arrive after the rekey.
      if (t === 110_000) inFlight = net.inFlight.splice(0, 1)[0];
      net.deliverAll();
    }
    const initiations = net.sent(a, 1).map((d) => d.at);
    expect(initiations).toEqual([0, REKEY_AFTER_TIME_MS]);
    // The responder never rekeys on time.
    expect(net.sent(b, 1)).toHaveLength(0);
    const second = peerOfA.keypairs.current as Keypair;
    expect(second).not.toBe(first);
    expect(second.createdAt).toBe(REKEY_AFTER_TIME_MS);
    expect(peerOfA.keypairs.previous).toBe(first);
    // Traffic moved to the new indices in both directions.
    const late = net.log.filter((d) => d.at > REKEY_AFTER_TIME_MS && typeOf(d.data) === 4);
    expect(late.length).toBeGreaterThan(0);
    for (const d of late) {
      expect(receiverIndex(d)).toBe(d.sender === a ? second.remoteIndex : second.localIndex);
    }
    expect(peerOfB.keypairs.current?.localIndex).toBe(second.remoteIndex);
    expect(b.tun).toHaveLength(15);
    expect(a.tun).toHaveLength(15);
    // The old keypair still receives what was in flight when the new one took over...
    b.receive(inFlight!.data, inFlight!.from);
    expect(b.tun).toHaveLength(16);
    expect(b.tun.at(-1)).toEqual(ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(110_000) }));
    // ...and is wiped, its index released, when the next rekey pushes it out.
    for (let t = 160_000; t <= 250_000; t += 10_000) {
      net.runUntil(t);
      ping(a, b, t);
      net.deliverAll();
    }
    expect(net.sent(a, 1).map((d) => d.at)).toEqual([0, REKEY_AFTER_TIME_MS, 2 * REKEY_AFTER_TIME_MS]);
    expect(isZero(first.sendKey) && isZero(first.receiveKey)).toBe(true);
    expect(a.device.indices.lookup(first.localIndex)).toBeUndefined();
    expect(peerOfA.keypairs.previous).toBe(second);
  });

  it('a keepalive counts as a send for rekeying: persistent keepalive alone keeps fresh keys', () => {
    const { net, a, b, peerOfA } = established();
    a.device.setPersistentKeepalive(peerOfA, 25, net.now, a.sink);
    net.runFor(1_000_000);
    const initiations = net.sent(a, 1).map((d) => d.at);
    // Rekeyed at the first keepalive on a key REKEY_AFTER_TIME old, again and again; never on an expired key.
    expect(initiations.length).toBeGreaterThan(6);
    for (let i = 1; i < initiations.length; i++) {
      expect(initiations[i]! - initiations[i - 1]!).toBeGreaterThanOrEqual(REKEY_AFTER_TIME_MS);
      expect(initiations[i]! - initiations[i - 1]!).toBeLessThanOrEqual(REKEY_AFTER_TIME_MS + 25_000);
    }
    expect(a.eventsOf('keys-zeroed')).toHaveLength(0);
    expect(b.eventsOf('keys-zeroed')).toHaveLength(0);
    expect(b.device.drops['expired-key'] + a.device.drops['expired-key']).toBe(0);
  });

  it('rekeys after rekeyAfterMessages sent, and never sends past rejectAfterMessages', () => {
    const limits = { rekeyAfterMessages: 20, rejectAfterMessages: 40 };
    const { net, a, b, peerOfA, peerOfB, crypto } = established({ limits });
    net.runUntil(REKEY_TIMEOUT_MS); // past the one-initiation-per-REKEY_TIMEOUT limit
    const first = peerOfA.keypairs.current as Keypair;
    // Handshakes fail from here on, so the first keypair is used up.
    net.filter = (d) => typeOf(d.data) === 4;
    let sent = 0;
    while (net.sent(a, 1, net.now).length === 0) {
      ping(a, b, sent++);
      net.deliverAll();
    }
    // The initiation went out with the packet that took the counter past 20.
    expect(first.sendCounter).toBe(limits.rekeyAfterMessages + 1);
    for (let i = 0; i < 40; i++) ping(a, b, 100 + i);
    net.deliverAll();
    const counters = net
      .sent(a, 4)
      .filter((d) => receiverIndex(d) === first.remoteIndex)
      .map((d) => Number(new DataView(d.data.buffer).getBigUint64(8, true)));
    expect(Math.max(...counters)).toBe(limits.rejectAfterMessages - 1);
    expect(new Set(counters).size).toBe(counters.length);
    expect(peerOfA.staged.size).toBe(sent + 40 - (limits.rejectAfterMessages - 1));
    // B refuses a counter at the limit even with a valid tag (forged here with the key).
    const forged = new Uint8Array(16 + 16 + 16);
    writeTransportHeader(forged, 0, first.remoteIndex, limits.rejectAfterMessages);
    crypto.seal(forged, 16, first.sendKey, limits.rejectAfterMessages, new Uint8Array(16), 0, 16);
    const before = b.tun.length;
    b.receive(forged, a.address);
    expect(peerOfB.drops['expired-key']).toBe(1);
    expect(b.tun).toHaveLength(before);

    // When handshakes get through again, the staged packets go out on the new keypair.
    net.filter = undefined;
    net.runFor(REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    expect(peerOfA.keypairs.current).not.toBe(first);
    expect(peerOfA.staged.size).toBe(0);
    expect(b.tun.length).toBe(1 + sent + 40);
  });

  it('the responder rekeys on message count too', () => {
    const limits = { rekeyAfterMessages: 10, rejectAfterMessages: 1000 };
    const { net, a, b } = established({ limits });
    net.runUntil(REKEY_TIMEOUT_MS);
    for (let i = 0; i < 12; i++) {
      ping(b, a, i);
      net.deliverAll();
    }
    expect(net.sent(b, 1).map((d) => d.at)).toEqual([REKEY_TIMEOUT_MS]);
    expect(a.tun).toHaveLength(12);
  });

  it('the initiator re-handshakes on receive once its key is 165 s old, once', () => {
    const { net, a, b } = established();
    // Only B sends data; A answers with passive keepalives (sends, which rekey from 120 s on, so none is due
    // between B's packets at 160 s and 166 s).
    for (const t of [100_000, 160_000, 166_000]) {
      net.runUntil(t);
      ping(b, a, t);
      net.deliverAll();
    }
    expect(160_000).toBeLessThan(REKEY_ON_RECEIVE_AFTER_MS);
    expect(166_000).toBeGreaterThanOrEqual(REKEY_ON_RECEIVE_AFTER_MS);
    expect(net.sent(a, 1).map((d) => d.at)).toEqual([0, 166_000]);
    expect(a.eventsOf('handshake-complete').map((e) => e.at)).toEqual([0, 166_000]);
  });

  it('old keypairs expire: nothing sent on them and nothing accepted on them after REJECT_AFTER_TIME', () => {
    const { net, a, b, peerOfA, peerOfB } = established();
    const keypair = peerOfB.keypairs.current as Keypair;
    // Every handshake fails from now on.
    net.filter = (d) => typeOf(d.data) === 4;
    let captured: Datagram | undefined;
    for (let t = 10_000; t <= 200_000; t += 10_000) {
      net.runUntil(t);
      ping(b, a, t);
      if (t === 170_000) captured = net.inFlight.at(-1);
      net.deliverAll();
    }
    const onOldKey = net.sent(b, 4).filter((d) => receiverIndex(d) === keypair.remoteIndex);
    expect(Math.max(...onOldKey.map((d) => d.at))).toBeLessThan(REJECT_AFTER_TIME_MS);
    // From then on B's packets wait for a handshake that never completes.
    expect(net.sent(b, 4, REJECT_AFTER_TIME_MS)).toHaveLength(0);
    expect(peerOfB.staged.size).toBe(3);
    // A refuses a packet on the key after REJECT_AFTER_TIME, though it authenticates.
    net.filter = undefined;
    const before = a.tun.length;
    a.receive(captured!.data, captured!.from);
    expect(peerOfA.drops['expired-key']).toBe(1);
    expect(a.tun).toHaveLength(before);
  });
});

describe('Device timers: keepalives', () => {
  it('persistent keepalive: one at once when turned on, then one per interval of silence', () => {
    const { net, a, b, peerOfA } = established();
    // Past B's passive keepalive for the first packet (at 10 s), and all before REKEY_AFTER_TIME, so that only
    // the persistent keepalive sends.
    net.runUntil(20_000);
    const on = net.now;
    a.device.setPersistentKeepalive(peerOfA, 25, net.now, a.sink);
    expect(net.inFlight.map((d) => d.data.length)).toEqual([32]);
    net.runFor(55_000);
    expect(net.sent(a, 4, on).map((d) => d.at - on)).toEqual([0, 25_000, 50_000]);
    // Traffic in either direction restarts the interval: A's data now, B's passive keepalive 10 s later.
    ping(a, b, 1);
    const data = net.now;
    net.runFor(40_000);
    expect(net.sent(b, 4, data).map((d) => d.at - data)).toEqual([10_000]);
    expect(net.sent(a, 4, data).map((d) => d.at - data)).toEqual([0, 35_000]);
    expect(net.now).toBeLessThan(REKEY_AFTER_TIME_MS);
    // Turning it off stops it.
    a.device.setPersistentKeepalive(peerOfA, 0, net.now, a.sink);
    const off = net.now;
    net.runFor(100_000);
    expect(net.sent(a, 4, off + 1)).toHaveLength(0);
  });

  it('persistent keepalive on a peer without a session starts a handshake', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    a.device.setPersistentKeepalive(peerOfA, 25, net.now, a.sink);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    net.deliverAll();
    expect(b.eventsOf('handshake-complete')).toHaveLength(1);
  });

  it('passive keepalive: KEEPALIVE_TIMEOUT after data when we sent nothing back', () => {
    const { net, a, b } = established();
    net.runUntil(20_000);
    ping(a, b, 1);
    net.runFor(60_000);
    expect(net.sent(b, 4, 20_000).map((d) => [d.at, d.data.length])).toEqual([[20_000 + KEEPALIVE_TIMEOUT_MS, 32]]);
  });

  it('passive keepalive: none when we answered with data', () => {
    const { net, a, b } = established();
    net.runUntil(20_000);
    ping(a, b, 1);
    net.runFor(3_000);
    ping(b, a, 2);
    net.runFor(60_000);
    expect(net.sent(b, 4, 20_000).map((d) => d.at)).toEqual([23_000]);
  });

  it('passive keepalive: more data while one is pending asks for another', () => {
    const { net, a, b } = established();
    net.runUntil(20_000);
    ping(a, b, 1);
    net.runFor(5_000);
    ping(a, b, 2);
    net.runFor(60_000);
    expect(net.sent(b, 4, 20_000).map((d) => d.at)).toEqual([30_000, 40_000]);
  });

  it('a keepalive with no session is staged: it goes out when the session comes, whoever started the handshake', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    // A's keepalive finds no session: it is staged and A initiates, but that initiation is lost.
    net.filter = () => false;
    a.device.setPersistentKeepalive(peerOfA, 25, net.now, a.sink);
    expect(peerOfA.staged.size).toBe(1);
    net.deliverAll();
    net.filter = undefined;
    // B starts a handshake of its own, to send data; A answers it, and B's data confirms A's session.
    net.now += 1_000;
    ping(b, a, 1);
    net.deliverRound(); // B's initiation reaches A
    net.deliverRound(); // A's response reaches B, whose staged data goes out
    net.deliverRound(); // the data reaches A and confirms its session: the staged keepalive goes out at once
    expect(a.tun).toHaveLength(1);
    expect(net.inFlight.map((d) => [d.sender.name, typeOf(d.data), d.data.length])).toEqual([['A', 4, 32]]);
    expect(peerOfA.staged.size).toBe(0);
  });

  it('passive keepalive: also after data refused for its inner source, so the sender does not re-handshake', () => {
    const { net, a, b, peerOfA } = established();
    net.runUntil(20_000);
    const rxBefore = peerOfA.rxBytes;
    // B's device routes by destination only: A refuses the source, which B's allowed IPs on A do not cover.
    b.send(ipv4Packet({ src: '10.0.0.77', dst: a.tunnel4, payload: payloadOf(1) }));
    net.runFor(60_000);
    expect(a.device.drops['disallowed-source']).toBe(1);
    expect(a.tun).toHaveLength(0);
    // The kernel's wg_packet_consume_data_done: the data-received timer runs before the packet is judged.
    expect(net.sent(a, 4, 20_000).map((d) => [d.at, d.data.length])).toEqual([[20_000 + KEEPALIVE_TIMEOUT_MS, 32]]);
    // So B hears back and its new-handshake timer (KEEPALIVE_TIMEOUT + REKEY_TIMEOUT after its data) never fires.
    expect(net.sent(b, 1, 20_000)).toHaveLength(0);
    // A refused packet is not counted as received (update_rx_stats runs only for what is delivered).
    expect(peerOfA.rxBytes).toBe(rxBefore);
    ping(b, a, 2);
    net.deliverAll();
    expect(peerOfA.rxBytes - rxBefore).toBe(net.sent(b, 4).at(-1)!.data.length);
  });

  it('sent data with no answer: a new handshake after KEEPALIVE_TIMEOUT + REKEY_TIMEOUT', () => {
    const { net, a, b } = established();
    net.runUntil(20_000);
    net.filter = (d) => d.sender === a;
    ping(a, b, 1);
    net.runFor(KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    const initiation = net.sent(a, 1, 1)[0]!;
    expect(initiation).toBeDefined();
    expect(initiation.at - 20_000).toBeGreaterThanOrEqual(KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS);
    expect(initiation.at - 20_000).toBeLessThan(KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    // Any answer disarms it: with B's keepalive let through, no new handshake.
    const other = established();
    other.net.runUntil(20_000);
    ping(other.a, other.b, 1);
    other.net.runFor(60_000);
    expect(other.net.sent(other.a, 1, 1)).toHaveLength(0);
  });
});

describe('Device timers: handshake retries and quiet', () => {
  it('retransmits every REKEY_TIMEOUT + jitter, gives up after MAX_TIMER_HANDSHAKES, purging staged packets', () => {
    const { net, a, b, peerOfA } = createTwoDevices();
    net.filter = () => false;
    ping(a, b, 1);
    ping(a, b, 2);
    net.runFor(200_000);
    const initiations = net.sent(a, 1);
    expect(initiations).toHaveLength(MAX_TIMER_HANDSHAKES + 2);
    for (let i = 1; i < initiations.length; i++) {
      const gap = initiations[i]!.at - initiations[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(REKEY_TIMEOUT_MS);
      expect(gap).toBeLessThan(REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    }
    // Every retry is a fresh initiation: new sender index and ephemeral.
    expect(new Set(initiations.map((d) => readU32LE(d.data, 4))).size).toBe(initiations.length);
    expect(new Set(initiations.map((d) => Buffer.from(d.data.subarray(8, 40)).toString('hex'))).size).toBe(
      initiations.length,
    );
    expect(a.eventsOf('handshake-initiated').map((e) => (e.event as { retry: boolean }).retry)).toEqual([
      false,
      ...new Array<boolean>(MAX_TIMER_HANDSHAKES + 1).fill(true),
    ]);
    const gaveUp = a.eventsOf('handshake-gave-up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.at).toBeGreaterThan(initiations.at(-1)!.at);
    expect(peerOfA.staged.size).toBe(0);
    // Only the index of the last initiation was ever live at once.
    expect(a.device.indices.size).toBe(1);
    // Then the residue goes: zeroed after 3 x REJECT_AFTER_TIME, and the device sleeps.
    net.runFor(ZERO_KEY_MATERIAL_AFTER_MS);
    expect(a.eventsOf('keys-zeroed')[0]!.at).toBe(gaveUp[0]!.at + ZERO_KEY_MATERIAL_AFTER_MS);
    expect(a.device.indices.size).toBe(0);
    expect(net.nextDeadline()).toBe(Infinity);
    // A new packet starts over with a full set of attempts.
    net.filter = undefined;
    ping(a, b, 3);
    net.deliverAll();
    expect(b.tun).toEqual([ipv4Packet({ src: a.tunnel4, dst: b.tunnel4, payload: payloadOf(3) })]);
  });

  it('an idle session goes quiet, and its keys are zeroed 3 x REJECT_AFTER_TIME after the handshake', () => {
    const { net, a, b, peerOfA, peerOfB } = established();
    ping(b, a, 1);
    net.deliverAll();
    const keypairs = [peerOfA.keypairs.current as Keypair, peerOfB.keypairs.current as Keypair];
    net.runUntil(ZERO_KEY_MATERIAL_AFTER_MS - 1);
    expect(keypairs.every((k) => !isZero(k.sendKey) && !isZero(k.receiveKey))).toBe(true);
    expect(net.nextDeadline()).toBe(ZERO_KEY_MATERIAL_AFTER_MS);
    net.runFor(1);
    for (const node of [a, b])
      expect(node.eventsOf('keys-zeroed').map((e) => e.at)).toEqual([ZERO_KEY_MATERIAL_AFTER_MS]);
    for (const k of keypairs) {
      expect(isZero(k.sendKey)).toBe(true);
      expect(isZero(k.receiveKey)).toBe(true);
      expect(k.valid).toBe(false);
    }
    for (const peer of [peerOfA, peerOfB]) {
      expect([peer.keypairs.current, peer.keypairs.previous, peer.keypairs.next]).toEqual([null, null, null]);
      expect(peer.handshake.stage).toBe('zeroed');
    }
    expect(a.device.indices.size + b.device.indices.size).toBe(0);
    expect(net.nextDeadline()).toBe(Infinity);
    // Nothing more happens, however long we wait.
    const logged = net.log.length;
    net.runFor(10 * ZERO_KEY_MATERIAL_AFTER_MS);
    expect(net.log).toHaveLength(logged);
    expect(REJECT_AFTER_TIME_MS * 3).toBe(ZERO_KEY_MATERIAL_AFTER_MS);
  });
});

describe('Device timers: initiations as the kernel sends them (wg_packet_send_handshake_initiation)', () => {
  it('a peer without an endpoint gets its initiation made and retries armed; once it has one, a retry reaches it', () => {
    const { net, a, peerOfB, b } = createTwoDevices({ bKnowsA: false });
    b.device.setPersistentKeepalive(peerOfB, 25, net.now, b.sink);
    expect(net.inFlight).toHaveLength(0);
    expect(peerOfB.handshake.stage).toBe('initiation-created');
    expect(b.eventsOf('handshake-initiated')).toHaveLength(1);
    // An endpoint arrives (`wg set ... endpoint`): the retransmission, due anyway, goes there.
    peerOfB.setEndpoint(a.address);
    net.runFor(REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    expect(net.sent(b, 1)).toHaveLength(1);
    expect(a.eventsOf('handshake-complete').length + b.eventsOf('handshake-complete').length).toBe(2);
    // The staged keepalive confirmed the session to A.
    expect(net.sent(b, 4).map((d) => d.data.length)).toContain(32);
  });

  it('a peer key of low order costs one failed attempt per REKEY_TIMEOUT, not two X25519 operations per packet', () => {
    const base = testCrypto();
    let x25519 = 0;
    const crypto: CryptoPrimitives = {
      ...base,
      x25519: (out, scalar, point) => (x25519++, base.x25519(out, scalar, point)),
      x25519Base: (out, scalar) => (x25519++, base.x25519Base(out, scalar)),
    };
    const { net, a } = createTwoDevices({ crypto });
    // The order-8 point: every Diffie-Hellman with it is all zeros, so no initiation can be made for it.
    const lowOrder = Uint8Array.from(
      Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'),
    );
    const bad = a.device.addPeer(lowOrder)!;
    bad.setEndpoint(endpoint('192.0.2.9:9'));
    const { family, bytes, cidr } = parseCidr('10.0.0.9/32');
    a.device.addAllowedIp(bad, family, bytes, cidr);
    const send = () => a.send(ipv4Packet({ src: a.tunnel4, dst: '10.0.0.9', payload: payloadOf(1) }));
    x25519 = 0;
    for (let i = 0; i < 50; i++) send();
    expect(x25519).toBe(2); // the ephemeral key, and the first DH that fails
    expect(net.inFlight).toHaveLength(0);
    net.now += REKEY_TIMEOUT_MS;
    for (let i = 0; i < 50; i++) send();
    expect(x25519).toBe(4);
    expect(bad.staged.size).toBe(100);
  });
});

describe('Device timers: a clock that jumps', () => {
  it('past every deadline at once (a sleep nobody announced): keys zeroed first, then one handshake completes', () => {
    const { net, a, b, peerOfA } = established();
    net.runUntil(20_000);
    // A sends and hears nothing back: its new-handshake timer is armed, with the zero-key one behind it.
    net.filter = () => false;
    ping(a, b, 1);
    net.deliverAll();
    net.filter = undefined;
    // Eight hours pass between two ticks: boot time jumped while the machine slept. The I/O loop runs A's timers
    // before anything else (io/data-path.ts).
    net.now += 8 * 3_600_000;
    a.device.tick(net.now, a.sink);
    expect(a.eventsOf('keys-zeroed')).toHaveLength(1);
    expect(net.inFlight.map((d) => typeOf(d.data))).toEqual([1]);
    const packet = ping(a, b, 2);
    net.deliverAll();
    // The initiation's state outlived the tick that sent it: the answer completes it, the packet goes through.
    expect(a.device.drops['unknown-index']).toBe(0);
    expect(b.tun.at(-1)).toEqual(packet);
    expect(peerOfA.keypairs.current?.createdAt).toBe(net.now);
    expect(net.sent(a, 1, 1)).toHaveLength(1);
  });
});

describe('Device jitter', () => {
  it('is a whole number of ms below REKEY_TIMEOUT_JITTER_MAX_MS, from a random pool drawn 256 bytes at a time', () => {
    const { crypto } = createTwoDevices();
    const draws: number[] = [];
    const random = seededRandom(7);
    const device = new Device({
      crypto,
      wallClock: () => 0,
      randomFill: (buf) => {
        draws.push(buf.length);
        random(buf);
      },
    });
    draws.length = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const jitter = device.jitter();
      expect(Number.isInteger(jitter) && jitter >= 0 && jitter < REKEY_TIMEOUT_JITTER_MAX_MS).toBe(true);
      seen.add(jitter);
    }
    // Two bytes a jitter: 1000 jitters take 8 draws of 256 bytes, not 1000 calls into the CSPRNG.
    expect(draws).toEqual(new Array(8).fill(256));
    expect(seen.size).toBeGreaterThan(200);
  });
});
