/*
 * The interop suites' topology: two network namespaces the test creates (namespace.ts), joined by one veth pair,
 *
 *   a: veth0 10.201.0.1/24 --- veth0 10.201.0.2/24 :b       underlay, UDP port 51820 on each side
 *      tunnel 10.202.0.1/24, fd02::1/64     10.202.0.2/24, fd02::2/64
 *
 * with a WireGuard peer in each (interop-site.ts): Warren (`warren up FILE`, the real binary, run inside with
 * `ip netns exec`) or Debian's wireguard-go configured with the real wg(8). No other address is used, and
 * cleanup() undoes everything, also after a failure: `warren down`, wireguard-go stopped, namespaces (and whatever
 * still runs in them) deleted, socket files left by a killed process and helper logs removed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child.js';
import { sleep } from './interop-inspect.js';
import { CONTROL_DIRECTORY, type Kind, PORT, Site } from './interop-site.js';
import { IP, type TestNamespace, createNamespace, run } from './namespace.js';
import { accepts } from './socket-accepts.js';

export interface PeerOptions {
  /** The peer's AllowedIPs as this site sees them; default its /32 and /128. */
  allowedIps?: string[];
}

let transferCounter = 0;

export class Topology {
  readonly a: Site;
  readonly b: Site;
  readonly dir: string;
  readonly #children: Child[] = [];

  private constructor(a: Site, b: Site, dir: string) {
    this.a = a;
    this.b = b;
    this.dir = dir;
  }

