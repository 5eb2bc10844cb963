/*
 * systemd-logind on the system bus, the little of it the helper needs: the PrepareForSleep(start) signal and
 * Inhibit(what, who, why, mode), whose reply is a file descriptor that holds the lock until every copy of it
 * is closed. D-Bus itself is dbus-next's; receiving a descriptor needs SCM_RIGHTS, which Node's sockets cannot
 * do, so dbus-next reaches the bus through usocket (a small native socket) and sets `supportsUnixFd`.
 *
 * Two things are checked here rather than trusted:
 *  - a PrepareForSleep counts only when its sender is logind's current unique name (anyone on the bus may send
 *    a signal that looks like it; the daemon's match rule alone does not stop a directed one);
 *  - usocket receives descriptors without close-on-exec, so a lock is reopened through /proc/self/fd (Node opens
 *    with O_CLOEXEC) and the original closed at once: otherwise every `ip`, `nft` or hook the helper starts
 *    afterwards would hold the lock too, and sleep would wait for them.
 */
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import { DBusError, Message, MessageType, type MessageBus, type SessionBusOptions, sessionBus } from 'dbus-next';

export const LOGIND_NAME = 'org.freedesktop.login1';
export const LOGIND_PATH = '/org/freedesktop/login1';
export const LOGIND_MANAGER = 'org.freedesktop.login1.Manager';
/** Where dbus-daemon (and dbus-broker) listen on every systemd distribution; /var/run is a link to /run. */
export const DEFAULT_SYSTEM_BUS_ADDRESS = 'unix:path=/run/dbus/system_bus_socket';
/** A bus call that takes longer than this is given up (logind answers in milliseconds). */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

const BUS_NAME = 'org.freedesktop.DBus';
/** The access-mode bits of open(2)'s flags (Node's fs.constants lacks it). */
const O_ACCMODE = 0o3;
const BUS_PATH = '/org/freedesktop/DBus';

/** The system bus the D-Bus specification names: $DBUS_SYSTEM_BUS_ADDRESS, else the standard socket. */
export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS_ADDRESS;
}

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

/** The parts of dbus-next's MessageBus its typings leave out: the connection and its socket. */
interface BusInternals {
  _connection?: EventEmitter & { stream?: EventEmitter & { supportsUnixFd?: boolean } };
}

/**
 * Connects to the bus at `address`, follows logind's name and PrepareForSleep, and resolves once logind is
 * found there. Rejects with LogindUnavailable when there is no bus or no logind; never leaves a connection open
 * then.
 */
export async function connectLogind(options: ConnectLogindOptions): Promise<LogindClient> {
  const timeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  let bus: MessageBus;
  try {
    // dbus-next's typings leave negotiateUnixFd out of the session options; its code takes it.
    const busOptions: SessionBusOptions & { negotiateUnixFd: boolean } = {
      busAddress: options.address,
      negotiateUnixFd: true,
    };
    bus = sessionBus(busOptions);
  } catch (error) {
    throw new LogindUnavailable(`no system bus at ${options.address} (${messageOf(error)})`, { cause: error });
  }
  const client = new Client(bus, options.events, timeoutMs);
  try {
    await client.start(options.address);
  } catch (error) {
    client.close();
    throw error instanceof LogindUnavailable ? error : new LogindUnavailable(messageOf(error), { cause: error });
  }
  return client;
}

class Client implements LogindClient {
  readonly #bus: MessageBus;
  readonly #events: LogindEvents;
  readonly #timeoutMs: number;
  #owner: string | null = null;
  #started = false;
  #closed = false;
  #gone = false;
  #lastError: string | null = null;

