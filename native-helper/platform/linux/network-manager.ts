/*
 * NetworkManager on the system bus, the little of its documented D-Bus API the helper needs
 * (https://networkmanager.dev/docs/api/latest/spec.html):
 *
 *   which network   org.freedesktop.NetworkManager: PrimaryConnection (o), Connectivity (u, NMConnectivityState)
 *                   -> Connection.Active: Id, Uuid, Type, Devices (ao), SpecificObject (o: the AccessPoint for
 *                      Wi-Fi), Ip4Config, Ip6Config
 *                   -> Device: IpInterface; AccessPoint: Ssid (ay); IP4Config: Gateway, NameserverData;
 *                      IP6Config: Gateway, Nameservers (aay)
 *   following it    org.freedesktop.DBus.Properties.PropertiesChanged on those objects, the Manager's
 *                   StateChanged, and the bus's NameOwnerChanged (NetworkManager restarting or leaving)
 *   leaving ours    Device.Managed = false (GetDeviceByIpIface finds it): NetworkManager takes an interface it
 *                   did not create as "connected (externally)", with a generated connection of its own, and may
 *                   then touch it (DNS, the primary connection, dispatcher scripts); unmanaged it keeps its hands
 *                   off, addresses and all (tried with Debian's 1.42 in a namespace: test/netns/network-manager-real)
 *   DNS             GlobalDnsConfiguration (a{sv}) and DnsManager's Mode and RcManager (dns-networkmanager.ts)
 *   connectivity    CheckConnectivity()
 *
 * An SSID is bytes. It is shown as UTF-8 when it is valid UTF-8 without control characters, and otherwise byte
 * by byte, printable ASCII as is and every other byte (and the backslash) as \xNN, so that each SSID has one
 * spelling and rules can name any of them.
 *
 * NetworkManager serves the network namespace it runs in, the host's: a helper in a namespace of its own does
 * not ask it, unless given a bus of its own (tests), as dns.ts decides for DNS.
 */
import { type Message, Variant } from 'dbus-next';
import type { Connectivity, NetworkIdentity, NetworkIdentityWatch, PrimaryNetwork } from '../types.js';
import { BusConnection, BusUnavailable, PROPERTIES, messageOf, nameOwnerChange, nameOwnerRule } from './system-bus.js';

export const NM_NAME = 'org.freedesktop.NetworkManager';
export const NM_PATH = '/org/freedesktop/NetworkManager';
export const NM_MANAGER = NM_NAME;
export const NM_ACTIVE = 'org.freedesktop.NetworkManager.Connection.Active';
export const NM_DEVICE = 'org.freedesktop.NetworkManager.Device';
export const NM_ACCESS_POINT = 'org.freedesktop.NetworkManager.AccessPoint';
export const NM_IP4_CONFIG = 'org.freedesktop.NetworkManager.IP4Config';
export const NM_IP6_CONFIG = 'org.freedesktop.NetworkManager.IP6Config';
export const NM_DNS_MANAGER = 'org.freedesktop.NetworkManager.DnsManager';
export const NM_DNS_MANAGER_PATH = '/org/freedesktop/NetworkManager/DnsManager';
/** A bus call NetworkManager answers in milliseconds; a connectivity check may take its own time (up to 20 s). */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;
const CHECK_TIMEOUT_MS = 30_000;

const WIFI_TYPES = new Set(['802-11-wireless']);
/** Wired connections, and the kinds built on a wired link. */
const ETHERNET_TYPES = new Set(['802-3-ethernet', 'vlan', 'bond', 'bridge', 'team', 'macsec', 'veth']);
const CONNECTIVITY: readonly Connectivity[] = ['unknown', 'none', 'portal', 'limited', 'full'];

/** NetworkManager's connection type, as on-demand sees it. */
export function networkKind(type: string): PrimaryNetwork['kind'] {
  if (WIFI_TYPES.has(type)) return 'wifi';
  return ETHERNET_TYPES.has(type) ? 'ethernet' : 'other';
}

