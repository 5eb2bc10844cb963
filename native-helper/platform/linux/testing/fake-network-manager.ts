/*
 * A stand-in NetworkManager for tests, on a private dbus-daemon (fake-logind.ts's startPrivateBus), built with the
 * same library as the helper and answering as NetworkManager's documented D-Bus API does for the part the helper
 * uses (network-manager.ts's header): the Manager's PrimaryConnection, PrimaryConnectionType, State, Connectivity
 * and GlobalDnsConfiguration (read-write), CheckConnectivity() and GetDeviceByIpIface(); Connection.Active objects
 * with Id, Uuid, Type, Devices, SpecificObject, Ip4Config and Ip6Config; Device (Interface, IpInterface, Managed
 * read-write, State); AccessPoint (Ssid, Strength); IP4Config (Gateway, NameserverData); IP6Config (Gateway,
 * Nameservers); the DnsManager (Mode, RcManager). Every change is announced as NetworkManager announces it, with
 * org.freedesktop.DBus.Properties.PropertiesChanged on the object (and StateChanged on the Manager), so a test
 * drives the helper through network changes by calling connect(), disconnect() and setConnectivity().
 */
import { DBusError, Message, type MessageBus, Variant, sessionBus } from 'dbus-next';
import {
  NM_ACCESS_POINT,
  NM_ACTIVE,
  NM_DEVICE,
  NM_DNS_MANAGER,
  NM_DNS_MANAGER_PATH,
  NM_IP4_CONFIG,
  NM_IP6_CONFIG,
  NM_MANAGER,
  NM_NAME,
  NM_PATH,
} from '../network-manager.js';
import { PROPERTIES, unwrap } from '../system-bus.js';

const CONNECTIVITY = { unknown: 0, none: 1, portal: 2, limited: 3, full: 4 } as const;
/** NMState: disconnected, connected (global). */
const NM_STATE_DISCONNECTED = 20;
const NM_STATE_CONNECTED_GLOBAL = 70;
/** NMDeviceState: unmanaged, disconnected, activated. */
const DEVICE_UNMANAGED = 10;
const DEVICE_DISCONNECTED = 30;
const DEVICE_ACTIVATED = 100;

export interface FakeNetwork {
  /** 'wifi', 'ethernet', or another NetworkManager connection type ('gsm', ...). */
  kind: 'wifi' | 'ethernet' | string;
  /** The connection profile's name and UUID. */
  name: string;
  uuid: string;
  /** The interface (made a device when NetworkManager has none of that name yet). */
  device: string;
  /** For Wi-Fi: the SSID's bytes (a string is taken as UTF-8); absent: a hidden network. */
  ssid?: string | Uint8Array;
  dns4?: string[];
  gateway4?: string;
  dns6?: string[];
  gateway6?: string;
}

type Properties = Map<string, Variant>;

export class FakeNetworkManager {
  /** Every method called on it, as `Member arg...` (Properties calls as `Get Interface.Property`). */
  readonly calls: string[] = [];
  /** What the next CheckConnectivity() finds; by default the connectivity of now. */
  checkResult: keyof typeof CONNECTIVITY | null = null;
  readonly #bus: MessageBus;
  /** path -> interface -> property -> value */
  readonly #objects = new Map<string, Map<string, Properties>>();
  #serial = 0;

