/*
 * A wg-quick model applied to an engine device, as `wg setconf` would: private key, peers with their preshared
 * keys, endpoints (already resolved to addresses), keepalives and allowed IPs. Hostnames are resolved here, once,
 * as wg(8) resolves them before configuring a device.
 *
 * A hostname that cannot be looked up falls back to the address it last resolved to (EndpointMemory, kept in the
 * store's state), so a tunnel whose kill switch is held (after a crash), or that comes up at boot before DNS
 * works, still connects; it is looked up again once the tunnel is up and on every change of the network. Why not
 * let the lookup through the kill switch instead: the lookup goes to whatever resolver the system has (the LAN's,
 * the ISP's), in the clear, so an allowance for it would be a DNS hole for every program on the machine, which is
 * the leak the kill switch exists to stop; and the resolver could be anywhere, so no narrow rule (Mullvad's: its
 * own resolver, for its own relay names only) fits a tunnel to any server. The remembered address is the one the
 * user's own configuration led to last time; a peer that moved since is found by the lookup that follows.
 */
import { lookup } from 'node:dns/promises';
import { decodeKey } from '../../shared/config/keys.js';
import {
  type IpAddress,
  addressToBytes,
  formatIpAddress,
  fromIpPrefix,
  parseIpAddress,
} from '../../shared/config/ip.js';
import type { Endpoint, TunnelConfig } from '../../shared/config/model.js';
import type { Device } from '../engine/device.js';
import { endpointEquals, formatEndpoint, newEndpoint, writeEndpoint } from '../engine/endpoint.js';

/** The addresses endpoint hostnames last resolved to, kept between runs (never anything else of a tunnel). */
export interface EndpointMemory {
  /** The address `host` last resolved to, or undefined. */
  recall(host: string): string | undefined;
  /** A lookup of `host` answered `address`. */
  remember(host: string, address: string): void;
  /** The lookup of `host` failed and its remembered address stands in. */
  stoodIn?(host: string): void;
}

/** How long a lookup may take when a remembered address can stand in (a resolver that drops us never answers). */
export const LOOKUP_WITH_FALLBACK_MS = 3000;
/**
 * How long any other lookup may take. getaddrinfo has no deadline of its own: a resolver that drops packets costs
 * resolv.conf's timeout times its attempts, for each server and each address family, and one that is wedged
 * never answers, all inside a tunnel's `up` (or a re-resolve). A working resolver answers in well under a second;
 * 10 s leaves room for a slow one and its retries and still fails the `up` while the user is watching.
 */
export const LOOKUP_MS = 10_000;

/** The system resolver's answer for a host, as node:dns/promises' lookup gives it. */
export type Lookup = (host: string) => Promise<{ address: string }>;

export interface LookupOptions {
  /** node:dns/promises' lookup by default; tests hand in their own. */
  lookup?: Lookup;
  /** The bound on a lookup with nothing to fall back on (default LOOKUP_MS). */
  lookupTimeoutMs?: number;
}

export interface ResolveOptions extends LookupOptions {
  memory?: EndpointMemory;
  log?: (message: string) => void;
  /** The bound on a lookup that has a remembered address to fall back on (default LOOKUP_WITH_FALLBACK_MS). */
  fallbackAfterMs?: number;
}

/**
 * The endpoint record of each peer (null: none), in config order. A hostname that cannot be looked up takes the
 * address it last resolved to (options.memory), if any; else rejects naming the host that failed.
 */
export async function resolveEndpoints(
  config: TunnelConfig,
  options: ResolveOptions = {},
): Promise<(Uint8Array | null)[]> {
  return Promise.all(config.peers.map((peer) => (peer.endpoint ? resolveOrRecall(peer.endpoint, options) : null)));
}