/** NMConnectivityState (0 unknown, 1 none, 2 portal, 3 limited, 4 full). */
export function connectivityOf(state: unknown): Connectivity {
  return typeof state === 'number' ? (CONNECTIVITY[state] ?? 'unknown') : 'unknown';
}

/** An SSID's bytes as Warren spells it (see the header); null for none (a hidden network). */
export function ssidText(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // eslint-disable-next-line no-control-regex -- control characters are what sends it to the escaped form
    if (!/[\x00-\x1f\x7f]/.test(text)) return text;
  } catch {
    // not UTF-8: escaped below
  }
  let text = '';
  for (const byte of bytes) {
    text +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}

/** NetworkManager's global DNS (GlobalDnsConfiguration), as plain data. */
export interface GlobalDns {
  searches?: string[];
  options?: string[];
  domains?: Record<string, { servers?: string[]; options?: string[] }>;
}

/** No NetworkManager to ask: no bus, or nobody owns its name. */
export class NetworkManagerUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NetworkManagerUnavailable';
  }
}

export interface NetworkManagerOptions {
  /** The system bus (system-bus.ts's systemBusAddress by default). */
  address: string;
  callTimeoutMs?: number;
}

/** One connection to NetworkManager: questions and the few changes the helper makes. */
export class NetworkManagerClient {
  readonly bus: BusConnection;
  /** NetworkManager's unique name on the bus when connected. */
  owner: string;

  private constructor(bus: BusConnection, owner: string) {
    this.bus = bus;
    this.owner = owner;
  }

