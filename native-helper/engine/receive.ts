/*
 * The inbound flow (the kernel's receive.c):
 *
 *   datagram -> type and size check (anything else: dropped, counted)
 *     transport   -> keypair by receiver index -> alive? -> decrypt in place -> replay window
 *                 -> endpoint follows the source (roaming) -> confirms a `next` keypair -> keepalive? done
 *                 -> inner packet plausible and its source allowed for this peer -> TUN
 *     handshake   -> bounded queue; flush() (or tick()) checks MAC1 (and, under load, MAC2 or a cookie reply,
 *                    then the per-source rate limit) before any Diffie-Hellman, then runs the Noise step for at
 *                    most HANDSHAKES_PER_FLUSH messages; the rest wait, and their number is the load
 *     cookie reply-> stored for the next handshake message to that peer
 *
 * Nothing here throws on hostile input: every rejection is a counted drop.
 */
import {
  REJECT_AFTER_TIME_MS,
  REKEY_ON_RECEIVE_AFTER_MS,
  UNDER_LOAD_AFTER_TIME_MS,
  UNDER_LOAD_QUEUE_THRESHOLD,
} from './constants.js';
import { consumeCookieReply, createCookieReply, validateMacs, addMacs } from './cookie.js';
import type { Device } from './device.js';
import type { DeviceSink } from './device-types.js';
import { WORK } from './device-work.js';
import { ENDPOINT_SIZE, endpointAddressOffset, endpointEquals, endpointFamily } from './endpoint.js';
import { ipPacketLength, ipSourceOffset, ipVersion } from './ip-packet.js';
import { Keypair } from './keypair.js';
import {
  COOKIE_REPLY,
  INITIATION,
  RESPONSE,
  TRANSPORT,
  messageType,
  readI32LE,
  readU32LE,
  readU64LE,
} from './messages.js';
import {
  MESSAGE_TYPE_COOKIE_REPLY,
  MESSAGE_TYPE_INITIATION,
  MESSAGE_TYPE_INVALID,
  MESSAGE_TYPE_RESPONSE,
} from './constants.js';
import { consumeInitiation, consumeResponse, createResponse, deriveKeypair } from './noise.js';
import type { Peer } from './peer.js';
import { sendKeepalive, sendHandshakeInitiation, sendStagedPackets } from './send.js';

export function receiveDatagram(
  device: Device,
  buf: Uint8Array,
  off: number,
  len: number,
  source: Uint8Array,
  sourceOff: number,
  now: number,
  sink: DeviceSink,
): void {
  const type = messageType(buf, off, len);
  if (type === MESSAGE_TYPE_INVALID) return device.drop('malformed');
  if (!device.isUp) return device.drop('device-down');
  if (type === MESSAGE_TYPE_INITIATION || type === MESSAGE_TYPE_RESPONSE) {
    if (!device[WORK].queueHandshake(buf, off, len, source, sourceOff, now)) device.drop('handshake-queue-full');
    return;
  }
  if (type === MESSAGE_TYPE_COOKIE_REPLY) return receiveCookieReply(device, buf, off, len, now);
  receiveTransport(device, buf, off, len, source, sourceOff, now, sink);
}

function receiveTransport(
  device: Device,
  buf: Uint8Array,
  off: number,
  len: number,
  source: Uint8Array,
  sourceOff: number,
  now: number,
  sink: DeviceSink,
): void {
  // Per packet, nothing may be boxed: the index is read as an int32 (a u32 >= 2^31 would become a heap number at
  // a call not inlined; the table keys by int32 anyway), and the replay window is not handed the limit (a double
  // field, so a fresh heap number at every such call), which the line before it already checked.
  const entry = device.indices.lookup(readI32LE(buf, off + TRANSPORT.receiverIndex));
  const keypair = entry?.keypair;
  if (!entry || !keypair) return device.drop('unknown-index');
  const peer = entry.peer;
  if (!keypair.valid || now - keypair.createdAt >= REJECT_AFTER_TIME_MS) return device.drop('expired-key', peer);
  const counter = readU64LE(buf, off + TRANSPORT.counter);
  if (counter >= device.limits.rejectAfterMessages) return device.drop('expired-key', peer);

  const content = off + TRANSPORT.content;
  const plain = device.crypto.open(buf, content, keypair.receiveKey, counter, buf, content, len - TRANSPORT.content);
  if (plain < 0) return device.drop('decrypt-failed', peer);
  if (!keypair.replay.check(counter)) return device.drop('replay', peer);

  // Authenticated from here on: the kernel's wg_packet_consume_data_done, in its order.
  followEndpoint(peer, source, sourceOff);
  if (device.confirmKeypair(peer, keypair)) {
    peer.timers.handshakeComplete();
    peer.lastHandshakeWallMs = device.wallClock();
    device.event({ type: 'handshake-complete', peer });
    sendStagedPackets(device, peer, now, sink);
  }
  keepKeyFreshAfterReceive(device, peer, now, sink);
  peer.timers.anyAuthenticatedPacketReceived();
  peer.timers.anyAuthenticatedPacketTraversal(now);
  if (plain === 0) {
    peer.rxBytes += len; // keepalive
    return;
  }
  // Before the inner packet is judged, as the kernel and wireguard-go do: the peer sent data and must hear back
  // within KEEPALIVE_TIMEOUT whatever we make of it, or its own new-handshake timer fires (every ~15 s for as long
  // as it keeps sending from an address we refuse).
  peer.timers.dataReceived(now);

  const version = ipVersion(buf, content, plain);
  const length = version === 0 ? -1 : ipPacketLength(buf, content, plain);
  if (length < 0 || length > plain) return device.drop('bad-inner-packet', peer);
  if (device.allowedIps.lookup(version as 4 | 6, buf, ipSourceOffset(version as 4 | 6, content)) !== peer) {
    return device.drop('disallowed-source', peer);
  }
  // Only what is delivered counts as received (the kernel's update_rx_stats): a refused packet is a drop.
  peer.rxBytes += len;
  sink.writeTun(buf, content, length);
}

