/*
 * A wg-quick model applied to an engine device, as `wg setconf` would: private key, peers with their preshared
 * keys, endpoints (already resolved to addresses), keepalives and allowed IPs. Hostnames are resolved here, once,
 * as wg(8) resolves them before configuring a device.
 */
import { lookup } from 'node:dns/promises';
import { decodeKey } from '../../shared/config/keys.js';
import { addressToBytes, fromIpPrefix, parseIpAddress } from '../../shared/config/ip.js';
import type { Endpoint, TunnelConfig } from '../../shared/config/model.js';
import type { Device } from '../engine/device.js';
import { endpointEquals, formatEndpoint, newEndpoint, writeEndpoint } from '../engine/endpoint.js';

/** The endpoint record of each peer (null: none), in config order. Rejects naming the host that failed. */
export async function resolveEndpoints(config: TunnelConfig): Promise<(Uint8Array | null)[]> {
  return Promise.all(config.peers.map((peer) => (peer.endpoint ? resolveEndpoint(peer.endpoint) : null)));
}

async function resolveEndpoint(endpoint: Endpoint): Promise<Uint8Array> {
  let address = parseIpAddress(endpoint.host);
  if (!address.ok) {
    try {
      const found = await lookup(endpoint.host);
      address = parseIpAddress(found.address);
    } catch (error) {
      throw new Error(`cannot resolve Endpoint host ${endpoint.host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!address.ok) throw new Error(`Endpoint host ${endpoint.host} resolved to an unusable address`);
  }
  const record = newEndpoint();
  writeEndpoint(record, 0, address.value.family, addressToBytes(address.value), endpoint.port);
  return record;
}

/**
 * wg-quick's reresolve-dns.sh for one device: every peer endpoint written as a hostname is looked up again and
 * set when the answer differs from the endpoint in use. Endpoints written as addresses are left alone (they
 * cannot change, and setting them would undo a peer's roaming). A failed lookup keeps what there is.
 */
export async function reresolveEndpoints(device: Device, config: TunnelConfig, log: (message: string) => void): Promise<number> {
  const named = config.peers.filter((peer) => peer.endpoint !== undefined && !parseIpAddress(peer.endpoint.host).ok);
  const results = await Promise.allSettled(named.map((peer) => resolveEndpoint(peer.endpoint!)));
  let changed = 0;
  results.forEach((result, i) => {
    const host = named[i].endpoint!.host;
    if (result.status === 'rejected') {
      log(`${(result.reason as Error).message}; keeping the current endpoint`);
      return;
    }
    const peer = device.findPeer(mustDecode(named[i].publicKey));
    if (peer === undefined || endpointEquals(peer.endpoint, 0, result.value, 0)) return;
    peer.setEndpoint(result.value);
    changed++;
    log(`${host} now resolves to ${formatEndpoint(result.value)}; endpoint updated`);
  });
  return changed;
}

export function configureDevice(device: Device, config: TunnelConfig, endpoints: readonly (Uint8Array | null)[]): void {
  device.setPrivateKey(mustDecode(config.interface.privateKey));
  config.peers.forEach((peerConfig, i) => {
    const peer = device.addPeer(mustDecode(peerConfig.publicKey));
    if (peer === null) return; // our own public key: wg ignores such a peer
    device.setPresharedKey(peer, peerConfig.presharedKey ? mustDecode(peerConfig.presharedKey) : null);
    peer.setEndpoint(endpoints[i]);
    peer.timers.persistentKeepaliveMs = (peerConfig.persistentKeepalive ?? 0) * 1000;
    for (const prefix of peerConfig.allowedIps) {
      device.addAllowedIp(peer, prefix.family, addressToBytes(fromIpPrefix(prefix)), prefix.prefix);
    }
  });
}

function mustDecode(key: string): Uint8Array {
  const bytes = decodeKey(key);
  // The parser validated every key; a model that fails here did not come from it.
  if (bytes === null) throw new Error('invalid key in configuration model');
  return bytes;
}
