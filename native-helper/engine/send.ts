/*
 * The outbound flow (the kernel's send.c):
 *
 *   send(packet) -> route by destination (allowed IPs) -> no peer / no endpoint: ICMP unreachable back
 *                -> peer has a usable current keypair and nothing staged: encrypt in place, send
 *                -> otherwise: stage (at most 128, oldest dropped) and start a handshake
 *   handshake complete -> staged packets go out in order (or a keepalive when none, to confirm the session)
 *
 * A transport message is built in the caller's buffer: the 16-byte header in the headroom before the packet,
 * the padding and tag after it, so sealing is in place and allocates nothing.
 */
import {
  MAX_CONTENT_SIZE,
  PADDING_MULTIPLE,
  REKEY_AFTER_TIME_MS,
  REJECT_AFTER_TIME_MS,
  REKEY_TIMEOUT_MS,
} from './constants.js';
import { addMacs } from './cookie.js';
import type { Device } from './device.js';
import { type DeviceSink, SEND_HEADROOM } from './device-types.js';
import { WORK } from './device-work.js';
import { writeIcmpUnreachable } from './icmp.js';
import { ipDestinationOffset, ipPacketLength, ipVersion } from './ip-packet.js';
import type { Keypair } from './keypair.js';
import { TRANSPORT, paddingLength, writeTransportHeader } from './messages.js';
import { createInitiation } from './noise.js';
import type { Peer } from './peer.js';
import { writeTai64n } from './tai64n.js';

/** The longest packet whose transport message, padding included, is still a UDP payload. */
const MAX_PACKET_SIZE = MAX_CONTENT_SIZE - (PADDING_MULTIPLE - 1);

export function sendPacket(
  device: Device,
  buf: Uint8Array,
  off: number,
  len: number,
  now: number,
  sink: DeviceSink,
): void {
  if (!device.isUp) return device.drop('device-down');
  const version = ipVersion(buf, off, len);
  // No MTU check (the kernel's wg_xmit has none): what the interface let through fits it, and the device's MTU
  // may lag an `ip link set mtu` by a moment. Only a packet no transport message could carry is refused.
  if (version === 0 || ipPacketLength(buf, off, len) !== len || len > MAX_PACKET_SIZE)
    return device.drop('bad-outgoing-packet');
  const peer = device.allowedIps.lookup(version, buf, ipDestinationOffset(version, off));
  if (peer === undefined || !peer.hasEndpoint) {
    device.drop(peer === undefined ? 'no-peer' : 'no-endpoint', peer);
    return sendUnreachable(device, buf, off, len, sink);
  }
  if (peer.staged.size === 0) {
    const keypair = usableKeypair(device, peer, now);
    if (keypair !== null) {
      encryptAndSend(device, peer, keypair, buf, off, len, now, sink);
      keepKeyFreshAfterSend(device, peer, keypair, now, sink);
      return;
    }
  }
  if (peer.staged.push(buf, off, len)) device.drop('staged-overflow', peer);
  sendStagedPackets(device, peer, now, sink);
}

/** Sends what is staged while a usable keypair exists; without one, asks for a handshake. */
export function sendStagedPackets(device: Device, peer: Peer, now: number, sink: DeviceSink): void {
  if (!device.isUp || peer.staged.size === 0) return;
  let keypair = usableKeypair(device, peer, now);
  if (keypair === null) return sendHandshakeInitiation(device, peer, false, now, sink);
  const sent = keypair;
  peer.staged.drain((slot, off, len) => {
    if (!usable(device, sent, now)) return false;
    encryptAndSend(device, peer, sent, slot, off, len, now, sink);
    return true;
  });
  keypair = usableKeypair(device, peer, now);
  if (peer.staged.size > 0 || keypair === null) return sendHandshakeInitiation(device, peer, false, now, sink);
  keepKeyFreshAfterSend(device, peer, keypair, now, sink);
}

/**
 * An empty transport message (wg_packet_send_keepalive). Without a usable keypair it is staged like any packet,
 * when nothing else is (which would serve as well), and a handshake is asked for: the keepalive goes out once the
 * session exists, whichever side completes it.
 */
export function sendKeepalive(device: Device, peer: Peer, now: number, sink: DeviceSink): void {
  if (!device.isUp) return;
  if (peer.staged.size === 0) {
    const keypair = usableKeypair(device, peer, now);
    if (keypair !== null) {
      encryptAndSend(device, peer, keypair, device[WORK].scratch, SEND_HEADROOM, 0, now, sink);
      // A keepalive is a send like any other (the kernel runs keep_key_fresh after every batch, keepalives
      // included): a tunnel kept up by persistent keepalives alone must still rekey before its key is rejected.
      keepKeyFreshAfterSend(device, peer, keypair, now, sink);
      return;
    }
    peer.staged.push(device[WORK].scratch, SEND_HEADROOM, 0);
  }
  sendStagedPackets(device, peer, now, sink);
}

