/*
 * The system bus, as the helper's clients of system services use it (network-manager.ts, logind.ts): a
 * connection that says when it is lost, method calls with a deadline (dbus-next waits forever, and a call in
 * flight when the bus dies never settles), properties read and written with their variants unwrapped, and the
 * owner of a well-known name. Signals are handed over as they come; a client checks their sender against the
 * owner it follows, since anyone on the bus may send a signal that looks like a service's. A connection may ask
 * for file descriptor passing (logind's inhibitor locks): dbus-next then reaches the bus through usocket, a small
 * native socket, since Node's cannot receive SCM_RIGHTS.
 */
import {
  DBusError,
  Message,
  type MessageBus,
  MessageType,
  type SessionBusOptions,
  Variant,
  sessionBus,
} from 'dbus-next';
import type { EventEmitter } from 'node:events';

/** Where dbus-daemon (and dbus-broker) listen on every systemd distribution; /var/run is a link to /run. */
export const DEFAULT_SYSTEM_BUS_ADDRESS = 'unix:path=/run/dbus/system_bus_socket';

/** The system bus the D-Bus specification names: $DBUS_SYSTEM_BUS_ADDRESS, else the standard socket. */
export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS_ADDRESS;
}

export const BUS_NAME = 'org.freedesktop.DBus';
const BUS_PATH = '/org/freedesktop/DBus';
export const PROPERTIES = 'org.freedesktop.DBus.Properties';

/** No bus at the address, or it does not answer. */
export class BusUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BusUnavailable';
  }
}

/** The parts of dbus-next's MessageBus its typings leave out: the connection and its socket. */
interface BusInternals {
  _connection?: EventEmitter & { stream?: EventEmitter & { supportsUnixFd?: boolean } };
}

export class BusConnection {
  readonly #bus: MessageBus;
  readonly #timeoutMs: number;
  readonly #signalHandlers: ((message: Message) => void)[] = [];
  readonly #lostHandlers: ((reason: string) => void)[] = [];
  #lastError: string | null = null;
  #gone = false;
  #closed = false;

