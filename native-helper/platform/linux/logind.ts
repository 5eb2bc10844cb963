/*
 * systemd-logind on the system bus, the little of it the helper needs: the PrepareForSleep(start) signal and
 * Inhibit(what, who, why, mode), whose reply is a file descriptor that holds the lock until every copy of it
 * is closed. The bus connection is system-bus.ts's, with file descriptor passing asked for.
 *
 * Two things are checked here rather than trusted:
 *  - a PrepareForSleep counts only when its sender is logind's current unique name (anyone on the bus may send
 *    a signal that looks like it; the daemon's match rule alone does not stop a directed one);
 *  - usocket receives descriptors without close-on-exec, so a lock is reopened through /proc/self/fd (Node opens
 *    with O_CLOEXEC) and the original closed at once: otherwise every `ip`, `nft` or hook the helper starts
 *    afterwards would hold the lock too, and sleep would wait for them.
 */
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import type { Message } from 'dbus-next';
import { BusConnection, messageOf, nameOwnerChange, nameOwnerRule } from './system-bus.js';

export const LOGIND_NAME = 'org.freedesktop.login1';
export const LOGIND_PATH = '/org/freedesktop/login1';
export const LOGIND_MANAGER = 'org.freedesktop.login1.Manager';
/** A bus call that takes longer than this is given up (logind answers in milliseconds). */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** The access-mode bits of open(2)'s flags (Node's fs.constants lacks it). */
const O_ACCMODE = 0o3;
const MANAGER = { destination: LOGIND_NAME, path: LOGIND_PATH, interface: LOGIND_MANAGER };

export interface LogindEvents {
  /** logind's PrepareForSleep: true before the machine sleeps, false once it has woken (or failed to sleep). */
  prepareForSleep(start: boolean): void;
  /** logind took a new unique name on the bus (it restarted), or left it (null). Its old locks are void. */
  ownerChanged(owner: string | null): void;
  /** The bus connection is gone (the daemon stopped or failed); nothing more will come from this client. */
  disconnected(reason: string): void;
}

/** A held inhibitor lock: the descriptor logind gave, reopened close-on-exec. */
export interface InhibitorLock {
  readonly fd: number;
  /** Closes the descriptor: the lock is released. Idempotent. */
  release(): void;
}

export interface LogindClient {
  /** logind's unique name on the bus now (":1.4"), or null while it has none. */
  readonly owner: string | null;
  /** Whether this connection can receive file descriptors, which an inhibitor lock needs. */
  readonly fdPassing: boolean;
  inhibit(what: string, who: string, why: string, mode: 'block' | 'delay'): Promise<InhibitorLock>;
  /** Leaves the bus. Locks already taken stay held until released. */
  close(): void;
}

/** No system bus, or no logind on it: the caller goes on without sleep events. */
export class LogindUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LogindUnavailable';
  }
}

export interface ConnectLogindOptions {
  address: string;
  events: LogindEvents;
  callTimeoutMs?: number;
}

/**
 * Connects to the bus at `address`, follows logind's name and PrepareForSleep, and resolves once logind is
 * found there. Rejects with LogindUnavailable when there is no bus or no logind; never leaves a connection open
 * then.
 */
export async function connectLogind(options: ConnectLogindOptions): Promise<LogindClient> {
  let bus: BusConnection;
  try {
    bus = await BusConnection.connect(options.address, options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, {
      unixFd: true,
    });
  } catch (error) {
    throw new LogindUnavailable((error as Error).message, { cause: error });
  }
  const client = new Client(bus, options.events);
  try {
    await client.start(options.address);
  } catch (error) {
    client.close();
    throw error instanceof LogindUnavailable ? error : new LogindUnavailable(messageOf(error), { cause: error });
  }
  return client;
}

class Client implements LogindClient {
  readonly #bus: BusConnection;
  readonly #events: LogindEvents;
  #owner: string | null = null;
  #started = false;
  #closed = false;

  constructor(bus: BusConnection, events: LogindEvents) {
    this.#bus = bus;
    this.#events = events;
    bus.onSignal((message) => this.#onSignal(message));
    bus.onLost((reason) => {
      if (this.#started && !this.#closed) this.#events.disconnected(reason);
    });
  }

  get owner(): string | null {
    return this.#owner;
  }

  get fdPassing(): boolean {
    return this.#bus.fdPassing;
  }

  async start(address: string): Promise<void> {
    // The match rules first, then the owner: a restart of logind in between is then seen, not missed.
    await this.#bus.addMatch(
      `type='signal',sender='${LOGIND_NAME}',path='${LOGIND_PATH}',interface='${LOGIND_MANAGER}',member='PrepareForSleep'`,
    );
    await this.#bus.addMatch(nameOwnerRule(LOGIND_NAME));
    this.#owner = await this.#bus.nameOwner(LOGIND_NAME);
    if (this.#owner === null) {
      throw new LogindUnavailable(`no logind on the system bus at ${address} (nothing owns ${LOGIND_NAME})`);
    }
    this.#started = true;
  }

  async inhibit(what: string, who: string, why: string, mode: 'block' | 'delay'): Promise<InhibitorLock> {
    if (!this.#bus.alive) throw new Error('not connected to the system bus');
    if (!this.fdPassing) {
      throw new Error(
        'this bus connection cannot receive file descriptors (is the usocket package installed and built?)',
      );
    }
    const reply = await this.#bus.call(
      MANAGER,
      'Inhibit',
      'ssss',
      [what, who, why, mode],
      undefined,
      // a lock that comes after we stopped waiting would otherwise be held, unseen, until the helper exits
      (late) => typeof late.body[0] === 'number' && closeQuietly(late.body[0]),
    );
    const fd: unknown = reply.body[0];
    if (reply.signature !== 'h' || typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
      throw new Error(`logind's Inhibit answered ${reply.signature || 'nothing'} without a file descriptor`);
    }
    if (this.#closed) {
      closeQuietly(fd);
      throw new Error('closed while the lock was being taken');
    }
    return heldLock(closeOnExec(fd));
  }

  close(): void {
    this.#closed = true;
    this.#bus.close();
  }

  #onSignal(message: Message): void {
    if (message.interface === LOGIND_MANAGER && message.member === 'PrepareForSleep' && message.path === LOGIND_PATH) {
      if (!this.#started || this.#closed || message.sender !== this.#owner || message.signature !== 'b') return;
      this.#events.prepareForSleep(message.body[0] === true);
      return;
    }
    const owner = nameOwnerChange(message, LOGIND_NAME);
    if (owner === undefined) return;
    this.#owner = owner;
    if (this.#started && !this.#closed) this.#events.ownerChanged(owner);
  }
}

function heldLock(fd: number): InhibitorLock {
  let open = true;
  return {
    fd,
    release() {
      if (!open) return;
      open = false;
      closeQuietly(fd);
    },
  };
}

/**
 * The same open file, as a new descriptor with close-on-exec; the original is closed. For a FIFO (logind's
 * lock) or a pipe the reopened descriptor is a new writer of the same pipe, which is all a lock is. Where
 * /proc is not mounted the original is kept as it is.
 */
export function closeOnExec(fd: number): number {
  let reopened: number;
  try {
    const flags = parseInt(/^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '', 8);
    if (Number.isNaN(flags)) return fd;
    // The same access mode; non-blocking so that opening a FIFO never waits for a reader.
    reopened = openSync(`/proc/self/fd/${fd}`, (flags & O_ACCMODE) | constants.O_NONBLOCK);
  } catch {
    return fd;
  }
  closeQuietly(fd);
  return reopened;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
