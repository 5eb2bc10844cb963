/*
 * `get=1`: the device as wg(8) reads it, in wireguard-go's key order. Keys are lowercase hex; the private key
 * is only ever written to this socket, which is root-only (0600 under a 0755 directory).
 */
import type { Device } from '../engine/device.js';
import { formatEndpoint } from '../engine/endpoint.js';
import { addressFromBytes, formatIpAddress } from '../../shared/config/ip.js';

export function formatGet(device: Device): string {
  const lines: string[] = [];
  if (device.identity) lines.push(`private_key=${hex(device.identity.privateKey)}`);
  if (device.listenPort !== 0) lines.push(`listen_port=${device.listenPort}`);
  if (device.fwmark !== 0) lines.push(`fwmark=${device.fwmark}`);
  for (const peer of device.peers) {
    lines.push(`public_key=${hex(peer.publicKey)}`);
    lines.push(`preshared_key=${hex(peer.handshake.presharedKey)}`);
    lines.push('protocol_version=1');
    const endpoint = formatEndpoint(peer.endpoint);
    if (endpoint !== null) lines.push(`endpoint=${endpoint}`);
    const ms = peer.lastHandshakeWallMs;
    lines.push(`last_handshake_time_sec=${Math.floor(ms / 1000)}`);
    lines.push(`last_handshake_time_nsec=${(ms % 1000) * 1_000_000}`);
    lines.push(`tx_bytes=${peer.txBytes}`);
    lines.push(`rx_bytes=${peer.rxBytes}`);
    lines.push(`persistent_keepalive_interval=${peer.persistentKeepalive}`);
    for (const ip of device.allowedIps.prefixesOf(peer)) {
      lines.push(`allowed_ip=${formatIpAddress(addressFromBytes(ip.family, ip.address))}/${ip.cidr}`);
    }
  }
  return lines.map((line) => `${line}\n`).join('');
}

export function hex(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += bytes[i]!.toString(16).padStart(2, '0');
  return text;
}