  private constructor(bus: MessageBus) {
    this.#bus = bus;
    this.#object(NM_PATH, NM_MANAGER, {
      PrimaryConnection: new Variant('o', '/'),
      PrimaryConnectionType: new Variant('s', ''),
      ActiveConnections: new Variant('ao', []),
      Devices: new Variant('ao', []),
      State: new Variant('u', NM_STATE_DISCONNECTED),
      Connectivity: new Variant('u', CONNECTIVITY.none),
      Version: new Variant('s', '1.42.4'),
      GlobalDnsConfiguration: new Variant('a{sv}', {}),
    });
    this.#object(NM_DNS_MANAGER_PATH, NM_DNS_MANAGER, {
      Mode: new Variant('s', 'default'),
      RcManager: new Variant('s', 'file'),
    });
  }

  /** Connects to `address` and owns org.freedesktop.NetworkManager there. */
  static async start(address: string): Promise<FakeNetworkManager> {
    const bus = sessionBus({ busAddress: address });
    bus.on('error', () => {}); // the daemon may be killed under it
    const fake = new FakeNetworkManager(bus);
    bus.addMethodHandler((message: Message) => fake.#handle(message));
    await bus.requestName(NM_NAME, 0);
    return fake;
  }

  /** The device of an interface (made, managed and disconnected, if there is none); its object path. */
  addDevice(iface: string, managed = true): string {
    const existing = this.deviceOf(iface);
    if (existing !== null) return existing;
    const path = `${NM_PATH}/Devices/${++this.#serial}`;
    this.#object(path, NM_DEVICE, {
      Interface: new Variant('s', iface),
      IpInterface: new Variant('s', iface),
      Managed: new Variant('b', managed),
      State: new Variant('u', managed ? DEVICE_DISCONNECTED : DEVICE_UNMANAGED),
    });
    this.#set(NM_PATH, NM_MANAGER, { Devices: new Variant('ao', [...this.#devices(), path]) });
    return path;
  }

  deviceOf(iface: string): string | null {
    for (const path of this.#devices()) {
      if (this.#objects.get(path)?.get(NM_DEVICE)?.get('IpInterface')?.value === iface) return path;
    }
    return null;
  }

  /** Whether NetworkManager manages the interface (false once told to leave it alone). */
  managed(iface: string): boolean | undefined {
    const path = this.deviceOf(iface);
    return path === null ? undefined : this.#objects.get(path)!.get(NM_DEVICE)!.get('Managed')!.value === true;
  }

  /** The machine is on `network` now, as its primary connection. */
  connect(network: FakeNetwork): void {
    const n = ++this.#serial;
    const type =
      network.kind === 'wifi' ? '802-11-wireless' : network.kind === 'ethernet' ? '802-3-ethernet' : network.kind;
    const device = this.addDevice(network.device);
    this.#set(device, NM_DEVICE, { State: new Variant('u', DEVICE_ACTIVATED) });
    let accessPoint = '/';
    if (network.kind === 'wifi') {
      accessPoint = `${NM_PATH}/AccessPoint/${n}`;
      const ssid = network.ssid === undefined ? Buffer.alloc(0) : Buffer.from(network.ssid);
      this.#object(accessPoint, NM_ACCESS_POINT, { Ssid: new Variant('ay', ssid), Strength: new Variant('y', 70) });
    }
    const ip4 = `${NM_PATH}/IP4Config/${n}`;
    this.#object(ip4, NM_IP4_CONFIG, {
      Gateway: new Variant('s', network.gateway4 ?? ''),
      NameserverData: new Variant(
        'aa{sv}',
        (network.dns4 ?? []).map((address) => ({ address: new Variant('s', address) })),
      ),
    });
    const ip6 = `${NM_PATH}/IP6Config/${n}`;
    this.#object(ip6, NM_IP6_CONFIG, {
      Gateway: new Variant('s', network.gateway6 ?? ''),
      Nameservers: new Variant('aay', (network.dns6 ?? []).map(ipv6Bytes)),
    });
    const active = `${NM_PATH}/ActiveConnection/${n}`;
    this.#object(active, NM_ACTIVE, {
      Id: new Variant('s', network.name),
      Uuid: new Variant('s', network.uuid),
      Type: new Variant('s', type),
      Devices: new Variant('ao', [device]),
      SpecificObject: new Variant('o', accessPoint),
      Ip4Config: new Variant('o', ip4),
      Ip6Config: new Variant('o', ip6),
      State: new Variant('u', 2),
    });
    this.#set(NM_PATH, NM_MANAGER, {
      PrimaryConnection: new Variant('o', active),
      PrimaryConnectionType: new Variant('s', type),
      ActiveConnections: new Variant('ao', [active]),
      State: new Variant('u', NM_STATE_CONNECTED_GLOBAL),
    });
    this.#stateChanged();
  }

  /** No network any more. */
  disconnect(): void {
    this.#set(NM_PATH, NM_MANAGER, {
      PrimaryConnection: new Variant('o', '/'),
      PrimaryConnectionType: new Variant('s', ''),
      ActiveConnections: new Variant('ao', []),
      State: new Variant('u', NM_STATE_DISCONNECTED),
      Connectivity: new Variant('u', CONNECTIVITY.none),
    });
    this.#stateChanged();
  }

  setConnectivity(connectivity: keyof typeof CONNECTIVITY): void {
    this.#set(NM_PATH, NM_MANAGER, { Connectivity: new Variant('u', CONNECTIVITY[connectivity]) });
  }

  /** The access point's signal strength changes (NetworkManager says so every few seconds). */
  signalStrength(strength: number): void {
    const active = this.#manager('PrimaryConnection') as string;
    const accessPoint = this.#objects.get(active)?.get(NM_ACTIVE)?.get('SpecificObject')?.value as string | undefined;
    if (accessPoint !== undefined && accessPoint !== '/')
      this.#set(accessPoint, NM_ACCESS_POINT, { Strength: new Variant('y', strength) });
  }

  setDnsManager(mode: string, rcManager: string): void {
    this.#set(NM_DNS_MANAGER_PATH, NM_DNS_MANAGER, {
      Mode: new Variant('s', mode),
      RcManager: new Variant('s', rcManager),
    });
  }

  /** The global DNS as NetworkManager holds it, variants unwrapped. */
  get globalDns(): unknown {
    return unwrap(this.#manager('GlobalDnsConfiguration'));
  }

  /** Global DNS set in NetworkManager.conf: NetworkManager then refuses to take another over D-Bus. */
  globalDnsFromConfig = false;

  /** Leaves the bus, as NetworkManager does when it stops. */
  async stop(): Promise<void> {
    try {
      this.#bus.disconnect();
    } catch {
      // the bus is gone already
    }
  }

  #handle(message: Message): boolean {
    const reply = (signature: string, body: unknown[]) => this.#send(Message.newMethodReturn(message, signature, body));
    const fail = (name: string, text: string) =>
      this.#send((Message.newError as unknown as (m: Message, n: string, t: string) => Message)(message, name, text));
    try {
      if (message.interface === PROPERTIES) return this.#properties(message, reply, fail);
      if (message.path === NM_PATH && message.interface === NM_MANAGER) {
        this.calls.push(`${message.member} ${(message.body as unknown[]).join(' ')}`.trim());
        if (message.member === 'CheckConnectivity') {
          if (this.checkResult !== null) this.setConnectivity(this.checkResult);
          reply('u', [this.#manager('Connectivity')]);
          return true;
        }
        if (message.member === 'GetDeviceByIpIface') {
          const device = this.deviceOf(String(message.body[0]));
          if (device === null)
            fail('org.freedesktop.NetworkManager.UnknownDevice', 'No device found for the requested iface.');
          else reply('o', [device]);
          return true;
        }
      }
      return false;
    } catch (error) {
      fail('org.freedesktop.DBus.Error.Failed', error instanceof DBusError ? error.text : String(error));
      return true;
    }
  }

  #properties(
    message: Message,
    reply: (signature: string, body: unknown[]) => void,
    fail: (name: string, text: string) => void,
  ): boolean {
    const [iface, name, value] = message.body as [string, string?, Variant?];
    const object = this.#objects.get(message.path);
    this.calls.push(`${message.member} ${iface}${name === undefined ? '' : `.${name}`}`);
    if (object === undefined) {
      fail('org.freedesktop.DBus.Error.UnknownObject', `No such object path '${message.path}'`);
      return true;
    }
    const properties = object.get(iface);
    if (properties === undefined) {
      fail('org.freedesktop.DBus.Error.UnknownInterface', `No such interface '${iface}'`);
      return true;
    }
    switch (message.member) {
      case 'GetAll':
        reply('a{sv}', [Object.fromEntries(properties)]);
        return true;
      case 'Get': {
        const found = properties.get(name!);
        if (found === undefined) fail('org.freedesktop.DBus.Error.InvalidArgs', `No such property '${name}'`);
        else reply('v', [found]);
        return true;
      }
      case 'Set': {
        const writable =
          (message.path === NM_PATH && name === 'GlobalDnsConfiguration') ||
          (iface === NM_DEVICE && name === 'Managed');
        if (!writable || value === undefined) {
          fail('org.freedesktop.DBus.Error.PropertyReadOnly', `Property '${name}' is not writable`);
          return true;
        }
        if (name === 'GlobalDnsConfiguration' && this.globalDnsFromConfig) {
          fail(
            'org.freedesktop.NetworkManager.PermissionDenied',
            'Global DNS configuration already set via configuration file',
          );
          return true;
        }
        const changes: Record<string, Variant> = { [name!]: value };
        if (name === 'Managed')
          changes.State = new Variant('u', value.value === true ? DEVICE_DISCONNECTED : DEVICE_UNMANAGED);
        this.#set(message.path, iface, changes);
        reply('', []);
        return true;
      }
      default:
        return false;
    }
  }

  #object(path: string, iface: string, properties: Record<string, Variant>): void {
    const object = this.#objects.get(path) ?? new Map<string, Properties>();
    object.set(iface, new Map(Object.entries(properties)));
    this.#objects.set(path, object);
  }

  /** Changes properties and announces them, as NetworkManager does. */
  #set(path: string, iface: string, changes: Record<string, Variant>): void {
    const properties = this.#objects.get(path)!.get(iface)!;
    for (const [key, value] of Object.entries(changes)) properties.set(key, value);
    this.#send(Message.newSignal(path, PROPERTIES, 'PropertiesChanged', 'sa{sv}as', [iface, changes, []]));
  }

  #stateChanged(): void {
    this.#send(Message.newSignal(NM_PATH, NM_MANAGER, 'StateChanged', 'u', [this.#manager('State')]));
  }

  /** Sends, unless it has left the bus (a call that came in as it stopped gets no answer, as from a real one). */
  #send(message: Message): void {
    try {
      this.#bus.send(message);
    } catch {
      // the connection is closed
    }
  }

  #manager(property: string): unknown {
    return this.#objects.get(NM_PATH)!.get(NM_MANAGER)!.get(property)!.value;
  }

  #devices(): string[] {
    return this.#manager('Devices') as string[];
  }
}

function ipv6Bytes(text: string): Buffer {
  const [head = '', tail = ''] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = groups(head);
  const back = text.includes('::') ? groups(tail) : [];
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}
