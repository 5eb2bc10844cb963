// Watching the system's network configuration for the changes that matter to a running tunnel (a new default
// route, an address gained or lost, a link up or down: a Wi-Fi roam, a cable, a VPN elsewhere), so the helper
// can re-resolve endpoints, re-handshake, re-check the MTU or re-apply a kill switch. One `ip -o monitor label
// route address link` child reports each rtnetlink message as a line; this file reads them, drops what is not
// news, and calls back once per burst:
//  - lines about links the caller ignores (its own tunnel interfaces, whose routes and addresses it sets itself)
//    are dropped; a route names its links with `dev`, and one without (unreachable, blackhole) counts;
//  - an address message that repeats one already known is dropped: IPv6 re-announces every SLAAC address with
//    new lifetimes at each router advertisement. An address leaving its tentative state (DAD done) counts.
//    What exists at start is read first (`ip -o address show`, `ip -o link show`), so it is known too;
//  - a link message that says nothing new about flags, state or MTU is dropped likewise;
//  - what is left is debounced: onChange runs `debounceMs` after the last message of a burst (300 ms), and at
//    least every `maxWaitMs` (2 s) while messages keep coming, with the most telling kind of the burst (link over
//    address over route) and every kind seen.
// Messages sent before `ip` has subscribed are missed; `ready` resolves (never rejects) once the seeding is done.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export type NetworkChangeKind = 'route' | 'address' | 'link';

export interface MonitorLine {
  kind: NetworkChangeKind;
  deleted: boolean;
  /** The links the message is about; empty when it names none. */
  links: string[];
  /** For addresses and links: what identifies the thing and the state that matters, to tell news from repeats. */
  key: string | null;
  state: string | null;
}

const LABELS: Record<string, NetworkChangeKind> = { '[ROUTE]': 'route', '[ADDR]': 'address', '[LINK]': 'link' };

/** Reads one line of `ip -o monitor label ...`, or of `ip -o address show` / `ip -o link show` (no label, with
 *  the kind given). Null for lines of other kinds or that cannot be read. */
export function parseMonitorLine(line: string, kind?: NetworkChangeKind): MonitorLine | null {
  let text = line.trim();
  if (kind === undefined) {
    const label = /^\[[A-Z]+\]/.exec(text)?.[0];
    kind = label === undefined ? undefined : LABELS[label];
    if (kind === undefined) return null;
    text = text.slice(label!.length);
  }
  const deleted = text.startsWith('Deleted ');
  if (deleted) text = text.slice('Deleted '.length);
  switch (kind) {
    case 'route': {
      const links = [...text.matchAll(/(?:^| )dev (\S+)/g)].map((m) => m[1]!);
      return { kind, deleted, links, key: null, state: null };
    }
    case 'address': {
      // `3: v0    inet 10.5.0.1/24 scope global v0\       valid_lft forever ...`
      const m = /^\d+: (\S+)\s+(inet6?) (\S+)(.*?)(\\|$)/.exec(text);
      if (m === null) return null;
      // Every group takes part in a match (the fourth may be empty).
      const flags = m[4]!;
      const state = `${flags.includes('dadfailed') ? 'dadfailed' : ''}${/\btentative\b/.test(flags) ? ' tentative' : ''}`;
      return { kind, deleted, links: [m[1]!], key: `${m[1]} ${m[2]} ${m[3]}`, state };
    }
    case 'link': {
      // `3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \ ...`
      const m = /^\d+: ([^:@\s]+)(?:@[^:\s]*)?: <([^>]*)> mtu (\d+)(?:.*? state (\S+))?/.exec(text);
      if (m === null) return null;
      // Groups 1 to 3 take part in every match; the state is optional.
      return { kind, deleted, links: [m[1]!], key: m[1]!, state: `<${m[2]}> mtu ${m[3]} state ${m[4] ?? '?'}` };
    }
  }
}