  /** Connects; rejects with NetworkManagerUnavailable when there is no bus or no NetworkManager on it. */
  static async connect(options: NetworkManagerOptions): Promise<NetworkManagerClient> {
    let bus: BusConnection;
    try {
      bus = await BusConnection.connect(options.address, options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    } catch (error) {
      throw new NetworkManagerUnavailable(messageOf(error), { cause: error });
    }
    try {
      const owner = await bus.nameOwner(NM_NAME);
      if (owner === null)
        throw new NetworkManagerUnavailable(`NetworkManager is not running (nothing owns ${NM_NAME})`);
      return new NetworkManagerClient(bus, owner);
    } catch (error) {
      bus.close();
      throw error instanceof NetworkManagerUnavailable
        ? error
        : new NetworkManagerUnavailable(`NetworkManager does not answer: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Which network the machine is on now. */
  async identity(): Promise<NetworkIdentity> {
    const manager = await this.#getAll(NM_PATH, NM_MANAGER);
    const connectivity = connectivityOf(manager.Connectivity);
    const path = objectPath(manager.PrimaryConnection);
    return { available: true, problem: null, primary: path === null ? null : await this.#primary(path), connectivity };
  }

  /** Asks NetworkManager to check connectivity now. */
  async checkConnectivity(): Promise<Connectivity> {
    const reply = await this.bus.call(this.#manager(), 'CheckConnectivity', '', [], CHECK_TIMEOUT_MS);
    return connectivityOf(reply.body[0]);
  }

  /**
   * Tells NetworkManager to leave the interface alone (Device.Managed = false), waiting up to `waitMs` for it
   * to have seen the interface (it learns of new links from the kernel a moment after they appear). Resolves
   * false when it never saw it.
   */
  async leaveAlone(link: string, waitMs = 2000): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const device = await this.deviceOf(link);
      if (device !== null) {
        // Even when it says Managed is false already: a TUN without addresses is unmanaged only until it gets
        // one (then NetworkManager takes it as "external"); set by us, it stays unmanaged.
        await this.bus.set(NM_NAME, device, NM_DEVICE, 'Managed', new Variant('b', false));
        return true;
      }
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The device object of an interface, or null when NetworkManager has none for it. */
  async deviceOf(link: string): Promise<string | null> {
    try {
      const reply = await this.bus.call(this.#manager(), 'GetDeviceByIpIface', 's', [link]);
      return objectPath(reply.body[0]);
    } catch (error) {
      if (/UnknownDevice|No device found/i.test(messageOf(error))) return null;
      throw error;
    }
  }

  async globalDns(): Promise<GlobalDns> {
    return plainGlobalDns(await this.bus.get(NM_NAME, NM_PATH, NM_MANAGER, 'GlobalDnsConfiguration'));
  }

  async setGlobalDns(dns: GlobalDns): Promise<void> {
    await this.bus.set(NM_NAME, NM_PATH, NM_MANAGER, 'GlobalDnsConfiguration', globalDnsVariant(dns));
  }

  /** How NetworkManager handles DNS: its plugin (Mode) and how it writes resolv.conf (RcManager). */
  async dnsManager(): Promise<{ mode: string; rcManager: string }> {
    const all = await this.#getAll(NM_DNS_MANAGER_PATH, NM_DNS_MANAGER);
    return { mode: String(all.Mode ?? ''), rcManager: String(all.RcManager ?? '') };
  }

  close(): void {
    this.bus.close();
  }

  #manager() {
    return { destination: NM_NAME, path: NM_PATH, interface: NM_MANAGER };
  }

  #getAll(path: string, iface: string): Promise<Record<string, unknown>> {
    return this.bus.getAll(NM_NAME, path, iface);
  }

  async #primary(path: string): Promise<PrimaryNetwork> {
    const active = await this.#getAll(path, NM_ACTIVE);
    const type = String(active.Type ?? '');
    const kind = networkKind(type);
    const devicePath = Array.isArray(active.Devices) ? objectPath(active.Devices[0]) : null;
    const device =
      devicePath === null ? null : String((await this.#getAll(devicePath, NM_DEVICE)).IpInterface ?? '') || null;
    let ssid: string | null = null;
    const accessPoint = objectPath(active.SpecificObject);
    if (kind === 'wifi' && accessPoint !== null) {
      const bytes = await this.bus.get(NM_NAME, accessPoint, NM_ACCESS_POINT, 'Ssid');
      ssid = bytes instanceof Uint8Array ? ssidText(bytes) : null;
    }
    const dnsServers: string[] = [];
    const gateways: string[] = [];
    const ip4 = objectPath(active.Ip4Config);
    if (ip4 !== null) {
      const config = await this.#getAll(ip4, NM_IP4_CONFIG);
      if (typeof config.Gateway === 'string' && config.Gateway !== '') gateways.push(config.Gateway);
      for (const entry of Array.isArray(config.NameserverData) ? config.NameserverData : []) {
        const address = (entry as { address?: unknown }).address;
        if (typeof address === 'string') dnsServers.push(address);
      }
    }
    const ip6 = objectPath(active.Ip6Config);
    if (ip6 !== null) {
      const config = await this.#getAll(ip6, NM_IP6_CONFIG);
      if (typeof config.Gateway === 'string' && config.Gateway !== '') gateways.push(config.Gateway);
      for (const bytes of Array.isArray(config.Nameservers) ? config.Nameservers : []) {
        if (bytes instanceof Uint8Array && bytes.length === 16) dnsServers.push(ipv6Text(bytes));
      }
    }
    return {
      id: String(active.Uuid ?? path),
      name: String(active.Id ?? ''),
      kind,
      type,
      device,
      ssid,
      dnsServers,
      gateways,
    };
  }
}

export interface WatchNetworkManagerOptions extends NetworkManagerOptions {
  log?: (message: string) => void;
  /** How long to wait before trying the bus again when it is not there (a helper that started before it). */
  retryMs?: number;
  /** How long a burst of signals is let settle before the network is read again. */
  settleMs?: number;
}

/**
 * Follows NetworkManager: reads the network at start and again after each change it signals (a burst read once),
 * and says when it stops or comes back. Without a bus it tries again every `retryMs`.
 */
export function watchNetworkManager(
  onChange: (identity: NetworkIdentity) => void,
  options: WatchNetworkManagerOptions,
): NetworkIdentityWatch {
  const log = options.log ?? (() => {});
  const retryMs = options.retryMs ?? 30_000;
  const settleMs = options.settleMs ?? 50;
  let client: NetworkManagerClient | null = null;
  let current: NetworkIdentity = { available: false, problem: 'not asked yet', primary: null, connectivity: 'unknown' };
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let settle: NodeJS.Timeout | null = null;
  let reading: Promise<void> | null = null;
  let again = false;
  /** The objects whose changes matter now: the primary connection's. */
  let watched = new Set<string>([NM_PATH]);
  /** What close() must also shut: a bare connection waiting for NetworkManager to appear. */
  const closers: (() => void)[] = [];

  const publish = (identity: NetworkIdentity) => {
    if (closed || JSON.stringify(identity) === JSON.stringify(current)) return;
    current = identity;
    onChange(identity);
  };
  const unavailable = (problem: string) =>
    publish({ available: false, problem, primary: null, connectivity: 'unknown' });

  const read = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        const now = client;
        if (now === null || closed) return;
        try {
          const identity = await now.identity();
          watched = await objectsOf(now, identity);
          publish(identity);
        } catch (error) {
          // An object that went away while it was read: the signal that removed it asks again.
          log(`reading NetworkManager's state failed: ${messageOf(error)}`);
        }
      } while (again);
    })().finally(() => (reading = null));
    return reading;
  };

  const soon = () => {
    if (settle !== null) return;
    settle = setTimeout(() => {
      settle = null;
      void read();
    }, settleMs);
    settle.unref();
  };

  const onSignal = (message: Message) => {
    const now = client;
    if (now === null) return;
    const owner = nameOwnerChange(message, NM_NAME);
    if (owner !== undefined) {
      if (owner === null) {
        log('NetworkManager left the bus');
        unavailable('NetworkManager stopped');
      } else {
        log('NetworkManager is back on the bus');
        now.owner = owner;
        void read();
      }
      return;
    }
    if (message.sender !== now.owner) return;
    if (message.interface === NM_MANAGER && message.member === 'StateChanged') return soon();
    if (message.interface !== PROPERTIES || message.member !== 'PropertiesChanged') return;
    if (!watched.has(message.path)) return;
    const [iface, changed] = message.body as [string, Record<string, unknown>];
    // An access point's signal strength changes every few seconds; only its name matters here.
    if (iface === NM_ACCESS_POINT && !('Ssid' in changed)) return;
    soon();
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    let next: NetworkManagerClient;
    try {
      next = await NetworkManagerClient.connect(options);
    } catch (error) {
      if (error instanceof NetworkManagerUnavailable && error.cause instanceof BusUnavailable) {
        unavailable(`${error.message}; on-demand needs NetworkManager on the system bus`);
        if (!closed) {
          retry = setTimeout(() => void connect(), retryMs);
          retry.unref();
        }
        return;
      }
      // A bus without NetworkManager: its name appearing is watched below, on a bare connection.
      unavailable((error as Error).message);
      await watchForNetworkManager();
      return;
    }
    await follow(next);
  };

  /** Follows a connected client's signals; on a lost bus, starts over. */
  const follow = async (next: NetworkManagerClient): Promise<void> => {
    if (closed) return next.close();
    client = next;
    next.bus.onSignal(onSignal);
    next.bus.onLost((reason) => {
      if (client !== next) return;
      client = null;
      log(`lost the system bus (${reason})`);
      unavailable(`lost the system bus (${reason})`);
      retry = setTimeout(() => void connect(), retryMs);
      retry.unref();
    });
    try {
      await next.bus.addMatch(
        `type='signal',sender='${NM_NAME}',interface='${PROPERTIES}',member='PropertiesChanged',path_namespace='${NM_PATH}'`,
      );
      await next.bus.addMatch(`type='signal',sender='${NM_NAME}',interface='${NM_MANAGER}',member='StateChanged'`);
      await next.bus.addMatch(nameOwnerRule(NM_NAME));
    } catch (error) {
      log(`cannot follow NetworkManager's signals: ${messageOf(error)}`);
    }
    await read();
  };

  /** The bus is there but NetworkManager is not: wait for its name, then follow it. */
  const watchForNetworkManager = async (): Promise<void> => {
    let bus: BusConnection;
    try {
      bus = await BusConnection.connect(options.address, options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
      await bus.addMatch(nameOwnerRule(NM_NAME));
    } catch {
      retry = setTimeout(() => void connect(), retryMs);
      retry.unref();
      return;
    }
    if (closed) return bus.close();
    const waiting = bus;
    const reconnect = () => {
      waiting.close();
      if (!closed && client === null) void connect();
    };
    bus.onSignal((message) => {
      if (nameOwnerChange(message, NM_NAME)) reconnect();
    });
    bus.onLost(() => {
      retry = setTimeout(() => void connect(), retryMs);
      retry.unref();
    });
    closers.push(() => waiting.close());
    // It may have come between the first look and the match rule.
    if ((await bus.nameOwner(NM_NAME).catch(() => null)) !== null) reconnect();
  };

  const ready = connect().catch((error: unknown) => unavailable(messageOf(error)));

  return {
    ready,
    current: () => current,
    async checkConnectivity() {
      if (client === null) return 'unknown';
      const found = await client.checkConnectivity();
      void read();
      return found;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (retry !== null) clearTimeout(retry);
      if (settle !== null) clearTimeout(settle);
      for (const close of closers) close();
      client?.close();
      client = null;
    },
  };
}