async function resolveOrRecall(endpoint: Endpoint, options: ResolveOptions): Promise<Uint8Array> {
  const remembered = parseIpAddress(endpoint.host).ok ? undefined : options.memory?.recall(endpoint.host);
  const timeoutMs =
    remembered === undefined
      ? (options.lookupTimeoutMs ?? LOOKUP_MS)
      : (options.fallbackAfterMs ?? LOOKUP_WITH_FALLBACK_MS);
  try {
    return await resolveEndpoint(endpoint, options.memory, { lookup: options.lookup, lookupTimeoutMs: timeoutMs });
  } catch (error) {
    const address = remembered === undefined ? null : parseIpAddress(remembered);
    if (address === null || !address.ok) throw error;
    options.log?.(
      `${(error as Error).message}; using the address it last resolved to, ${remembered}, until a lookup works`,
    );
    options.memory?.stoodIn?.(endpoint.host);
    return endpointRecord(address.value, endpoint.port);
  }
}

async function resolveEndpoint(
  endpoint: Endpoint,
  memory: EndpointMemory | undefined,
  options: LookupOptions,
): Promise<Uint8Array> {
  let address = parseIpAddress(endpoint.host);
  if (!address.ok) {
    const timeoutMs = options.lookupTimeoutMs ?? LOOKUP_MS;
    try {
      const found = await withTimeout((options.lookup ?? lookup)(endpoint.host), timeoutMs);
      address = parseIpAddress(found.address);
    } catch (error) {
      const why =
        error === TIMED_OUT
          ? `the lookup timed out after ${timeoutMs} ms`
          : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      throw new Error(`cannot resolve Endpoint host ${endpoint.host}: ${why}`, { cause: error });
    }
    if (!address.ok) throw new Error(`Endpoint host ${endpoint.host} resolved to an unusable address`);
    memory?.remember(endpoint.host, formatIpAddress(address.value));
  }
  return endpointRecord(address.value, endpoint.port);
}

function endpointRecord(address: IpAddress, port: number): Uint8Array {
  const record = newEndpoint();
  writeEndpoint(record, 0, address.family, addressToBytes(address), port);
  return record;
}

const TIMED_OUT = new Error('timed out');

/** The lookup, or TIMED_OUT after `ms` (the lookup itself goes on in libuv's pool, and its answer is dropped). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * wg-quick's reresolve-dns.sh for one device: every peer endpoint written as a hostname is looked up again and
 * set when the answer differs from the endpoint in use. Endpoints written as addresses are left alone (they
 * cannot change, and setting them would undo a peer's roaming). A failed or timed-out lookup keeps what there is.
 */
export async function reresolveEndpoints(
  device: Device,
  config: TunnelConfig,
  log: (message: string) => void,
  memory?: EndpointMemory,
  options: LookupOptions = {},
): Promise<number> {
  const named = config.peers.filter((peer) => peer.endpoint !== undefined && !parseIpAddress(peer.endpoint.host).ok);
  const results = await Promise.allSettled(named.map((peer) => resolveEndpoint(peer.endpoint!, memory, options)));
  let changed = 0;
  results.forEach((result, i) => {
    // allSettled answers for each of `named`, in order.
    const peerConfig = named[i]!;
    const host = peerConfig.endpoint!.host;
    if (result.status === 'rejected') {
      log(`${(result.reason as Error).message}; keeping the current endpoint`);
      return;
    }
    const peer = device.findPeer(mustDecode(peerConfig.publicKey));
    if (peer === undefined || endpointEquals(peer.endpoint, 0, result.value, 0)) return;
    peer.setEndpoint(result.value);
    changed++;
    log(`${host} now resolves to ${formatEndpoint(result.value)}; endpoint updated`);
  });
  return changed;
}

/** `endpoints` has one record (or null) for each of config's peers, in order: what resolveEndpoints returns. */
export function configureDevice(device: Device, config: TunnelConfig, endpoints: readonly (Uint8Array | null)[]): void {
  device.setPrivateKey(mustDecode(config.interface.privateKey));
  config.peers.forEach((peerConfig, i) => {
    const peer = device.addPeer(mustDecode(peerConfig.publicKey));
    if (peer === null) return; // our own public key: wg ignores such a peer
    device.setPresharedKey(peer, peerConfig.presharedKey ? mustDecode(peerConfig.presharedKey) : null);
    peer.setEndpoint(endpoints[i]!);
    peer.setPersistentKeepalive(peerConfig.persistentKeepalive ?? 0);
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
