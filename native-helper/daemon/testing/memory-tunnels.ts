/*
 * Test support for the daemon in memory (memory-host.ts): key pairs, the wg-quick text of a tunnel, a peer
 * tunnel on another host to handshake with, packets to send through a tunnel, and a wait for what happens
 * asynchronously (batches arrive on setImmediate, handshakes take a few round trips).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeKey } from '../../../shared/config/keys.js';
import type { TunnelConfig } from '../../../shared/config/model.js';
import { parseConfig } from '../../../shared/config/parse.js';
import { loadCrypto } from '../../crypto/index.js';
import { generatePrivateKey, publicKeyOf } from '../../crypto/keypair.js';
import type { CryptoPrimitives } from '../../crypto/primitives.js';
import { ipv4Packet, payloadOf } from '../../engine/testing/packets.js';
import { Tunnel } from '../tunnel.js';
import type { MemoryHost } from './memory-host.js';

let crypto: CryptoPrimitives | undefined;

/** The helper's crypto, loaded once. */
export function testCrypto(): CryptoPrimitives {
  crypto ??= loadCrypto();
  return crypto;
}

export interface KeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

export function keyPair(): KeyPair {
  const key = generatePrivateKey();
  return { privateKey: encodeKey(key), publicKey: encodeKey(publicKeyOf(key)) };
}

export interface TunnelTextOptions {
  key: KeyPair;
  /** The Address line's value. */
  address: string;
  listenPort?: number;
  peer: KeyPair;
  allowedIps: string;
  /** The peer's endpoint; none: it is learnt from the peer's handshake. */
  endpoint?: string;
  /** More [Interface] lines (DNS = ..., MTU = ...). */
  interfaceLines?: string[];
}

/** A wg-quick text with one peer. */
export function tunnelText(options: TunnelTextOptions): string {
  const lines = [
    '[Interface]',
    `PrivateKey = ${options.key.privateKey}`,
    `Address = ${options.address}`,
    ...(options.listenPort === undefined ? [] : [`ListenPort = ${options.listenPort}`]),
    ...(options.interfaceLines ?? []),
    '',
    '[Peer]',
    `PublicKey = ${options.peer.publicKey}`,
    `AllowedIPs = ${options.allowedIps}`,
    ...(options.endpoint === undefined ? [] : [`Endpoint = ${options.endpoint}`]),
  ];
  return `${lines.join('\n')}\n`;
}

export function parsed(text: string): TunnelConfig {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(`test config does not parse: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The peer's side, as a server (no endpoint: it answers whoever handshakes with its key). */
export interface PeerTunnel {
  readonly tunnel: Tunnel;
  readonly key: KeyPair;
  /** Its tunnel address. */
  readonly address: string;
}

/**
 * A tunnel named `name` on `host`, listening on `port`, with `address`, that accepts the peer `peerKey` for
 * `peerAllowedIps`: the other end for a tunnel under test.
 */
export async function startPeerTunnel(
  host: MemoryHost,
  options: {
    name: string;
    port: number;
    address: string;
    peerKey: KeyPair;
    peerAllowedIps: string;
    uapiDirectory: string;
  },
): Promise<PeerTunnel> {
  const key = keyPair();
  const config = parsed(
    tunnelText({
      key,
      address: `${options.address}/32`,
      listenPort: options.port,
      peer: options.peerKey,
      allowedIps: options.peerAllowedIps,
    }),
  );
  const tunnel = await Tunnel.start({
    name: options.name,
    config,
    host,
    crypto: testCrypto(),
    uapiDirectory: options.uapiDirectory,
  });
  return { tunnel, key, address: options.address };
}

/** An IPv4 packet `from` -> `to` (tunnel addresses) with a payload marked `tag`. */
export function packet(from: string, to: string, tag: number): Uint8Array {
  return ipv4Packet({ src: from, dst: to, payload: payloadOf(tag, 40) });
}

/** Waits until `check` passes (returns true, or does not throw), or fails with its last complaint. */
export async function eventually(
  check: () => boolean | void | Promise<boolean | void>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let complaint: unknown = 'the condition stayed false';
    try {
      if ((await check()) !== false) return;
    } catch (error) {
      complaint = error;
    }
    if (Date.now() > deadline) throw complaint instanceof Error ? complaint : new Error(String(complaint));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