/** The objects whose PropertiesChanged may change the identity: the manager and the primary connection's. */
async function objectsOf(client: NetworkManagerClient, identity: NetworkIdentity): Promise<Set<string>> {
  const watched = new Set<string>([NM_PATH]);
  if (identity.primary === null) return watched;
  try {
    const manager = await client.bus.getAll(NM_NAME, NM_PATH, NM_MANAGER);
    const path = objectPath(manager.PrimaryConnection);
    if (path === null) return watched;
    watched.add(path);
    const active = await client.bus.getAll(NM_NAME, path, NM_ACTIVE);
    for (const key of ['SpecificObject', 'Ip4Config', 'Ip6Config']) {
      const object = objectPath(active[key]);
      if (object !== null) watched.add(object);
    }
    for (const device of Array.isArray(active.Devices) ? active.Devices : []) {
      const object = objectPath(device);
      if (object !== null) watched.add(object);
    }
  } catch {
    // gone meanwhile: the signal that removed it brings a new reading
  }
  return watched;
}

/** An object path, or null for none ("/", or not a path at all). */
function objectPath(value: unknown): string | null {
  return typeof value === 'string' && value.startsWith('/') && value !== '/' ? value : null;
}

function ipv6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The longest run of zero groups (two or more) becomes "::".
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