/**
 * wg_packet_send_handshake_initiation: at most one initiation per REKEY_TIMEOUT, counted from the attempt (set
 * before the work, so that one that fails, for a peer key of low order, is not tried again, two X25519 operations
 * each time, for every packet sent); a first attempt (not a retry) restarts the attempt count. A peer without an
 * endpoint gets its initiation made and its timers armed all the same, as in the kernel, where only the send
 * fails: a retry goes out once an endpoint is set.
 */
export function sendHandshakeInitiation(
  device: Device,
  peer: Peer,
  retry: boolean,
  now: number,
  sink: DeviceSink,
): void {
  if (!retry) peer.timers.handshakeAttempts = 0;
  if (!device.isUp || !peer.alive || device.identity === null) return;
  if (now < peer.lastSentHandshake + REKEY_TIMEOUT_MS) return;
  peer.lastSentHandshake = now;

  const previousIndex = peer.handshake.localIndex;
  if (previousIndex !== 0 && device.indices.lookup(previousIndex)?.keypair === null)
    device.indices.release(previousIndex);
  const index = device.indices.allocate(peer, null);
  const { initiation: message, timestamp } = device[WORK];
  writeTai64n(timestamp, 0, device.wallClock());
  const result = createInitiation(device.noise, device.identity, peer.handshake, message, index, timestamp);
  if (!result.ok) {
    device.indices.release(index);
    return;
  }
  addMacs(device.crypto, peer.cookieGenerator, message, now);
  peer.timers.anyAuthenticatedPacketTraversal(now);
  peer.timers.anyAuthenticatedPacketSent();
  if (peer.hasEndpoint) {
    peer.txBytes += message.length;
    sink.sendDatagram(peer.endpoint, message, 0, message.length);
  }
  peer.timers.handshakeInitiated(now);
  device.event({ type: 'handshake-initiated', peer, retry });
}

/** The current keypair if it may still send (kernel: valid, younger than REJECT_AFTER_TIME, counter below limit). */
export function usableKeypair(device: Device, peer: Peer, now: number): Keypair | null {
  const keypair = peer.keypairs.current;
  return keypair !== null && usable(device, keypair, now) ? keypair : null;
}

function usable(device: Device, keypair: Keypair, now: number): boolean {
  return (
    keypair.valid &&
    keypair.canSend &&
    now - keypair.createdAt < REJECT_AFTER_TIME_MS &&
    keypair.sendCounter < device.limits.rejectAfterMessages
  );
}

function encryptAndSend(
  device: Device,
  peer: Peer,
  keypair: Keypair,
  buf: Uint8Array,
  off: number,
  len: number,
  now: number,
  sink: DeviceSink,
): void {
  const padding = paddingLength(len, device.mtu);
  // fill() is a call into V8's runtime even for nothing, and a full-sized packet (the bulk of a transfer) has none.
  if (padding > 0) buf.fill(0, off + len, off + len + padding);
  const counter = keypair.sendCounter++;
  const header = off - TRANSPORT.content;
  // As an int32 (the same four bytes on the wire): a u32 index >= 2^31 lives in the keypair as a double, and
  // crossing a call not inlined would box it into a fresh heap number for every packet.
  writeTransportHeader(buf, header, keypair.remoteIndex | 0, counter);
  const sealed = device.crypto.seal(buf, off, keypair.sendKey, counter, buf, off, len + padding);
  const size = TRANSPORT.content + sealed;
  peer.txBytes += size;
  sink.sendDatagram(peer.endpoint, buf, header, size);
  peer.timers.anyAuthenticatedPacketTraversal(now);
  peer.timers.anyAuthenticatedPacketSent();
  if (len > 0) peer.timers.dataSent(now);
}

/** keep_key_fresh on send: rekey after REKEY_AFTER_MESSAGES, or as initiator after REKEY_AFTER_TIME. */
function keepKeyFreshAfterSend(device: Device, peer: Peer, keypair: Keypair, now: number, sink: DeviceSink): void {
  if (
    keypair.sendCounter > device.limits.rekeyAfterMessages ||
    (keypair.isInitiator && now - keypair.createdAt >= REKEY_AFTER_TIME_MS)
  ) {
    sendHandshakeInitiation(device, peer, false, now, sink);
  }
}

function sendUnreachable(device: Device, buf: Uint8Array, off: number, len: number, sink: DeviceSink): void {
  const scratch = device[WORK].scratch;
  const reply = writeIcmpUnreachable(buf, off, len, scratch, 0);
  if (reply > 0) sink.writeTun(scratch, 0, reply);
}
