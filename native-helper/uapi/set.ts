/*
 * `set=1`: key=value lines applied in order with wg(8)'s semantics (wireguard-go's IpcSetOperation). A line
 * that fails stops the operation with its errno; what came before it stays applied, as in wireguard-go.
 * Device keys come first; `public_key=` starts a peer section that runs to the next `public_key=`.
 */
import { type Device, TooManyPeersError } from '../engine/device.js';
import type { DeviceSink } from '../engine/device-types.js';
import { parseEndpoint } from '../engine/endpoint.js';
import type { Peer } from '../engine/peer.js';
import { addressToBytes, parsePrefix } from '../../shared/config/ip.js';
import { EADDRINUSE, EINVAL, EPROTO, UapiError } from './errno.js';

/** What a set needs beyond the engine: the sockets live in the I/O layer. */
export interface UapiTarget {
  readonly device: Device;
  /**
   * Runs an operation on the device that may send (turning a persistent keepalive on), with the time and the sink,
   * and sends what it produced at once (the data path's run()).
   */
  run(operation: (now: number, sink: DeviceSink) => void): void;
  /**
   * Rebinds the UDP sockets; returns the port now listened on (0 asks the system for one). Throws an error with
   * code 'EADDRINUSE' when the port is taken, leaving the sockets as they were.
   */
  setListenPort(port: number): number;
  /** Applies SO_MARK to the UDP sockets. */
  setFwmark(mark: number): void;
}

interface PeerSection {
  /** null: a peer this operation ignores (our own key, or update_only for an unknown key). */
  peer: Peer | null;
  created: boolean;
}

export function applySet(lines: readonly string[], target: UapiTarget): void {
  const { device } = target;
  let section: PeerSection | null = null;
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq < 0) throw new UapiError(EPROTO, `line without '=': ${line.slice(0, 40)}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'public_key') {
      section = beginPeer(device, parseKey(key, value));
      continue;
    }
    if (section === null) applyDeviceKey(target, key, value);
    else applyPeerKey(target, section, key, value);
  }
}

function applyDeviceKey(target: UapiTarget, key: string, value: string): void {
  const { device } = target;
  switch (key) {
    case 'private_key':
      device.setPrivateKey(parseKey(key, value));
      return;
    case 'listen_port': {
      const port = parseInteger(key, value, 0xffff);
      try {
        device.listenPort = target.setListenPort(port);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new UapiError(EADDRINUSE, `listen_port ${port} in use`);
        throw error;
      }
      return;
    }
    case 'fwmark': {
      const mark = parseInteger(key, value, 0xffffffff);
      target.setFwmark(mark);
      device.fwmark = mark;
      return;
    }
    case 'replace_peers':
      requireTrue(key, value);
      device.removeAllPeers();
      return;
    default:
      throw new UapiError(EINVAL, `unknown device key ${key}`);
  }
}

function beginPeer(device: Device, publicKey: Uint8Array): PeerSection {
  const existing = device.findPeer(publicKey);
  if (existing) return { peer: existing, created: false };
  // addPeer refuses our own public key: its section is read and ignored, as wg does. A full device answers as
  // wireguard-go's does ("failed to create new peer: too many peers", EINVAL).
  try {
    return { peer: device.addPeer(publicKey), created: true };
  } catch (error) {
    if (error instanceof TooManyPeersError) throw new UapiError(EINVAL, error.message);
    throw error;
  }
}

function applyPeerKey(target: UapiTarget, section: PeerSection, key: string, value: string): void {
  const { device } = target;
  const peer = section.peer;
  switch (key) {
    case 'update_only':
      requireTrue(key, value);
      if (section.created && peer) {
        device.removePeer(peer);
        section.peer = null;
      }
      return;
    case 'remove':
      requireTrue(key, value);
      if (peer) device.removePeer(peer);
      section.peer = null;
      return;
    case 'preshared_key': {
      const psk = parseKey(key, value);
      if (peer) device.setPresharedKey(peer, psk);
      return;
    }
    case 'endpoint': {
      const record = parseEndpoint(value);
      if (record === null) throw new UapiError(EINVAL, `bad endpoint ${value}`);
      peer?.setEndpoint(record);
      return;
    }
    case 'persistent_keepalive_interval': {
      const seconds = parseInteger(key, value, 0xffff);
      if (peer) target.run((now, sink) => device.setPersistentKeepalive(peer, seconds, now, sink));
      return;
    }
    case 'replace_allowed_ips':
      requireTrue(key, value);
      if (peer) device.clearAllowedIps(peer);
      return;
    case 'allowed_ip': {
      const remove = value.startsWith('-');
      const parsed = parsePrefix(remove ? value.slice(1) : value);
      if (!parsed.ok || !value.includes('/')) throw new UapiError(EINVAL, `bad allowed_ip ${value}`);
      if (!peer) return;
      const { address, prefix } = parsed.value;
      const bytes = addressToBytes(address);
      if (remove) device.removeAllowedIp(peer, address.family, bytes, prefix);
      else device.addAllowedIp(peer, address.family, bytes, prefix);
      return;
    }
    case 'protocol_version':
      if (value !== '1') throw new UapiError(EINVAL, `protocol_version ${value} not supported`);
      return;
    default:
      throw new UapiError(EINVAL, `unknown peer key ${key}`);
  }
}

function parseKey(key: string, value: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/i.test(value)) throw new UapiError(EINVAL, `${key} is not 64 hex digits`);
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

function parseInteger(key: string, value: string, max: number): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > max) throw new UapiError(EINVAL, `bad ${key} ${value}`);
  return Number(value);
}

function requireTrue(key: string, value: string): void {
  if (value !== 'true') throw new UapiError(EINVAL, `${key} must be true`);
}