function plainGlobalDns(value: unknown): GlobalDns {
  const dns: GlobalDns = {};
  if (value === null || typeof value !== 'object') return dns;
  const all = value as Record<string, unknown>;
  const strings = (list: unknown) => (Array.isArray(list) ? list.map(String) : undefined);
  const searches = strings(all.searches);
  if (searches !== undefined) dns.searches = searches;
  const options = strings(all.options);
  if (options !== undefined) dns.options = options;
  if (all.domains !== null && typeof all.domains === 'object') {
    dns.domains = {};
    for (const [domain, settings] of Object.entries(all.domains as Record<string, unknown>)) {
      const entry = (settings ?? {}) as Record<string, unknown>;
      const servers = strings(entry.servers);
      const domainOptions = strings(entry.options);
      dns.domains[domain] = {
        ...(servers === undefined ? {} : { servers }),
        ...(domainOptions === undefined ? {} : { options: domainOptions }),
      };
    }
  }
  return dns;
}

function globalDnsVariant(dns: GlobalDns): Variant {
  const top: Record<string, Variant> = {};
  if (dns.searches !== undefined) top.searches = new Variant('as', dns.searches);
  if (dns.options !== undefined) top.options = new Variant('as', dns.options);
  if (dns.domains !== undefined) {
    const domains: Record<string, Variant> = {};
    for (const [domain, settings] of Object.entries(dns.domains)) {
      const entry: Record<string, Variant> = {};
      if (settings.servers !== undefined) entry.servers = new Variant('as', settings.servers);
      if (settings.options !== undefined) entry.options = new Variant('as', settings.options);
      domains[domain] = new Variant('a{sv}', entry);
    }
    top.domains = new Variant('a{sv}', domains);
  }
  return new Variant('a{sv}', top);
}
