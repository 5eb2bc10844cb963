/*
 * A bounded flood of valid handshake initiations, run as a child inside namespace A:
 *   node --import ./test/netns/register-ts.mjs test/bench/handshake-flood.ts PARAMS.json
 *
 * Before the clock starts, `count` initiations are built with the engine's own Noise code from many static keys
 * (all of them peers of the responder) with increasing timestamps, so the flood itself costs the generator
 * no Diffie-Hellman. Initiation i uses key i % keys and source address i % sources (one UDP socket each); a key
 * comes round again only after keys/rate seconds, beyond the responder's 20 ms per-peer initiation limit.
 *
 * The cookie path is honoured as a real initiator would: a cookie reply is opened (XChaCha20-Poly1305 under
 * HASH("cookie--" || responder key), the answered mac1 as AD) and the cookie then gives later initiations from
 * that source their mac2. Under load a responder rate-limits each source address to 20 initiations a second
 * (burst 5), so `sources` addresses bound what it can answer: 20 * sources a second.
 *
 * Protocol: prints {"event":"ready"} once built; each `go` line on stdin runs one flood and prints
 * {"event":"result", ...}; any other line (or the end of stdin) ends it.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeKey } from '../../shared/config/keys.js';
import { loadCrypto } from '../../native-helper/crypto/index.js';
import { MESSAGE_TYPE_COOKIE_REPLY, MESSAGE_TYPE_RESPONSE } from '../../native-helper/engine/constants.js';
import { addMacs, createCookieGenerator } from '../../native-helper/engine/cookie.js';
import { COOKIE_REPLY, INITIATION, MAC_SIZE, RESPONSE, readU32LE } from '../../native-helper/engine/messages.js';
import { createInitiation } from '../../native-helper/engine/noise.js';
import { createHandshake } from '../../native-helper/engine/noise-handshake.js';
import { createNoiseContext, createStaticIdentity } from '../../native-helper/engine/noise-protocol.js';
import { writeTai64nParts } from '../../native-helper/engine/tai64n.js';

export interface FloodParams {
  responderPublicKey: string;
  host: string;
  port: number;
  sources: string[];
  privateKeys: string[];
  count: number;
  seconds: number;
  /** Initiations offered a second. */
  rate: number;
}

export interface FloodResult {
  sent: number;
  responses: number;
  cookieReplies: number;
  /** Sources holding a cookie at the end. */
  cookiedSources: number;
  floodSeconds: number;
  buildSeconds: number;
  exhausted: boolean;
}

function emit(event: string, data: object = {}): void {
  process.stdout.write(JSON.stringify({ event, ...data }) + '\n');
}

function key(text: string): Uint8Array {
  const bytes = decodeKey(text);
  if (!bytes) throw new Error(`bad key ${text}`);
  return bytes;
}

const paramsPath = process.argv[2];
if (paramsPath === undefined) throw new Error('usage: handshake-flood.ts PARAMS.json');
const params = JSON.parse(readFileSync(paramsPath, 'utf8')) as FloodParams;
const crypto = loadCrypto();
const ctx = createNoiseContext(crypto);
const responder = key(params.responderPublicKey);
const SIZE = INITIATION.size;

// ---- build ----
const builtAt = performance.now();
const identities = params.privateKeys.map((text) => createStaticIdentity(crypto, key(text)));
if (identities.length === 0) throw new Error('handshake-flood: no private keys to initiate from');
const handshakes = identities.map((identity) => createHandshake(ctx, identity, responder));
const macs = createCookieGenerator(crypto, responder);
const messages = new Uint8Array(params.count * SIZE);
const timestamp = new Uint8Array(12);
const baseSeconds = Math.floor(Date.now() / 1000);
for (let i = 0; i < params.count; i++) {
  const k = i % identities.length;
  writeTai64nParts(timestamp, 0, baseSeconds + Math.floor(i / identities.length), 0);
  const out = messages.subarray(i * SIZE, (i + 1) * SIZE);
  const result = createInitiation(ctx, identities[k]!, handshakes[k]!, out, i + 1, timestamp);
  if (!result.ok) throw new Error(`initiation ${i}: ${result.reason}`);
  addMacs(crypto, macs, out, 0); // mac1; mac2 stays zero until a cookie arrives
}
const buildSeconds = (performance.now() - builtAt) / 1000;