/** keep_key_fresh on receive: an initiator whose key nears REJECT_AFTER_TIME re-handshakes, once. */
function keepKeyFreshAfterReceive(device: Device, peer: Peer, now: number, sink: DeviceSink): void {
  const current = peer.keypairs.current;
  if (peer.timers.sentLastMinuteHandshake || current === null || !current.isInitiator) return;
  if (!current.valid || !current.canSend) return;
  if (now - current.createdAt < REKEY_ON_RECEIVE_AFTER_MS) return;
  peer.timers.sentLastMinuteHandshake = true;
  sendHandshakeInitiation(device, peer, false, now, sink);
}

function receiveCookieReply(device: Device, buf: Uint8Array, off: number, len: number, now: number): void {
  const entry = device.indices.lookup(readU32LE(buf, off + COOKIE_REPLY.receiverIndex));
  if (!entry) return device.drop('unknown-index');
  if (!consumeCookieReply(device.crypto, entry.peer.cookieGenerator, buf.subarray(off, off + len), now)) {
    device.drop('cookie-invalid', entry.peer);
  }
}

/**
 * Runs queued handshake messages (wireguard-go's RoutineHandshake) until `budget` of them have reached the Noise
 * step or the queue is empty. Load is judged per message, as wireguard-go does, from the queue's length (here
 * counting the message at hand).
 */
export function processHandshakeQueue(device: Device, now: number, sink: DeviceSink, budget: number): void {
  const work = device[WORK];
  const queue = work.handshakes;
  while (budget > 0) {
    const message = queue.shift();
    if (message === null) return;
    if (queue.size + 1 >= UNDER_LOAD_QUEUE_THRESHOLD) work.underLoadUntil = now + UNDER_LOAD_AFTER_TIME_MS;
    const underLoad = now < work.underLoadUntil;
    const sourceBuffer = queue.sourceBuffer;
    const sourceOff = queue.sourceOffset();
    // Counted like any other refusal: without a private key no handshake can succeed (and MAC1 would be
    // checked against a key derived from nothing).
    if (!device.isUp) {
      device.drop('device-down');
      continue;
    }
    if (device.identity === null) {
      device.drop('handshake-failed');
      continue;
    }
    const cookieSource = cookieSourceOf(device, sourceBuffer, sourceOff);
    const macs = validateMacs(device.crypto, device.cookieChecker, message, cookieSource, now, underLoad);
    if (macs === 'invalid-mac') {
      device.drop('bad-mac');
      continue;
    }
    if (underLoad) {
      if (macs !== 'valid-mac-with-cookie') {
        sendCookieReply(device, message, sourceBuffer, sourceOff, cookieSource, now, sink);
        continue;
      }
      const family = endpointFamily(sourceBuffer, sourceOff);
      if (family === 0 || !device.ratelimiter.allow(family, sourceBuffer, endpointAddressOffset(sourceOff), now)) {
        device.drop('ratelimited');
        continue;
      }
    }
    budget--;
    if (readU32LE(message, 0) === MESSAGE_TYPE_INITIATION)
      receiveInitiation(device, message, sourceBuffer, sourceOff, now, sink);
    else receiveResponse(device, message, sourceBuffer, sourceOff, now, sink);
  }
}