export interface NetworkMonitorOptions {
  /** Links whose messages are not news (the caller's own tunnel interfaces). Asked at each message. */
  ignore?: (link: string) => boolean;
  debounceMs?: number;
  maxWaitMs?: number;
  /** Put before `ip`, e.g. ['ip', 'netns', 'exec', NS] in tests. */
  prefix?: readonly string[];
  /** The `ip monitor` process ended by itself (or could not start): no more changes will be seen. */
  onError?: (error: Error) => void;
}

export interface NetworkMonitor {
  /** Resolves once the monitor is running and what exists now is known; never rejects (see onError). */
  readonly ready: Promise<void>;
  /** Stops the child (SIGTERM) and any pending callback; resolves when the child is gone. Idempotent. */
  close(): Promise<void>;
}

const RANK: Record<NetworkChangeKind, number> = { route: 0, address: 1, link: 2 };

export function startNetworkMonitor(
  onChange: (what: NetworkChangeKind, all: ReadonlySet<NetworkChangeKind>) => void,
  options: NetworkMonitorOptions = {},
): NetworkMonitor {
  const ignore = options.ignore ?? (() => false);
  const debounceMs = options.debounceMs ?? 300;
  const maxWaitMs = options.maxWaitMs ?? 2000;
  const prefix = options.prefix ?? [];
  const argv = [...prefix, 'ip', '-o', 'monitor', 'label', 'route', 'address', 'link'];
  // argv[0] is there: the list ends in the `ip` command.
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  const known = new Map<string, string>(); // address or link key -> state
  let pending = new Set<NetworkChangeKind>();
  let quiet: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = () => {
    clearTimeout(quiet);
    clearTimeout(deadline);
    quiet = deadline = undefined;
    if (closed || pending.size === 0) return;
    const all = pending;
    pending = new Set();
    const top = [...all].sort((a, b) => RANK[b] - RANK[a])[0]!; // all is not empty
    onChange(top, all);
  };

  /** Whether a message is news, updating what is known. */
  const isNews = (event: MonitorLine): boolean => {
    if (event.links.length > 0 && event.links.every((link) => ignore(link))) return false;
    if (event.key === null) return true;
    const key = `${event.kind} ${event.key}`;
    if (event.deleted) {
      known.delete(key);
      return true;
    }
    if (known.get(key) === event.state) return false;
    known.set(key, event.state!);
    return true;
  };

  const onLine = (line: string) => {
    const event = parseMonitorLine(line);
    if (closed || event === null || !isNews(event)) return;
    pending.add(event.kind);
    clearTimeout(quiet);
    quiet = setTimeout(flush, debounceMs);
    deadline ??= setTimeout(flush, maxWaitMs);
  };

  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  createInterface({ input: child.stdout! }).on('line', onLine);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  child.once('close', (code, signal) => {
    if (closed) return;
    closed = true;
    flush();
    const detail = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
    options.onError?.(new Error(`\`ip monitor\` ended (${signal ?? `exit code ${code}`})${detail}`));
  });
  child.once('error', (error) => {
    if (!closed) options.onError?.(new Error(`\`ip monitor\` could not be run: ${error.message}`));
    closed = true;
  });

  // What exists now, so that its next announcement is not taken for news. A failed listing is only a lost
  // optimisation (the first repeat of each address then counts once): reported, never a rejection.
  const seed = async () => {
    try {
      await started;
      for (const kind of ['address', 'link'] as const) {
        const stdout = await collect([...prefix, 'ip', '-o', kind, 'show']);
        for (const line of stdout.split('\n')) {
          const event = parseMonitorLine(line, kind);
          // A message that came during the listing is newer than it: keep what the message said.
          if (event !== null && !known.has(`${kind} ${event.key}`)) known.set(`${kind} ${event.key}`, event.state!);
        }
      }
    } catch (error) {
      if (!closed) options.onError?.(error as Error);
    }
  };

  return {
    ready: seed(),
    async close() {
      if (!closed) {
        closed = true;
        clearTimeout(quiet);
        clearTimeout(deadline);
        child.kill('SIGTERM');
      }
      if (child.pid !== undefined) await exited;
    },
  };
}

/** stdout of a command (the seeding listings). */
function collect(argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // argv[0] is there: the callers' lists end in an `ip` command.
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} failed (${code})`)),
    );
  });
}