  private constructor(bus: MessageBus, timeoutMs: number) {
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
    bus.on('error', (error) => {
      this.#lastError = messageOf(error);
    });
    bus.on('message', (message: Message) => {
      if (message.type !== MessageType.SIGNAL || this.#closed) return;
      for (const handler of this.#signalHandlers) {
        try {
          handler(message);
        } catch {
          // A handler's fault is not the bus's: dbus-next would answer a signal with an error message.
        }
      }
    });
    const connection = (bus as unknown as BusInternals)._connection;
    connection?.on('end', () => this.#lost('the bus closed the connection'));
    connection?.stream?.on('close', () => this.#lost('the bus connection closed'));
  }

  /**
   * Connects and says hello; rejects with BusUnavailable (leaving nothing open) when that fails in time. With
   * `unixFd`, asks the bus for file descriptor passing (fdPassing says whether it was granted).
   */
  static async connect(address: string, timeoutMs: number, options: { unixFd?: boolean } = {}): Promise<BusConnection> {
    let bus: MessageBus;
    try {
      // dbus-next's typings leave negotiateUnixFd out of the session options; its code takes it.
      const busOptions: SessionBusOptions & { negotiateUnixFd?: boolean } = { busAddress: address };
      if (options.unixFd) busOptions.negotiateUnixFd = true;
      bus = sessionBus(busOptions);
    } catch (error) {
      throw new BusUnavailable(`no system bus at ${address} (${messageOf(error)})`, { cause: error });
    }
    const connection = new BusConnection(bus, timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (reason: string) => {
          clearTimeout(timer);
          reject(new BusUnavailable(`no system bus at ${address} (${reason})`));
        };
        const timer = setTimeout(() => fail(`no answer in ${timeoutMs} ms`), timeoutMs);
        bus.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        bus.once('error', (error) => fail(messageOf(error)));
        (bus as unknown as BusInternals)._connection?.once('end', () => fail('the bus closed the connection'));
      });
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /** Whether the connection is still there. */
  get alive(): boolean {
    return !this.#gone && !this.#closed;
  }

  /** Whether this connection can receive file descriptors (asked for with `unixFd`, and usocket built). */
  get fdPassing(): boolean {
    return (this.#bus as unknown as BusInternals)._connection?.stream?.supportsUnixFd === true;
  }

  onSignal(handler: (message: Message) => void): void {
    this.#signalHandlers.push(handler);
  }

  /** The connection went away by itself (not by close()); nothing more comes from it. */
  onLost(handler: (reason: string) => void): void {
    this.#lostHandlers.push(handler);
  }

  /**
   * A method call; rejects with the service's DBusError, or when there is no answer in time. A reply that comes
   * after that goes to `late` (one carrying a file descriptor must be closed by someone).
   */
  call(
    target: { destination: string; path: string; interface: string },
    member: string,
    signature = '',
    body: unknown[] = [],
    timeoutMs = this.#timeoutMs,
    late?: (reply: Message) => void,
  ): Promise<Message> {
    const message = new Message({ ...target, member, signature, body });
    const what = `${target.interface}.${member}`;
    if (!this.alive) return Promise.reject(new BusUnavailable(`${what}: not connected to the bus`));
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`${what}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
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

  /** Every property of an object's interface, variants unwrapped (unwrap). */
  async getAll(destination: string, path: string, iface: string): Promise<Record<string, unknown>> {
    const reply = await this.call({ destination, path, interface: PROPERTIES }, 'GetAll', 's', [iface]);
    return unwrap(reply.body[0]) as Record<string, unknown>;
  }

  async get(destination: string, path: string, iface: string, property: string): Promise<unknown> {
    const reply = await this.call({ destination, path, interface: PROPERTIES }, 'Get', 'ss', [iface, property]);
    return unwrap(reply.body[0]);
  }

  async set(destination: string, path: string, iface: string, property: string, value: Variant): Promise<void> {
    await this.call({ destination, path, interface: PROPERTIES }, 'Set', 'ssv', [iface, property, value]);
  }

  /** Asks the bus to send this connection the signals a match rule describes. */
  async addMatch(rule: string): Promise<void> {
    await this.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME }, 'AddMatch', 's', [rule]);
  }

  /** The unique name that owns a well-known name now, or null when nobody does. */
  async nameOwner(name: string): Promise<string | null> {
    try {
      const reply = await this.call(
        { destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME },
        'GetNameOwner',
        's',
        [name],
      );
      return String(reply.body[0]);
    } catch (error) {
      if (error instanceof DBusError && error.type === `${BUS_NAME}.Error.NameHasNoOwner`) return null;
      throw error;
    }
  }

  /** Leaves the bus; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#bus.disconnect();
    } catch {
      // the socket is already gone
    }
  }

  #lost(reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.#closed) return;
    const why = this.#lastError === null ? reason : `${reason}: ${this.#lastError}`;
    for (const handler of this.#lostHandlers) handler(why);
  }
}

/** A NameOwnerChanged signal from the bus about `name`: its new owner (null: none), else undefined. */
export function nameOwnerChange(message: Message, name: string): string | null | undefined {
  if (message.sender !== BUS_NAME || message.interface !== BUS_NAME || message.member !== 'NameOwnerChanged') {
    return undefined;
  }
  const [changed, , owner] = message.body as [string, string, string];
  return changed === name ? owner || null : undefined;
}

/** The match rule for the bus's NameOwnerChanged about one name. */
export function nameOwnerRule(name: string): string {
  return `type='signal',sender='${BUS_NAME}',path='${BUS_PATH}',interface='${BUS_NAME}',member='NameOwnerChanged',arg0='${name}'`;
}

/** A value from the bus with every variant replaced by its value: arrays and dictionaries walked, bytes kept. */
export function unwrap(value: unknown): unknown {
  if (value instanceof Variant) return unwrap(value.value);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(unwrap);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrap(item)]));
  }
  return value;
}

export function messageOf(error: unknown): string {
  if (error instanceof DBusError) return `${error.type}: ${error.text}`;
  // usocket's errors name a line of its C source as the path; the call and the code are what tell
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code === 'string' && typeof syscall === 'string') return `${syscall}: ${code}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
