// Network namespaces for tests that change links, routes, rules, nftables and DNS for real without touching the
// host's. Names are `warren-p-<pid>-<n>`, so parallel test processes never collide. `ip netns exec` also
// bind-mounts /etc/netns/NAME/<file> over /etc/<file> for the command it runs, which lets a test give a
// namespace its own /etc/resolv.conf. Needs root; `canCreateNamespaces` says whether a suite can run.
// The synchronous `Namespaces` below (`warren-t-<pid>-<n>`) serves the I/O suites that only need a veth pair.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where `ip` is; an absolute path, so a test may give commands a PATH without it. */
export const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((path) => existsSync(path)) ?? 'ip';

export const canCreateNamespaces = process.getuid?.() === 0 && IP !== 'ip';

const COMMAND_TIMEOUT_MS = 10_000;

export interface TestNamespace {
  readonly name: string;
  /** Put before an argv to run it inside: [IP, 'netns', 'exec', name]. */
  readonly prefix: readonly string[];
  /** Runs argv inside; resolves with stdout, rejects with an error holding stderr. */
  exec(argv: readonly string[], options?: { stdin?: string }): Promise<string>;
  /** `ip -j ARGS...` inside, parsed. */
  ipJson<T = unknown>(...args: string[]): Promise<T>;
  /** /etc/netns/NAME/FILE, which commands run inside see as /etc/FILE. */
  etcPath(file: string): string;
  /** Deletes the namespace and its /etc/netns directory; safe to call twice. */
  remove(): Promise<void>;
}

let counter = 0;

export function run(argv: readonly string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('run: an empty command');
    const child = execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(' ')}: ${error.message.trim()} ${stderr.trim()}`));
      else resolve(stdout);
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

export async function createNamespace(): Promise<TestNamespace> {
  let name: string;
  do name = `warren-p-${process.pid}-${counter++}`;
  while (existsSync(`/run/netns/${name}`) || existsSync(`/etc/netns/${name}`));
  await run([IP, 'netns', 'add', name]);
  const etc = `/etc/netns/${name}`;
  const prefix = [IP, 'netns', 'exec', name];
  const namespace: TestNamespace = {
    name,
    prefix,
    exec: (argv, options = {}) => run([...prefix, ...argv], options.stdin),
    ipJson: async <T>(...args: string[]) => JSON.parse(await run([IP, '-n', name, '-j', ...args])) as T,
    etcPath: (file) => join(etc, file),
    remove: async () => {
      // Whatever a test started inside (a wireguard-go, a child that hung) goes with the namespace.
      const pids = await run([IP, 'netns', 'pids', name]).catch(() => '');
      for (const pid of pids.split('\n').filter((line) => /^[0-9]+$/.test(line))) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await run([IP, 'netns', 'del', name]).catch(() => {});
      await rm(etc, { recursive: true, force: true });
    },
  };
  try {
    await mkdir(etc, { recursive: true });
    await run([IP, '-n', name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await namespace.remove();
    throw error;
  }
  return namespace;
}

/** Writes /etc/netns/NAME/FILE, creating the directory. */
export async function writeNamespaceEtc(
  namespace: TestNamespace,
  file: string,
  content: string | Buffer,
): Promise<void> {
  await mkdir(namespace.etcPath('.'), { recursive: true });
  await writeFile(namespace.etcPath(file), content);
}

/** Root, /dev/net/tun and iproute2: what the TUN and UDP suites need. */
export const canUseNetns =
  process.platform === 'linux' &&
  typeof process.getuid === 'function' &&
  process.getuid() === 0 &&
  existsSync('/dev/net/tun') &&
  spawnSync(IP, ['netns', 'list'], { stdio: 'ignore' }).status === 0;

/** `ip ARGS...`, synchronously (bounded to 5 s); its stdout. */
export function ip(...args: string[]): string {
  return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
}

let syncCounter = 0;

/** Namespaces made and deleted synchronously, with a veth pair created directly inside them. */
export class Namespaces {
  readonly #names: string[] = [];

  create(): string {
    const name = `warren-t-${process.pid}-${++syncCounter}`;
    ip('netns', 'add', name);
    this.#names.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A veth pair between two namespaces, with addresses (CIDR) on each end; IPv6 without DAD delays. */
  veth(a: string, b: string, addresses: { a: string[]; b: string[] }): { a: string; b: string } {
    const names = { a: 'veth-a', b: 'veth-b' };
    ip('-n', a, 'link', 'add', names.a, 'type', 'veth', 'peer', 'name', names.b, 'netns', b);
    for (const [ns, dev, list] of [
      [a, names.a, addresses.a],
      [b, names.b, addresses.b],
    ] as const) {
      for (const address of list)
        ip('-n', ns, 'addr', 'add', address, 'dev', dev, ...(address.includes(':') ? ['nodad'] : []));
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    return names;
  }

  /** Deletes every namespace made here; safe to call twice. */
  destroy(): void {
    for (const name of this.#names.splice(0)) spawnSync(IP, ['netns', 'del', name], { stdio: 'ignore' });
  }
}
