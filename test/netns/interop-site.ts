/*
 * One side of an interop topology (interop-harness.ts): a network namespace of the test's own with its
 * addresses, keys and tunnel name, and the commands a test runs there: `warren`, `wg`, `ping`. Interface names
 * carry the test process's pid, as /var/run/wireguard is shared by every namespace.
 */
import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../../shared/ipc/control-client.js';
import type { TunnelStatus } from '../../shared/ipc/control.js';
import { IP, type TestNamespace, canCreateNamespaces, run } from './namespace.js';

export const WARREN = fileURLToPath(new URL('../../bin/warren.js', import.meta.url));
export const UAPI_DIRECTORY = '/var/run/wireguard';
export const CONTROL_DIRECTORY = '/run/warren';
/** Every side listens on this UDP port (each in its own namespace). */
export const PORT = 51820;

export const onPath = (command: string) =>
  (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));

/** Root, /dev/net/tun, iproute2, wg and wireguard-go: what these suites need (test/setup-machine.mjs installs them). */
export const canRunInterop =
  canCreateNamespaces && existsSync('/dev/net/tun') && onPath('wg') && onPath('wireguard-go');

export type Kind = 'warren' | 'wireguard-go';

export interface Keys {
  privateKey: string;
  publicKey: string;
}

export function generateKeys(): Keys {
  const privateKey = execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
  const publicKey = execFileSync('wg', ['pubkey'], { input: privateKey, encoding: 'utf8' }).trim();
  return { privateKey, publicKey };
}

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs argv, with `input` on its stdin if given; never rejects: a failure is a status (124 on timeout, as
 *  timeout(1)). */
export function execute(argv: readonly string[], timeoutMs = 15_000, input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('execute: an empty command');
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : error.killed ? 124 : 1;
        resolve({ status, stdout, stderr });
      },
    );
    if (input !== undefined) {
      child.stdin?.on('error', () => {}); // a command that exits without reading it
      child.stdin?.end(input);
    }
  });
}

let interfaceCounter = 0;

export class Site {
  readonly ns: TestNamespace;
  readonly kind: Kind;
  /** The tunnel interface, also the UAPI socket's name. */
  readonly name: string;
  readonly underlay: string;
  readonly tunnel4: string;
  readonly tunnel6: string;
  readonly keys: Keys;
  /** The foreground wireguard-go, for kind 'wireguard-go'. */
  wireguardGo: ChildProcess | null = null;
  wireguardGoOutput = '';
  /** The helper's log as Topology.cleanup() found it before removing it, for a failure reported after cleanup. */
  savedLog: string | null = null;

  constructor(ns: TestNamespace, kind: Kind, host: number) {
    this.ns = ns;
    this.kind = kind;
    this.name = `wt${process.pid}x${interfaceCounter++}`;
    this.underlay = `10.201.0.${host}`;
    this.tunnel4 = `10.202.0.${host}`;
    this.tunnel6 = `fd02::${host}`;
    this.keys = generateKeys();
  }

  /** The inode of the namespace, which names the Warren helper's control socket and log. */
  get namespaceId(): string {
    return String(statSync(`/run/netns/${this.ns.name}`).ino);
  }

  get controlSocket(): string {
    return join(CONTROL_DIRECTORY, `control-${this.namespaceId}.sock`);
  }

  get helperLog(): string {
    return join(CONTROL_DIRECTORY, `helper-${this.namespaceId}.log`);
  }

  get uapiSocket(): string {
    return join(UAPI_DIRECTORY, `${this.name}.sock`);
  }

  /** argv run inside this namespace. */
  exec(argv: readonly string[], timeoutMs?: number): Promise<Result> {
    return execute([...this.ns.prefix, ...argv], timeoutMs);
  }

  warren(...args: string[]): Promise<Result> {
    return this.exec([process.execPath, WARREN, ...args]);
  }

  wg(...args: string[]): Promise<Result> {
    return this.exec(['wg', ...args]);
  }

  /** `ping` with `count` echoes 0.2 s apart; ok only when every one was answered within `deadline` seconds. */
  async ping(target: string, options: { count?: number; deadline?: number } = {}): Promise<Result & { ok: boolean }> {
    const count = options.count ?? 3;
    const result = await this.exec(
      ['ping', '-n', '-c', String(count), '-i', '0.2', '-w', String(options.deadline ?? 5), target],
      30_000,
    );
    return { ...result, ok: result.status === 0 };
  }

  /** The helper's status of this tunnel, straight from its control socket (a path, reachable from any
   *  namespace): what `warren show` prints and what it does not (hasSession). */
  async status(): Promise<TunnelStatus> {
    const client = await ControlClient.connect(this.controlSocket);
    try {
      const [status] = await client.call('show', { name: this.name });
      if (status === undefined) throw new Error(`the helper shows no status for ${this.name}`);
      return status;
    } finally {
      client.close();
    }
  }

  /** PIDs of the Warren helpers (`warren daemon`) running in this namespace. */
  async helperPids(): Promise<number[]> {
    const pids = await run([IP, 'netns', 'pids', this.ns.name]).catch(() => '');
    return pids
      .split('\n')
      .filter((line) => /^[0-9]+$/.test(line))
      .map(Number)
      .filter((pid) => {
        try {
          const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          return command.includes(WARREN) && command.includes('daemon');
        } catch {
          return false;
        }
      });
  }

  /** The tail of the helper's log, for a failure's message. */
  logTail(lines = 30): string {
    let text = this.savedLog;
    try {
      text ??= readFileSync(this.helperLog, 'utf8');
    } catch {
      // none written
    }
    return text === null ? '(no helper log)' : text.split('\n').slice(-lines).join('\n');
  }
}
