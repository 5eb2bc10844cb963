/*
 * `warren demo`: a working tunnel on a fresh machine, with no server of one's own. Two throwaway network
 * namespaces joined by a veth pair; a peer in one (Debian's wireguard-go configured with wg when installed, else
 * a second Warren), Warren in the other; fresh keys and addresses that exist only inside the namespaces. Then:
 * the handshake, pings, a few seconds of throughput, `warren show`, and a suspend and resume. Whatever happens
 * (success, failure, Ctrl-C), everything it made is taken down again.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeKey } from '../../../shared/config/keys.js';
import { ControlClient } from '../../../shared/ipc/control-client.js';
import type { TunnelStatus } from '../../../shared/ipc/control.js';
import { CONTROL_DIRECTORY } from '../../../shared/ipc/socket-path.js';
import { generatePrivateKey, publicKeyOf } from '../../crypto/keypair.js';
import { bytes, formatShow } from '../format-show.js';
import { text } from '../messages/index.js';
import { packageRoot } from '../version.js';

export interface DemoOutput {
  /** One finished line. */
  line(text: string): void;
  /** A line that is rewritten in place (a progress line) on a terminal; only its last state elsewhere. */
  progress(text: string): void;
}

export interface DemoOptions {
  /** Seconds of throughput (default 3). */
  seconds?: number;
  /** Force the peer: 'wireguard-go' or 'warren' (default: wireguard-go when installed). */
  peer?: 'wireguard-go' | 'warren';
  signal?: AbortSignal;
}

const VETH = { warren: '10.211.0.1', peer: '10.211.0.2' };
const TUNNEL = { warren: '10.212.0.1', peer: '10.212.0.2', warren6: 'fd12::1', peer6: 'fd12::2' };
const PEER_PORT = 51820;
const STREAM_PORT = 5201;

/** Runs the demo; rejects on failure. Aborting (Ctrl-C) tears everything down and rejects at once. */
export async function runDemo(out: DemoOutput, options: DemoOptions = {}): Promise<void> {
  const run = new DemoRun(out, options);
  const aborted = new Promise<never>((_, reject) => {
    options.signal?.addEventListener('abort', () => reject(new Error(text.demo.interrupted)), { once: true });
  });
  try {
    await Promise.race([run.steps(), aborted]);
  } finally {
    await run.teardown();
  }
}

class DemoRun {
  private readonly out: DemoOutput;
  private readonly options: DemoOptions;
  private readonly id = `${process.pid % 100000}`;
  private readonly ns = { warren: `warren-demo-${this.id}-a`, peer: `warren-demo-${this.id}-b` };
  private readonly names = { warren: `wgdemo${this.id}`.slice(0, 15), peer: `wgpeer${this.id}`.slice(0, 15) };
  private readonly dir = mkdtempSync(join(tmpdir(), 'warren-demo-'));
  private readonly children: ChildProcess[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];

  constructor(out: DemoOutput, options: DemoOptions) {
    this.out = out;
    this.options = options;
  }

  async steps(): Promise<void> {
    const { out } = this;
    const peerKind =
      this.options.peer ?? ((await has('wireguard-go')) && (await has('wg')) ? 'wireguard-go' : 'warren');

    out.line(text.demo.namespaces(this.ns.warren, this.ns.peer));
    await this.namespaces();

    const warrenKey = generatePrivateKey();
    const peerKey = generatePrivateKey();
    out.line(text.demo.keys(encodeKey(publicKeyOf(warrenKey)), encodeKey(publicKeyOf(peerKey))));

    const endpoint = `${VETH.peer}:${PEER_PORT}`;
    out.line(peerKind === 'wireguard-go' ? text.demo.peerWireguardGo(endpoint) : text.demo.peerWarren(endpoint));
    await (peerKind === 'wireguard-go'
      ? this.wireguardGoPeer(peerKey, warrenKey)
      : this.warrenPeer(peerKey, warrenKey));

    out.line(text.demo.up(this.names.warren, endpoint));
    await this.warrenUp(warrenKey, peerKey);

    out.line(text.demo.ping);
    await this.ping(TUNNEL.peer);
    await this.ping(TUNNEL.peer6);
    const status = await this.status();
    const peer = status.peers[0];
    if (!peer || peer.latestHandshake === 0) throw new Error(text.demo.noHandshake);
    const handshake = peer.latestHandshake;
    out.line(text.demo.handshake(Math.max(0, Math.round((Date.now() - handshake) / 1000)), peer.endpoint));

    const seconds = this.options.seconds ?? 3;
    out.line(text.demo.throughput(seconds));
    await this.throughput(seconds);

    out.line(text.demo.show);
    for (const line of formatShow([await this.status()], Date.now())
      .trimEnd()
      .split('\n'))
      out.line(`   ${line}`);

    out.line(text.demo.suspend);
    await this.call((client) => client.call('suspend', {}));
    const suspended = await this.status();
    if (suspended.peers[0]?.hasSession) throw new Error(text.demo.keysStillThere);
    out.line(text.demo.noSessionKeys);

    out.line(text.demo.resume);
    await this.call((client) => client.call('resume', {}));
    const resumed = await this.waitFor((s) => {
      const again = s.peers[0];
      return again !== undefined && again.latestHandshake > handshake && again.hasSession;
    }, 10_000);
    // waitFor returned a status its test accepted, so with this peer.
    const rehandshake = resumed.peers[0]!.latestHandshake;
    out.line(text.demo.rehandshake(Math.max(0, Math.round((Date.now() - rehandshake) / 1000))));
    await this.ping(TUNNEL.peer);

    out.line(text.demo.teardown);
  }