function receiveInitiation(
  device: Device,
  message: Uint8Array,
  source: Uint8Array,
  sourceOff: number,
  now: number,
  sink: DeviceSink,
): void {
  const consumed = consumeInitiation(device.noise, device.identity, message, now, device.peerByKey);
  if (!consumed.ok) return device.drop('handshake-failed');
  const peer = consumed.peer;
  followEndpoint(peer, source, sourceOff);
  peer.rxBytes += message.length;
  peer.timers.anyAuthenticatedPacketReceived();
  peer.timers.anyAuthenticatedPacketTraversal(now);

  // The response gets a fresh index; the one of an initiation of ours in flight is dropped with it.
  const previous = peer.handshake.localIndex;
  if (previous !== 0 && device.indices.lookup(previous)?.keypair === null) device.indices.release(previous);
  const index = device.indices.allocate(peer, null);
  const response = device[WORK].response;
  if (!createResponse(device.noise, peer.handshake, response, index).ok) {
    device.indices.release(index);
    return device.drop('handshake-failed', peer);
  }
  addMacs(device.crypto, peer.cookieGenerator, response, now);
  beginSession(device, peer, now);
  peer.timers.anyAuthenticatedPacketTraversal(now);
  peer.timers.anyAuthenticatedPacketSent();
  peer.lastSentHandshake = now;
  peer.txBytes += response.length;
  sink.sendDatagram(peer.endpoint, response, 0, response.length);
}

function receiveResponse(
  device: Device,
  message: Uint8Array,
  source: Uint8Array,
  sourceOff: number,
  now: number,
  sink: DeviceSink,
): void {
  const entry = device.indices.lookup(readU32LE(message, RESPONSE.receiverIndex));
  if (!entry || entry.keypair !== null) return device.drop('unknown-index');
  const peer = entry.peer;
  const consumed = consumeResponse(device.noise, device.identity, peer.handshake, message);
  if (!consumed.ok) return device.drop('handshake-failed', peer);
  followEndpoint(peer, source, sourceOff);
  peer.rxBytes += message.length;
  peer.timers.anyAuthenticatedPacketReceived();
  peer.timers.anyAuthenticatedPacketTraversal(now);
  beginSession(device, peer, now);
  peer.timers.handshakeComplete();
  peer.lastHandshakeWallMs = device.wallClock();
  device.event({ type: 'handshake-complete', peer });
  // Staged packets confirm the session to the responder; with none, a keepalive does.
  if (peer.staged.size > 0) sendStagedPackets(device, peer, now, sink);
  else sendKeepalive(device, peer, now, sink);
}

/** Derives the transport keys from the finished handshake and installs them under the handshake's index. */
function beginSession(device: Device, peer: Peer, now: number): void {
  const keypair = new Keypair();
  if (deriveKeypair(device.noise, peer.handshake, keypair) === null) {
    keypair.wipe();
    return;
  }
  keypair.createdAt = now;
  device.indices.attach(keypair.localIndex, keypair);
  device.installKeypair(peer, keypair);
  peer.timers.sessionDerived(now);
}

function sendCookieReply(
  device: Device,
  message: Uint8Array,
  source: Uint8Array,
  sourceOff: number,
  cookieSource: Uint8Array,
  now: number,
  sink: DeviceSink,
): void {
  const reply = device[WORK].cookieReply;
  const senderIndex = readU32LE(message, INITIATION.senderIndex); // same offset in a response
  createCookieReply(
    device.crypto,
    device.cookieChecker,
    reply,
    message,
    senderIndex,
    cookieSource,
    now,
    device.randomFill,
  );
  device.drop('cookie-sent');
  const to = device[WORK].endpoint;
  // source[sourceOff] is an endpoint record from the bind: ENDPOINT_SIZE bytes.
  for (let i = 0; i < ENDPOINT_SIZE; i++) to[i] = source[sourceOff + i]!;
  sink.sendDatagram(to, reply, 0, reply.length);
}

/** The peer's endpoint follows the source of its latest authenticated packet, and the local address it came to. */
function followEndpoint(peer: Peer, source: Uint8Array, sourceOff: number): void {
  if (!endpointEquals(peer.endpoint, 0, source, sourceOff)) peer.setEndpoint(source, sourceOff);
}

/**
 * The bytes a cookie is bound to: the source address, then its port (big-endian), as the kernel does. A view of
 * the device's scratch, valid until the next message.
 */
function cookieSourceOf(device: Device, record: Uint8Array, off: number): Uint8Array {
  const size = endpointFamily(record, off) === 4 ? 4 : 16;
  const out = size === 4 ? device[WORK].cookieSource4 : device[WORK].cookieSource6;
  const address = endpointAddressOffset(off);
  // An endpoint record holds a family, port and a 16-byte address slot, so every byte read here exists.
  for (let i = 0; i < size; i++) out[i] = record[address + i]!;
  out[size] = record[off + 2]!;
  out[size + 1] = record[off + 3]!;
  return out;
}