  constructor(bus: MessageBus, events: LogindEvents, timeoutMs: number) {
    this.#bus = bus;
    this.#events = events;
    this.#timeoutMs = timeoutMs;
    // Without a listener an 'error' event would throw. Not every error ends the connection (a message it
    // cannot parse does not); the socket's end or close does, and says so below with the last error seen.
    bus.on('error', (error) => {
      this.#lastError = messageOf(error);
    });
    bus.on('message', (message) => this.#onMessage(message));
    const connection = (bus as unknown as BusInternals)._connection;
    connection?.on('end', () => this.#lost('the bus closed the connection'));
    connection?.stream?.on('close', () => this.#lost('the bus connection closed'));
  }

  get owner(): string | null {
    return this.#owner;
  }

  get fdPassing(): boolean {
    return (this.#bus as unknown as BusInternals)._connection?.stream?.supportsUnixFd === true;
  }

  async start(address: string): Promise<void> {
    await this.#connected(address);
    // The match rules first, then the owner: a restart of logind in between is then seen, not missed.
    await this.#busCall('AddMatch', 's', [
      `type='signal',sender='${LOGIND_NAME}',path='${LOGIND_PATH}',interface='${LOGIND_MANAGER}',member='PrepareForSleep'`,
    ]);
    await this.#busCall('AddMatch', 's', [
      `type='signal',sender='${BUS_NAME}',path='${BUS_PATH}',interface='${BUS_NAME}',member='NameOwnerChanged',arg0='${LOGIND_NAME}'`,
    ]);
    try {
      const reply = await this.#busCall('GetNameOwner', 's', [LOGIND_NAME]);
      this.#owner = String(reply.body[0]);
    } catch (error) {
      if (error instanceof DBusError && error.type === `${BUS_NAME}.Error.NameHasNoOwner`) {
        throw new LogindUnavailable(`no logind on the system bus at ${address} (nothing owns ${LOGIND_NAME})`);
      }
      throw error;
    }
    this.#started = true;
  }

  async inhibit(what: string, who: string, why: string, mode: 'block' | 'delay'): Promise<InhibitorLock> {
    if (this.#closed || this.#gone) throw new Error('not connected to the system bus');
    if (!this.fdPassing) {
      throw new Error(
        'this bus connection cannot receive file descriptors (is the usocket package installed and built?)',
      );
    }
    const reply = await this.#call(
      new Message({
        destination: LOGIND_NAME,
        path: LOGIND_PATH,
        interface: LOGIND_MANAGER,
        member: 'Inhibit',
        signature: 'ssss',
        body: [what, who, why, mode],
      }),
      'Inhibit',
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
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#bus.disconnect();
    } catch {
      // the socket is already gone
    }
  }

  /** Resolves once the bus has answered Hello; rejects when it cannot be reached. */
  #connected(address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        reject(new LogindUnavailable(`no system bus at ${address} (${reason})`));
      };
      const timer = setTimeout(() => fail(`no answer in ${this.#timeoutMs} ms`), this.#timeoutMs);
      this.#bus.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#bus.once('error', (error) => fail(messageOf(error)));
      (this.#bus as unknown as BusInternals)._connection?.once('end', () => fail('the bus closed the connection'));
    });
  }

  #onMessage(message: Message): void {
    if (message.type !== MessageType.SIGNAL) return;
    try {
      if (
        message.interface === LOGIND_MANAGER &&
        message.member === 'PrepareForSleep' &&
        message.path === LOGIND_PATH
      ) {
        if (!this.#started || this.#closed || message.sender !== this.#owner || message.signature !== 'b') return;
        this.#events.prepareForSleep(message.body[0] === true);
      } else if (
        message.sender === BUS_NAME &&
        message.interface === BUS_NAME &&
        message.member === 'NameOwnerChanged'
      ) {
        const [name, , newOwner] = message.body as [string, string, string];
        if (name !== LOGIND_NAME) return;
        this.#owner = newOwner === '' ? null : newOwner;
        if (this.#started && !this.#closed) this.#events.ownerChanged(this.#owner);
      }
    } catch {
      // A listener's fault is not the bus's: dbus-next would answer a signal with an error message.
    }
  }

  #lost(reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    if (!this.#started || this.#closed) return;
    this.#events.disconnected(this.#lastError === null ? reason : `${reason}: ${this.#lastError}`);
  }

  #busCall(member: string, signature: string, body: unknown[]): Promise<Message> {
    const message = new Message({
      destination: BUS_NAME,
      path: BUS_PATH,
      interface: BUS_NAME,
      member,
      signature,
      body,
    });
    return this.#call(message, member);
  }

  /**
   * bus.call with a deadline: dbus-next waits forever, and a call in flight when the bus dies never settles.
   * A reply that comes after the deadline goes to `late`.
   */
  #call(message: Message, what: string, late?: (reply: Message) => void): Promise<Message> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`${what}: no answer in ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      let call: Promise<Message | null>;
      try {
        call = this.#bus.call(message);
      } catch (error) {
        clearTimeout(timer);
        reject(error);
        return;
      }
      call.then(
        (reply) => {
          clearTimeout(timer);
          if (timedOut) {
            if (reply !== null) late?.(reply);
          } else if (reply === null) reject(new Error(`${what}: no reply`));
          else resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
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

function messageOf(error: unknown): string {
  if (error instanceof DBusError) return `${error.type}: ${error.text}`;
  // usocket's errors name a line of its C source as the path; the call and the code are what tell
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code === 'string' && typeof syscall === 'string') return `${syscall}: ${code}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
