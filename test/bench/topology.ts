/*
 * The bench's two network namespaces joined by a veth pair, and the cleanup that always runs.
 *
 *   warren-b-<pid>-a  veth-a 10.203.0.1/16  <->  veth-b 10.203.0.2/16  warren-b-<pid>-b
 *   tunnels inside them use 10.204.0.1 (A) and 10.204.0.2 (B); the handshake flood adds 10.203.1.x, 10.203.2.x in A
 *
 * Every address lives inside namespaces made here. cleanup() is synchronous so that it can run from a signal
 * handler or `exit`: it ends whatever still runs inside the namespaces (only processes this bench started
 * there: engines, iperf3, ping, the flood), deletes the namespaces, the stale sockets and the scratch directory.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((path) => existsSync(path)) ?? 'ip';

export const VETH_A = '10.203.0.1';
export const VETH_B = '10.203.0.2';
export const TUNNEL_A = '10.204.0.1';
export const TUNNEL_B = '10.204.0.2';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs argv; rejects with stderr in the message. */
export function run(
  argv: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('run: an empty command');
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 20_000, encoding: 'utf8', maxBuffer: 64 << 20, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${argv.join(' ').slice(0, 300)}: ${error.message.trim()} ${stderr.trim()}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Topology {
  readonly a: string;
  readonly b: string;
  /** Scratch directory for keys, configurations, logs and profiles. */
  readonly dir: string;
  /** Extra source addresses in A (the handshake flood's), added once. */
  floodSources: string[] = [];
  private readonly namespaces: string[] = [];
  /** Socket files a killed engine may leave behind. */
  private readonly leftovers = new Set<string>();
  private cleaned = false;

  constructor() {
    this.a = `warren-b-${process.pid}-a`;
    this.b = `warren-b-${process.pid}-b`;
    this.dir = mkdtempSync(join(tmpdir(), 'warren-bench-'));
  }

  create(): void {
    for (const ns of [this.a, this.b]) {
      execFileSync(IP, ['netns', 'add', ns], { stdio: 'pipe' });
      this.namespaces.push(ns);
      execFileSync(IP, ['-n', ns, 'link', 'set', 'lo', 'up'], { stdio: 'pipe' });
    }
    execFileSync(
      IP,
      ['-n', this.a, 'link', 'add', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b', 'netns', this.b],
      { stdio: 'pipe' },
    );
    execFileSync(IP, ['-n', this.a, 'addr', 'add', `${VETH_A}/16`, 'dev', 'veth-a'], { stdio: 'pipe' });
    execFileSync(IP, ['-n', this.b, 'addr', 'add', `${VETH_B}/16`, 'dev', 'veth-b'], { stdio: 'pipe' });
    execFileSync(IP, ['-n', this.a, 'link', 'set', 'veth-a', 'up'], { stdio: 'pipe' });
    execFileSync(IP, ['-n', this.b, 'link', 'set', 'veth-b', 'up'], { stdio: 'pipe' });
  }

  /** `count` more IPv4 addresses on veth-a (10.203.1.1 onwards), for a flood from many sources. */
  addFloodSources(count: number): string[] {
    const have = this.floodSources.length;
    const lines: string[] = [];
    for (let i = have; i < count; i++) {
      const address = `10.203.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
      this.floodSources.push(address);
      lines.push(`addr add ${address}/32 dev veth-a`);
    }
    if (lines.length > 0)
      execFileSync(IP, ['-n', this.a, '-batch', '-'], {
        input: lines.join('\n') + '\n',
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    return this.floodSources.slice(0, count);
  }

  /** argv run inside a namespace. */
  inside(ns: string, argv: readonly string[]): string[] {
    return [IP, 'netns', 'exec', ns, ...argv];
  }

  exec(
    ns: string,
    argv: readonly string[],
    options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunResult> {
    return run(this.inside(ns, argv), options);
  }

  /** The namespace's inode: what /proc/self/ns/net shows inside it, hence Warren's control socket name. */
  inode(ns: string): string {
    return String(statSync(`/run/netns/${ns}`).ino);
  }

  pids(ns: string): number[] {
    const result = spawnSync(IP, ['netns', 'pids', ns], { encoding: 'utf8' });
    return (result.stdout ?? '')
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  }

  /** Pids inside `ns` whose command line contains every one of `words`. */
  findPids(ns: string, words: readonly string[]): number[] {
    return this.pids(ns).filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        return words.every((word) => cmdline.includes(word));
      } catch {
        return false;
      }
    });
  }

  rememberLeftover(path: string): void {
    this.leftovers.add(path);
  }

  /** Synchronous and idempotent; safe from a signal handler. */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    const inodes: string[] = [];
    for (const ns of this.namespaces) {
      try {
        inodes.push(this.inode(ns));
      } catch {
        // already gone
      }
    }
    // SIGTERM first (a Warren helper then restores what it changed), SIGKILL what is left after 3 s.
    const signal = (sig: NodeJS.Signals): number => {
      let alive = 0;
      for (const ns of this.namespaces) {
        for (const pid of this.pids(ns)) {
          try {
            process.kill(pid, sig);
            alive++;
          } catch {
            // gone
          }
        }
      }
      return alive;
    };
    if (signal('SIGTERM') > 0) {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && this.namespaces.some((ns) => this.pids(ns).length > 0))
        spawnSync('sleep', ['0.1']);
      signal('SIGKILL');
    }
    for (const ns of this.namespaces.splice(0)) spawnSync(IP, ['netns', 'del', ns], { stdio: 'ignore' });
    for (const inode of inodes) {
      this.leftovers.add(`/run/warren/control-${inode}.sock`);
      this.leftovers.add(`/run/warren/helper-${inode}.log`);
    }
    for (const path of this.leftovers) rmSync(path, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs cleanup on SIGINT/SIGTERM (then exits 130/143) and on exit. */
  cleanupOnSignals(): void {
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\n${sig}: cleaning up\n`);
      this.cleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', () => this.cleanup());
  }
}
