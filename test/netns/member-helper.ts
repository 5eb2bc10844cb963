/*
 * A real `warren daemon` (root) in a network namespace of the test's own, with a throwaway control group and
 * throwaway members of it: what the suites that try the helper as its members would (helper-abuse, cli-powers)
 * stand on. start() in beforeAll, stop() in afterAll: stop takes away whatever start made, also when start failed
 * half-way (the daemon, the namespace, the accounts, the folder).
 *
 * The helper gets no system bus (NetworkManager and logind are other suites'), its store and runtime directory in
 * the test's folder, and the group as its control group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { ThrowawayAccounts } from '../support/throwaway-accounts.js';
import { ensureBuilt } from './ensure-built.js';
import { eventually } from './interop-inspect.js';
import { WARREN } from './interop-site.js';
import { IP, type TestNamespace, createNamespace, run } from './namespace.js';
import { accepts } from './socket-accepts.js';

export interface MemberHelperOptions {
  /** Short, distinct per suite: the group is PREFIX-PID and member X is PREFIX-X-PID (names of at most 32). */
  prefix: string;
  /** The members' letters. */
  members: readonly string[];
  /** The runtime directory, relative to the test's folder; the helper makes it when missing. Default `run`. */
  runtime?: string;
  /** The daemon's umask (as `sudo warren daemon` may have one), or none. */
  umask?: string;
  /** Node flags for the daemon. */
  nodeArgs?: readonly string[];
}

export class MemberHelper {
  readonly tag = `${process.pid % 100000}`;
  readonly group: string;
  /** Member letter -> account name. */
  readonly members: Readonly<Record<string, string>>;
  readonly #options: MemberHelperOptions;
  readonly #accounts = new ThrowawayAccounts();
  #ns: TestNamespace | undefined;
  #dir: string | undefined;
  #daemon: ChildProcess | undefined;
  #pid = 0;

  constructor(options: MemberHelperOptions) {
    this.#options = options;
    this.group = `${options.prefix}-${this.tag}`;
    this.members = Object.fromEntries(options.members.map((m) => [m, `${options.prefix}-${m}-${this.tag}`]));
  }

  get ns(): TestNamespace {
    return this.#started(this.#ns);
  }

  /** The test's folder (0755: members may read what a test puts there). */
  get dir(): string {
    return this.#started(this.#dir);
  }

  get runtime(): string {
    return join(this.dir, this.#options.runtime ?? 'run');
  }

  get socket(): string {
    return join(this.runtime, `control-${statSync(`/run/netns/${this.ns.name}`).ino}.sock`);
  }

  get logPath(): string {
    return join(this.dir, 'daemon.log');
  }

  /** The helper's process (not `ip netns exec`'s). */
  get pid(): number {
    return this.#pid;
  }

  /** Whether the daemon has exited. */
  get exited(): boolean {
    return this.#daemon?.exitCode !== null;
  }

  async start(): Promise<void> {
    await ensureBuilt();
    await this.#accounts.group(this.group);
    for (const member of Object.values(this.members)) await this.#accounts.user(member, [this.group]);
    this.#dir = mkdtempSync(join(tmpdir(), `warren-${this.#options.prefix}-`));
    chmodSync(this.#dir, 0o755);
    this.#ns = await createNamespace();
    const log = openSync(this.logPath, 'a');
    const umask =
      this.#options.umask === undefined ? [] : ['sh', '-c', `umask ${this.#options.umask}; exec "$@"`, 'sh'];
    this.#daemon = spawn(
      IP,
      [
        ...['netns', 'exec', this.#ns.name, 'setsid', ...umask, process.execPath, ...(this.#options.nodeArgs ?? [])],
        ...[WARREN, 'daemon', '--state-dir', join(this.#dir, 'store'), '--runtime-dir', this.runtime],
        ...['--group', this.group],
      ],
      { stdio: ['ignore', log, log], env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent' } },
    );
    await eventually(
      async () => {
        if (this.exited) throw new Error(`warren daemon exited:\n${this.logTail()}`);
        if (!(await accepts(this.socket))) throw new Error(`the helper does not answer:\n${this.logTail()}`);
      },
      20_000,
      50,
    );
    const pids = (await run([IP, 'netns', 'pids', this.#ns.name]))
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
    this.#pid = pids.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('daemon')) ?? 0;
    if (this.#pid === 0) throw new Error(`no helper process in ${this.#ns.name}:\n${this.logTail()}`);
  }

  /** A request as root, on a connection of its own. */
  async asRoot<T>(request: (client: ControlClient) => Promise<T>): Promise<T> {
    const client = await ControlClient.connect(this.socket);
    try {
      return await request(client);
    } finally {
      client.close();
    }
  }

  /** The helper's resident memory, in MiB. */
  rssMiB(): number {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.#pid}/status`, 'utf8'))![1]) / 1024;
  }

  logTail(): string {
    return this.#dir !== undefined && existsSync(this.logPath)
      ? readFileSync(this.logPath, 'utf8').split('\n').slice(-30).join('\n')
      : '';
  }

  async stop(): Promise<void> {
    const daemon = this.#daemon;
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      // `ip netns exec` may be gone before the helper it started: wait for the helper itself.
      if (this.#pid > 0) {
        await eventually(
          () => {
            if (existsSync(`/proc/${this.#pid}`)) throw new Error('the helper is still running');
          },
          15_000,
          50,
        ).catch(() => {});
      }
    }
    await this.#ns?.remove();
    this.#accounts.removeAll();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }

  #started<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('MemberHelper: start() first');
    return value;
  }
}
