/*
 * The helper's log: every entry goes to its output as one structured line per line of text (`LEVEL TUNNEL
 * MESSAGE`, `-` for no tunnel; under systemd, where journald adds the time, with the sd-daemon priority prefix
 * `<N>` instead of a timestamp) and into a bounded ring that `warren logs` and the app read back. Listeners
 * (the control socket's `log` events) see each entry as it is written.
 *
 * Invariant: no private key reaches the log. Nothing should log one, and as a safety net every message has
 * anything shaped like a key (44 characters of base64 ending in `=`, or 64 hex digits as UAPI writes keys)
 * replaced before it is stored or written. Public keys look the same and are hidden too: the log names peers
 * by the first characters of their key (peerLabel).
 */
import type { LogEntry } from '../../shared/ipc/control.js';

export type LogLevel = LogEntry['level'];

export const DEFAULT_LOG_CAPACITY = 2000;
/**
 * The longest message kept (longer ones are cut): with the ring's capacity, a bound on the log's memory whatever
 * text a request makes it repeat (a file name, a command's stderr).
 */
export const MAX_LOG_MESSAGE = 2048;
export const REDACTED_KEY = '(key hidden)';

const BASE64_KEY = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=(?![A-Za-z0-9+/=])/g;
const HEX_KEY = /(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])/g;

export function redactKeys(text: string): string {
  return text.replace(BASE64_KEY, REDACTED_KEY).replace(HEX_KEY, REDACTED_KEY);
}

/** How the log names a peer: the start of its public key, too short to be taken for a key. */
export function peerLabel(publicKeyBase64: string): string {
  return `${publicKeyBase64.slice(0, 8)}…`;
}

const SYSLOG_PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/** The output lines of one entry; `journal`: stderr goes to journald (JOURNAL_STREAM is set). */
export function formatLogLines(entry: LogEntry, journal: boolean): string[] {
  const head = journal ? `<${SYSLOG_PRIORITY[entry.level]}>` : `${new Date(entry.time).toISOString()} `;
  return entry.message.split('\n').map((line) => `${head}${entry.level} ${entry.tunnel ?? '-'} ${line}`);
}

export interface HelperLogOptions {
  capacity?: number;
  /** Receives each output line, without its newline. */
  output?: (line: string) => void;
  journal?: boolean;
  clock?: () => number;
}

function bounded(message: string): string {
  if (message.length <= MAX_LOG_MESSAGE) return message;
  return `${message.slice(0, MAX_LOG_MESSAGE)}… (${message.length - MAX_LOG_MESSAGE} more characters)`;
}

export class HelperLog {
  private readonly ring: LogEntry[] = [];
  private next = 0;
  private readonly capacity: number;
  private readonly output: (line: string) => void;
  private readonly journal: boolean;
  private readonly clock: () => number;
  private readonly listeners = new Set<(entry: LogEntry) => void>();

  constructor(options: HelperLogOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_LOG_CAPACITY);
    this.output = options.output ?? (() => {});
    this.journal = options.journal ?? false;
    this.clock = options.clock ?? Date.now;
  }

  write(level: LogLevel, message: string, tunnel?: string): void {
    const entry: LogEntry = {
      time: this.clock(),
      level,
      message: redactKeys(bounded(message)),
      ...(tunnel === undefined ? {} : { tunnel }),
    };
    if (this.ring.length < this.capacity) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    for (const line of formatLogLines(entry, this.journal)) this.output(line);
    for (const listener of this.listeners) listener(entry);
  }

  /** A `(message) => void` for code that logs plain messages about one tunnel; a leading `NAME: ` is dropped. */
  forTunnel(name: string, level: LogLevel): (message: string) => void {
    const prefix = `${name}: `;
    return (message) => this.write(level, message.startsWith(prefix) ? message.slice(prefix.length) : message, name);
  }

  /** The newest `limit` entries, oldest first; fewer when their messages together exceed `maxChars`. */
  entries(limit = this.capacity, maxChars = Infinity): LogEntry[] {
    const ordered =
      this.ring.length < this.capacity ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    let first = Math.max(0, ordered.length - limit);
    let chars = 0;
    for (let i = ordered.length - 1; i >= first; i--) {
      chars += ordered[i]!.message.length;
      if (chars > maxChars) {
        first = i + 1;
        break;
      }
    }
    return ordered.slice(first).map((entry) => ({ ...entry }));
  }

  onEntry(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