  /** The namespaces and the veth between them; nothing WireGuard yet (see start()). */
  static async create(kinds: [Kind, Kind]): Promise<Topology> {
    const dir = mkdtempSync(join(tmpdir(), 'warren-interop-'));
    const made: TestNamespace[] = [];
    try {
      const na = await createNamespace();
      made.push(na);
      const nb = await createNamespace();
      made.push(nb);
      await run([IP, '-n', na.name, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth0', 'netns', nb.name]);
      const topology = new Topology(new Site(na, kinds[0], 1), new Site(nb, kinds[1], 2), dir);
      for (const site of [topology.a, topology.b]) {
        // No IPv6 link-local address either: its late arrival (after DAD) would change the routes under a test.
        await run([IP, '-n', site.ns.name, 'link', 'set', 'veth0', 'addrgenmode', 'none']);
        await run([IP, '-n', site.ns.name, 'addr', 'add', `${site.underlay}/24`, 'dev', 'veth0']);
        await run([IP, '-n', site.ns.name, 'link', 'set', 'veth0', 'up']);
      }
      return topology;
    } catch (error) {
      for (const ns of made) await ns.remove();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  other(site: Site): Site {
    return site === this.a ? this.b : this.a;
  }

  /** Brings site's tunnel up (Warren or wireguard-go) with the other site as its one peer. */
  async start(site: Site, options: PeerOptions = {}): Promise<void> {
    const peer = this.other(site);
    const allowedIps = options.allowedIps ?? [`${peer.tunnel4}/32`, `${peer.tunnel6}/128`];
    const endpoint = `${peer.underlay}:${PORT}`;
    if (site.kind === 'warren') {
      const file = this.writeWarrenConfig(site, peer, allowedIps, endpoint);
      const result = await site.warren('up', file);
      if (result.status !== 0)
        throw new Error(`warren up ${file} failed (${result.status}): ${result.stderr}\n${site.logTail()}`);
    } else {
      await this.startWireguardGo(site, peer, allowedIps, endpoint);
    }
  }

  private writeWarrenConfig(site: Site, peer: Site, allowedIps: string[], endpoint: string): string {
    const file = join(this.dir, `${site.name}.conf`);
    const lines = [
      '[Interface]',
      `PrivateKey = ${site.keys.privateKey}`,
      `ListenPort = ${PORT}`,
      `Address = ${site.tunnel4}/24, ${site.tunnel6}/64`,
      '',
      '[Peer]',
      `PublicKey = ${peer.keys.publicKey}`,
      `AllowedIPs = ${allowedIps.join(', ')}`,
      `Endpoint = ${endpoint}`,
      '',
    ];
    writeFileSync(file, lines.join('\n'), { mode: 0o600 });
    return file;
  }

  /** wireguard-go in the foreground as our child (so it is ours to kill), configured with wg(8) once its UAPI
   *  socket answers, then addresses and link up as wg-quick would. */
  private async startWireguardGo(site: Site, peer: Site, allowedIps: string[], endpoint: string): Promise<void> {
    const child = spawn(IP, ['netns', 'exec', site.ns.name, 'wireguard-go', '-f', site.name], {
      env: { ...process.env, LOG_LEVEL: 'error', WG_PROCESS_FOREGROUND: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    site.wireguardGo = child;
    const collect = (chunk: Buffer) => {
      site.wireguardGoOutput += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // Waiting for the UAPI socket to accept a connection, not polling with wg(8): wg unlinks a socket that
    // refuses it (its clean-up of a dead daemon's socket), and a poll that lands between wireguard-go's bind()
    // and listen() takes the socket away under it ("Failed to listen on uapi socket: no such file or directory").
    const deadline = Date.now() + 5000;
    while (!(await accepts(site.uapiSocket))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`wireguard-go ${site.name} did not start: ${site.wireguardGoOutput}`);
      }
      await sleep(50);
    }
    const keyFile = join(this.dir, `${site.name}.key`);
    writeFileSync(keyFile, `${site.keys.privateKey}\n`, { mode: 0o600 });
    const set = await site.wg(
      'set',
      site.name,
      'listen-port',
      String(PORT),
      'private-key',
      keyFile,
      'peer',
      peer.keys.publicKey,
      'allowed-ips',
      allowedIps.join(','),
      'endpoint',
      endpoint,
    );
    if (set.status !== 0) throw new Error(`wg set ${site.name}: ${set.stderr}`);
    await site.ns.exec([IP, 'address', 'add', `${site.tunnel4}/24`, 'dev', site.name]);
    await site.ns.exec([IP, 'address', 'add', `${site.tunnel6}/64`, 'dev', site.name, 'nodad']);
    await site.ns.exec([IP, 'link', 'set', site.name, 'mtu', '1420', 'up']);
  }

  async stopWireguardGo(site: Site): Promise<void> {
    const child = site.wireguardGo;
    site.wireguardGo = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** A fixture child (child.ts) in site's namespace, killed by cleanup() if still running. */
  child(site: Site, fixture: string, args: unknown): Child {
    const child = new Child(site.ns.name, fixture, args);
    this.#children.push(child);
    return child;
  }

  /**
   * `bytes` over TCP from `from` to `to` through the tunnel (IPv4 or IPv6 tunnel addresses); resolves with both
   * ends' byte counts and SHA-256.
   */
  async transfer(from: Site, to: Site, bytes: number, options: { family?: 4 | 6; timeoutMs?: number } = {}) {
    const host = options.family === 6 ? to.tunnel6 : to.tunnel4;
    const port = 5000 + (transferCounter++ % 1000);
    const timeoutMs = options.timeoutMs ?? 20_000;
    const sink = this.child(to, 'tcp-peer.ts', { mode: 'sink', host, port, bytes });
    try {
      await sink.next('listening', 8000);
      const source = this.child(from, 'tcp-peer.ts', { mode: 'source', host, port, bytes });
      try {
        const sent = await source.next('sent', timeoutMs);
        const received = await sink.next('received', timeoutMs);
        return {
          sent: { bytes: sent.bytes as number, sha256: sent.sha256 as string },
          received: { bytes: received.bytes as number, sha256: received.sha256 as string },
        };
      } finally {
        source.kill();
      }
    } finally {
      sink.kill();
    }
  }

  /**
   * Everything back as it was, whatever state a failed test left: Warren tunnels down (gracefully, so their
   * helpers exit), wireguard-go stopped, fixtures killed, namespaces deleted (with any process still inside),
   * socket files of killed processes and helper logs removed. Never throws.
   */
  async cleanup(): Promise<void> {
    for (const child of this.#children.splice(0)) child.kill();
    for (const site of [this.a, this.b]) {
      try {
        if (site.kind === 'warren' && existsSync(`/run/netns/${site.ns.name}`) && existsSync(site.controlSocket)) {
          await site.warren('down', site.name);
        }
        await this.stopWireguardGo(site);
      } catch {
        // carried on below: the namespace's removal kills whatever is left
      }
    }
    for (const site of [this.a, this.b]) {
      let id: string | null = null;
      try {
        id = site.namespaceId;
      } catch {
        // namespace already gone
      }
      await site.ns.remove();
      rmSync(site.uapiSocket, { force: true });
      if (id !== null) {
        try {
          site.savedLog = readFileSync(join(CONTROL_DIRECTORY, `helper-${id}.log`), 'utf8');
        } catch {
          // no helper ran here
        }
        rmSync(join(CONTROL_DIRECTORY, `control-${id}.sock`), { force: true });
        rmSync(join(CONTROL_DIRECTORY, `helper-${id}.log`), { force: true });
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