// ---- sockets ----
interface Source {
  socket: dgram.Socket;
  cookie: Uint8Array;
  hasCookie: boolean;
}
let responses = 0;
let cookieReplies = 0;
const opened = new Uint8Array(16);
const sources: Source[] = await Promise.all(
  params.sources.map(
    (address) =>
      new Promise<Source>((resolve, reject) => {
        const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 1 << 20, recvBufferSize: 1 << 20 });
        const source: Source = { socket, cookie: new Uint8Array(16), hasCookie: false };
        socket.on('message', (message) => {
          const type = message.length >= 4 ? readU32LE(message, 0) : 0;
          if (type === MESSAGE_TYPE_RESPONSE && message.length === RESPONSE.size) responses++;
          else if (type === MESSAGE_TYPE_COOKIE_REPLY && message.length === COOKIE_REPLY.size) {
            cookieReplies++;
            const i = readU32LE(message, COOKIE_REPLY.receiverIndex) - 1;
            if (i < 0 || i >= params.count) return;
            const mac1 = messages.subarray(i * SIZE + INITIATION.mac1, i * SIZE + INITIATION.mac1 + MAC_SIZE);
            const nonce = message.subarray(COOKIE_REPLY.nonce, COOKIE_REPLY.encryptedCookie);
            const n = crypto.xopen(
              opened,
              0,
              macs.decryptionKey,
              nonce,
              message,
              COOKIE_REPLY.encryptedCookie,
              COOKIE_REPLY.encryptedCookieSize,
              mac1,
            );
            if (n === 16) {
              source.cookie.set(opened);
              source.hasCookie = true;
            }
          }
        });
        socket.once('error', reject);
        socket.bind({ address, port: 0 }, () => resolve(source));
      }),
  ),
);
if (sources.length === 0) throw new Error('handshake-flood: no source addresses to send from');
emit('ready', { buildSeconds });

// ---- floods, paced in 1 ms steps (a busy loop would take a core from the responder) ----
// Each "go" line runs one flood over the same initiations: a freshly started responder has seen none of them.
async function flood(): Promise<FloodResult> {
  responses = 0;
  cookieReplies = 0;
  for (const source of sources) source.hasCookie = false;
  const start = performance.now();
  const end = start + params.seconds * 1000;
  let next = 0;
  let floodEnd = 0;
  await new Promise<void>((resolve) => {
    const step = () => {
      const now = performance.now();
      if (now >= end || next >= params.count) {
        floodEnd = Math.min(now, end);
        resolve();
        return;
      }
      const due = Math.min(params.count, Math.floor(((now - start) / 1000) * params.rate) + 1);
      for (; next < due; next++) {
        const source = sources[next % sources.length]!;
        const message = messages.subarray(next * SIZE, (next + 1) * SIZE);
        const mac2 = message.subarray(INITIATION.mac2, SIZE);
        if (source.hasCookie) crypto.mac(mac2, source.cookie, message.subarray(0, INITIATION.mac2));
        else mac2.fill(0);
        source.socket.send(message, params.port, params.host);
      }
      setTimeout(step, 1);
    };
    step();
  });
  // Answers to the last initiations are still on their way.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    sent: next,
    responses,
    cookieReplies,
    cookiedSources: sources.filter((s) => s.hasCookie).length,
    floodSeconds: (floodEnd - start) / 1000,
    buildSeconds,
    exhausted: next >= params.count,
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'go') break;
  emit('result', await flood());
}
for (const source of sources) source.socket.close();