  private async namespaces(): Promise<void> {
    for (const ns of [this.ns.warren, this.ns.peer]) {
      await ip('netns', 'add', ns);
      const helperLog = join(CONTROL_DIRECTORY, `helper-${statSync(`/run/netns/${ns}`).ino}.log`);
      this.cleanups.push(async () => {
        await ip('netns', 'del', ns).catch(() => {});
        // The namespace's helper (if one ran) logged beside its socket; the namespace is gone, so is its log.
        rmSync(helperLog, { force: true });
      });
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    await ip(
      'link',
      'add',
      'wd-a',
      'netns',
      this.ns.warren,
      'type',
      'veth',
      'peer',
      'name',
      'wd-b',
      'netns',
      this.ns.peer,
    );
    await ip('-n', this.ns.warren, 'addr', 'add', `${VETH.warren}/24`, 'dev', 'wd-a');
    await ip('-n', this.ns.peer, 'addr', 'add', `${VETH.peer}/24`, 'dev', 'wd-b');
    await ip('-n', this.ns.warren, 'link', 'set', 'wd-a', 'up');
    await ip('-n', this.ns.peer, 'link', 'set', 'wd-b', 'up');
  }

  private async wireguardGoPeer(peerKey: Uint8Array, warrenKey: Uint8Array): Promise<void> {
    const name = this.names.peer;
    // wireguard-go daemonizes itself; the namespace's deletion and `ip link del` stop it.
    await exec('ip', ['netns', 'exec', this.ns.peer, 'wireguard-go', name]);
    this.cleanups.push(async () => {
      await ip('-n', this.ns.peer, 'link', 'del', name).catch(() => {});
      rmSync(`/var/run/wireguard/${name}.sock`, { force: true });
    });
    const keyFile = join(this.dir, 'peer.key');
    writeFileSync(keyFile, encodeKey(peerKey), { mode: 0o600 });
    await this.retry(() =>
      exec('ip', [
        'netns',
        'exec',
        this.ns.peer,
        'wg',
        'set',
        name,
        'private-key',
        keyFile,
        'listen-port',
        String(PEER_PORT),
        'peer',
        encodeKey(publicKeyOf(warrenKey)),
        'allowed-ips',
        `${TUNNEL.warren}/32,${TUNNEL.warren6}/128`,
      ]),
    );
    await ip('-n', this.ns.peer, 'addr', 'add', `${TUNNEL.peer}/24`, 'dev', name);
    await ip('-n', this.ns.peer, 'addr', 'add', `${TUNNEL.peer6}/64`, 'dev', name);
    await ip('-n', this.ns.peer, 'link', 'set', name, 'up');
  }

  private async warrenPeer(peerKey: Uint8Array, warrenKey: Uint8Array): Promise<void> {
    const file = join(this.dir, `${this.names.peer}.conf`);
    writeFileSync(
      file,
      [
        '[Interface]',
        `PrivateKey = ${encodeKey(peerKey)}`,
        `ListenPort = ${PEER_PORT}`,
        `Address = ${TUNNEL.peer}/24, ${TUNNEL.peer6}/64`,
        '',
        '[Peer]',
        `PublicKey = ${encodeKey(publicKeyOf(warrenKey))}`,
        `AllowedIPs = ${TUNNEL.warren}/32, ${TUNNEL.warren6}/128`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    await this.warrenCommand(this.ns.peer, ['up', file]);
    this.cleanups.push(() =>
      this.warrenCommand(this.ns.peer, ['down', this.names.peer]).then(
        () => {},
        () => {},
      ),
    );
  }

  private async warrenUp(warrenKey: Uint8Array, peerKey: Uint8Array): Promise<void> {
    const file = join(this.dir, `${this.names.warren}.conf`);
    writeFileSync(
      file,
      [
        '[Interface]',
        `PrivateKey = ${encodeKey(warrenKey)}`,
        `Address = ${TUNNEL.warren}/24, ${TUNNEL.warren6}/64`,
        '',
        '[Peer]',
        `PublicKey = ${encodeKey(publicKeyOf(peerKey))}`,
        `Endpoint = ${VETH.peer}:${PEER_PORT}`,
        `AllowedIPs = ${TUNNEL.peer}/32, ${TUNNEL.peer6}/128`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    await this.warrenCommand(this.ns.warren, ['up', file]);
    this.cleanups.push(() =>
      this.warrenCommand(this.ns.warren, ['down', this.names.warren]).then(
        () => {},
        () => {},
      ),
    );
  }

  private async ping(address: string): Promise<void> {
    const output = await exec('ip', [
      'netns',
      'exec',
      this.ns.warren,
      'ping',
      '-c',
      '3',
      '-i',
      '0.3',
      '-W',
      '6',
      address,
    ]);
    const summary = output.split('\n').find((l) => l.includes('packets transmitted')) ?? '';
    const rtt = /= [\d.]+\/([\d.]+)\//.exec(output)?.[1];
    this.out.line(text.demo.pingResult(address, summary.trim(), rtt));
    if (!/ 0% packet loss/.test(summary)) throw new Error(text.demo.pingLost(address));
  }

  private async throughput(seconds: number): Promise<void> {
    const script = join(packageRoot(), 'build', 'native-helper', 'cli', 'demo', 'tcp-stream.js');
    const server = this.spawn([
      'ip',
      'netns',
      'exec',
      this.ns.peer,
      process.execPath,
      script,
      'server',
      String(STREAM_PORT),
    ]);
    let last = { ms: 0, bytes: 0, done: false };
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    let pending = '';
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const message = JSON.parse(pending.slice(0, nl)) as {
          listening?: boolean;
          ms: number;
          bytes: number;
          done: boolean;
        };
        pending = pending.slice(nl + 1);
        if (message.listening) {
          listening();
          continue;
        }
        last = message;
        const rate = message.ms > 0 ? (message.bytes * 8) / (message.ms / 1000) / 1e6 : 0;
        const bar = '#'.repeat(Math.min(30, Math.round((message.ms / (seconds * 1000)) * 30))).padEnd(30, '.');
        this.out.progress(
          text.demo.progress(bar, bytes(message.bytes), (message.ms / 1000).toFixed(1), rate.toFixed(0)),
        );
        if (message.done) finished();
      }
    });
    await withTimeout(ready, 5000, text.demo.serverDidNotStart);
    const client = this.spawn([
      'ip',
      'netns',
      'exec',
      this.ns.warren,
      process.execPath,
      script,
      'client',
      TUNNEL.peer,
      String(STREAM_PORT),
      String(seconds),
    ]);
    await withTimeout(done, seconds * 1000 + 10_000, text.demo.transferDidNotFinish);
    client.kill();
    if (last.bytes === 0) throw new Error(text.demo.noData);
    const rate = (last.bytes * 8) / (last.ms / 1000) / 1e6;
    this.out.line(text.demo.arrived(bytes(last.bytes), (last.ms / 1000).toFixed(1), rate.toFixed(0)));
  }

  private spawn([command, ...args]: [string, ...string[]]): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.children.push(child);
    return child;
  }

  /** The Warren namespace's helper, reached through its control socket from here. */
  private async call<T>(request: (client: ControlClient) => Promise<T>): Promise<T> {
    const inode = statSync(`/run/netns/${this.ns.warren}`).ino;
    const client = await ControlClient.connect(join(CONTROL_DIRECTORY, `control-${inode}.sock`));
    try {
      return await request(client);
    } finally {
      client.close();
    }
  }

  private async status(): Promise<TunnelStatus> {
    const [status] = await this.call((client) => client.call('show', { name: this.names.warren }));
    // The helper answers for a name only while that tunnel is up.
    if (!status) throw new Error(text.demo.notUp(this.names.warren));
    return status;
  }

  private async waitFor(ready: (status: TunnelStatus) => boolean, timeoutMs: number): Promise<TunnelStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (ready(status)) return status;
      if (Date.now() > deadline) throw new Error(text.demo.notBack);
      await sleep(100);
    }
  }

  private async warrenCommand(ns: string, args: string[]): Promise<string> {
    return exec('ip', ['netns', 'exec', ns, process.execPath, join(packageRoot(), 'bin', 'warren.js'), ...args]);
  }

  private async retry(step: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await step();
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await sleep(100);
      }
    }
  }

  /** Idempotent: each cleanup runs once, newest first. */
  async teardown(): Promise<void> {
    for (const child of this.children.splice(0)) child.kill('SIGKILL');
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function exec(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${(stderr || stdout || error.message).trim()}`));
      else resolve(stdout);
    });
  });
}

const ip = (...args: string[]) => exec('ip', args);

async function has(command: string): Promise<boolean> {
  return exec('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]);
}
