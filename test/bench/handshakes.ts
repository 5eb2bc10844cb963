/*
 * Handshakes a second a responder sustains under a flood of valid initiations from many keys and source addresses,
 * with the cookie path on (see handshake-flood.ts). The responder runs in B with every flood key as a peer; the
 * generator runs in A, built once and reused for every responder started afresh.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { encodeKey } from '../../shared/config/keys.js';
import { loadCrypto } from '../../native-helper/crypto/index.js';
import { createStaticIdentity } from '../../native-helper/engine/noise-protocol.js';
import { type Engine, type EngineKind, type KeyPair, type EngineOptions, startEngine } from './engines.js';
import type { FloodParams, FloodResult } from './handshake-flood.js';
import { CpuWindow, type Memory, memory, udpDrops, warrenDrops } from './measure.js';
import { VETH_B, type Topology } from './topology.js';

const REGISTER = fileURLToPath(new URL('../netns/register-ts.mjs', import.meta.url));
const FLOOD = fileURLToPath(new URL('./handshake-flood.ts', import.meta.url));
export const RESPONDER_PORT = 51900;

export interface HandshakeSettings {
  keys: number;
  sources: number;
  rate: number;
  seconds: number;
}

export interface HandshakeRun {
  kind: EngineKind;
  result: FloodResult;
  responsesPerSecond: number;
  cookieRepliesPerSecond: number;
  offeredPerSecond: number;
  responderCpuPercent: number;
  responderMemory: Memory;
  /** Datagrams the responder's UDP sockets dropped (receive buffer full) during the flood. */
  socketDrops: number;
  /** Warren only: the device's drop counters after the flood, as `warren show` prints them. */
  engineDrops: string | null;
}

/** Key pairs made in-process (a `wg genkey` per key would take seconds). */
export function makeKeys(count: number): KeyPair[] {
  const crypto = loadCrypto();
  const keys: KeyPair[] = [];
  for (let i = 0; i < count; i++) {
    const secret = new Uint8Array(32);
    crypto.randomFill(secret);
    const identity = createStaticIdentity(crypto, secret);
    keys.push({ privateKey: encodeKey(identity.privateKey), publicKey: encodeKey(identity.publicKey) });
  }
  return keys;
}

export class FloodGenerator {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  private stderr = '';
  private exited = false;

  private constructor(topology: Topology, paramsFile: string) {
    this.child = spawn('ip', ['netns', 'exec', topology.a, process.execPath, '--import', REGISTER, FLOOD, paramsFile]);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.waiter?.();
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.on('exit', () => {
      this.exited = true;
      this.waiter?.();
    });
  }

  /** Builds the initiations (takes a few seconds) and opens one socket per source address in A. */
  static async start(
    topology: Topology,
    responder: KeyPair,
    floodKeys: KeyPair[],
    settings: HandshakeSettings,
  ): Promise<FloodGenerator> {
    const params: FloodParams = {
      responderPublicKey: responder.publicKey,
      host: VETH_B,
      port: RESPONDER_PORT,
      sources: topology.addFloodSources(settings.sources),
      privateKeys: floodKeys.map((k) => k.privateKey),
      count: Math.ceil(settings.rate * settings.seconds),
      seconds: settings.seconds,
      rate: settings.rate,
    };
    const file = join(topology.dir, 'flood.json');
    writeFileSync(file, JSON.stringify(params), { mode: 0o600 });
    const generator = new FloodGenerator(topology, file);
    await generator.next('ready', 120_000);
    return generator;
  }

  async flood(): Promise<FloodResult> {
    this.child.stdin.write('go\n');
    return (await this.next('result', 60_000)) as unknown as FloodResult;
  }

  close(): void {
    if (!this.exited) this.child.stdin.end('exit\n');
  }

  private async next(event: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.lines.length > 0) {
        const message = JSON.parse(this.lines.shift()!) as { event: string } & Record<string, unknown>;
        if (message.event === event) return message;
      }
      if (this.exited) throw new Error(`the flood generator exited before '${event}':\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no '${event}' from the flood generator:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }
}

/** One responder of `kind` in B, flooded once, then stopped. */
export async function handshakeRun(
  topology: Topology,
  generator: FloodGenerator,
  kind: EngineKind,
  responder: KeyPair,
  floodKeys: KeyPair[],
  warren: EngineOptions,
): Promise<HandshakeRun> {
  const engine: Engine = await startEngine(
    topology,
    {
      kind,
      ns: topology.b,
      ifname: `wb${process.pid % 100000}h`,
      keys: responder,
      listenPort: RESPONDER_PORT,
      mtu: 1420,
      peers: floodKeys.map((k) => ({ publicKey: k.publicKey })),
    },
    warren,
  );
  try {
    const dropsBefore = await udpDrops(topology, topology.b, RESPONDER_PORT);
    const window = new CpuWindow([engine.pid]);
    const result = await generator.flood();
    const cpu = window.stop();
    const socketDrops = (await udpDrops(topology, topology.b, RESPONDER_PORT)) - dropsBefore;
    let engineDrops: string | null = null;
    if (kind === 'warren') {
      engineDrops = await warrenDrops(topology, topology.b, warren.entry, engine.spec.ifname);
    }
    return {
      kind,
      result,
      responsesPerSecond: result.responses / result.floodSeconds,
      cookieRepliesPerSecond: result.cookieReplies / result.floodSeconds,
      offeredPerSecond: result.sent / result.floodSeconds,
      responderCpuPercent: cpu.percent[0]!, // the one pid watched
      responderMemory: memory(engine.pid),
      socketDrops,
      engineDrops,
    };
  } finally {
    await engine.stop();
  }
}
