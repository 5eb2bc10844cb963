/*
 * Test doubles for logind, which cannot run here: a private dbus-daemon (anyone may own any name on it) and a
 * fake org.freedesktop.login1 on it, built with the same library as the helper. The fake's Inhibit does what
 * logind's does: it makes a FIFO, keeps the reading end, and hands the writing end to the caller; the lock is
 * released when every writer has closed it, which the reading end sees as end-of-file.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Message, type MessageBus, type SessionBusOptions, sessionBus } from 'dbus-next';
import { LOGIND_MANAGER, LOGIND_NAME, LOGIND_PATH } from '../logind.js';

export const hasDbusDaemon = spawnSync('sh', ['-c', 'command -v dbus-daemon'], { stdio: 'ignore' }).status === 0;

export interface PrivateBus {
  readonly address: string;
  /** The daemon's process id. */
  readonly pid: number;
  /** Kills the daemon (SIGKILL) and removes its directory; idempotent. */
  stop(): Promise<void>;
}

const BUS_CONFIG = (socket: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

const SYSTEM_CONFIG = '/usr/share/dbus-1/system.conf';
const LOGIND_POLICY = '/usr/share/dbus-1/system.d/org.freedesktop.login1.conf';
/** The machine's own system-bus policy, with logind's (only root may own org.freedesktop.login1). */
export const hasSystemBusPolicy = existsSync(SYSTEM_CONFIG) && existsSync(LOGIND_POLICY) && process.getuid?.() === 0;

/** The system bus's configuration, but on our socket, in the foreground, as the user we are. */
function systemBusConfig(socket: string): string {
  return readFileSync(SYSTEM_CONFIG, 'utf8')
    .replace(/<user>[^<]*<\/user>/, '')
    .replace(/<fork\/>/, '')
    .replace(/<pidfile>[^<]*<\/pidfile>/, '')
    .replace(/<listen>[^<]*<\/listen>/, `<listen>unix:path=${socket}</listen>`)
    .replace('<includedir>system.d</includedir>', `<includedir>${dirname(SYSTEM_CONFIG)}/system.d</includedir>`);
}

/** A dbus-daemon of our own: `open` lets anyone own any name; `system` is the system bus's policy. */
export async function startPrivateBus(policy: 'open' | 'system' = 'open'): Promise<PrivateBus> {
  const directory = mkdtempSync(join(tmpdir(), 'warren-bus-'));
  const config = join(directory, 'bus.conf');
  const socket = join(directory, 'bus.sock');
  writeFileSync(config, policy === 'open' ? BUS_CONFIG(socket) : systemBusConfig(socket));
  const daemon: ChildProcess = spawn('dbus-daemon', [`--config-file=${config}`, '--print-address', '--nofork'], {
    // stderr: it says it cannot raise its descriptor limit, which does not matter here
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    let text = '';
    daemon.stdout!.setEncoding('utf8');
    daemon.stdout!.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.trim());
    });
    daemon.once('error', reject);
    daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}) before it listened`)));
  });
  let stopped = false;
  return {
    address,
    pid: daemon.pid!,
    async stop() {
      if (!stopped) {
        stopped = true;
        if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
        await exited;
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

export interface FakeLock {
  readonly who: string;
  readonly why: string;
  readonly what: string;
  readonly mode: string;
  /** The FIFO whose writing end was handed out. */
  readonly path: string;
  /** Resolves with performance.now() once every copy of the writing end is closed. */
  readonly released: Promise<number>;
  isReleased(): boolean;
}

export class FakeLogind {
  readonly locks: FakeLock[] = [];
  /** The unique bus name that asked for the last lock: the helper. */
  lastCaller: string | null = null;
  /** How long Inhibit takes to answer (a logind that is slow, or stuck). */
  inhibitDelayMs = 0;
  readonly #bus: MessageBus;
  readonly #directory: string;
  readonly #lockWaiters: Array<() => void> = [];

  private constructor(bus: MessageBus, directory: string) {
    this.#bus = bus;
    this.#directory = directory;
  }

  /** Connects to `address` and owns org.freedesktop.login1 there. */
  static async start(address: string): Promise<FakeLogind> {
    const options: SessionBusOptions & { negotiateUnixFd: boolean } = { busAddress: address, negotiateUnixFd: true };
    const bus = sessionBus(options);
    bus.on('error', () => {}); // the daemon may be killed under it
    const fake = new FakeLogind(bus, mkdtempSync(join(tmpdir(), 'warren-inhibit-')));
    bus.addMethodHandler((message: Message) => fake.#handle(message));
    await bus.requestName(LOGIND_NAME, 0);
    return fake;
  }

  prepareForSleep(start: boolean): void {
    this.#bus.send(Message.newSignal(LOGIND_PATH, LOGIND_MANAGER, 'PrepareForSleep', 'b', [start]));
  }

  /** Resolves once `count` locks have been handed out. */
  async waitForLocks(count: number): Promise<FakeLock> {
    while (this.locks.length < count) await new Promise<void>((resolve) => this.#lockWaiters.push(resolve));
    return this.locks[count - 1]!;
  }

  /** Leaves the bus, as logind does when it stops. Locks handed out can still be watched being released. */
  async stop(): Promise<void> {
    try {
      this.#bus.disconnect();
    } catch {
      // the bus is gone already
    }
    rmSync(this.#directory, { recursive: true, force: true });
  }

  #handle(message: Message): boolean {
    if (message.interface !== LOGIND_MANAGER || message.path !== LOGIND_PATH || message.member !== 'Inhibit')
      return false;
    const [what, who, why, mode] = message.body as [string, string, string, string]; // signature ssss
    this.lastCaller = message.sender;
    const path = join(this.#directory, `${this.locks.length + 1}.ref`);
    execFileSync('mkfifo', ['-m', '0600', path]);
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    // The reading end sees end-of-file once no writer is left: ours is closed below, after it was sent.
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    reader.unref(); // a lock never released fails its test; it must not hold the test process open too
    let releasedAt: number | null = null;
    const released = new Promise<number>((resolve) => {
      reader.on('data', () => {});
      reader.once('end', () => resolve((releasedAt = performance.now())));
    });
    this.locks.push({ who, why, what, mode, path, released, isReleased: () => releasedAt !== null });
    const answer = () => {
      this.#bus.send(Message.newMethodReturn(message, 'h', [writeFd]));
      this.#closeWhenSent(writeFd);
    };
    if (this.inhibitDelayMs > 0) setTimeout(answer, this.inhibitDelayMs);
    else answer();
    for (const wake of this.#lockWaiters.splice(0)) wake();
    return true;
  }

  /** usocket sends synchronously unless its queue is busy; the descriptor must outlive the sendmsg. */
  #closeWhenSent(fd: number): void {
    const stream = (this.#bus as unknown as { _connection: { stream: { writableLength: number } } })._connection.stream;
    const poll = () => (stream.writableLength === 0 ? closeSync(fd) : setTimeout(poll, 5));
    poll();
  }
}
