/*
 * A whole helper (startHelperService) on a MemoryHost, for tests without root: its control socket, store, runtime
 * directory and UAPI sockets in a temporary folder, and scripted accounts (alice and bob, members of the control
 * group; uid 0, root). `as(uid)` connects as that user; `restart()` stops the helper and starts another on the same
 * machine and store, as `systemctl restart warren` does. The platform may be given (a MemoryPlatform wrapped to
 * reach a stand-in NetworkManager, say). wifi() and WIRED are networks as NetworkManager would report them, for
 * MemorySystem.setIdentity.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from '../../../shared/ipc/control-client.js';
import type { NetworkIdentity, Platform } from '../../platform/types.js';
import { TunnelStore } from '../../store/index.js';
import type { Accounts } from '../authorization.js';
import { type HelperService, startHelperService } from '../helper-service.js';
import { MemoryHost } from './memory-host.js';
import { temporaryDirectory, testCrypto } from './memory-tunnels.js';

export const ALICE = 61001;
export const BOB = 61002;
const NAMES: Record<number, string> = { 0: 'root', [ALICE]: 'alice', [BOB]: 'bob' };

export interface MemoryHelperOptions {
  host?: MemoryHost;
  /** The platform the helper gets (default: the host's, as it is at each start). */
  platform?: (host: MemoryHost) => Platform;
}

export class MemoryHelper {
  readonly host: MemoryHost;
  readonly directory = temporaryDirectory('warren-helper-');
  helper: HelperService | null = null;
  readonly #clients: ControlClient[] = [];
  readonly #options: MemoryHelperOptions;
  /** Who the next connection to the control socket is. */
  #connectingAs = 0;

  private constructor(options: MemoryHelperOptions) {
    this.host = options.host ?? new MemoryHost();
    this.#options = options;
  }

  static async start(options: MemoryHelperOptions = {}): Promise<MemoryHelper> {
    const memory = new MemoryHelper(options);
    await memory.#start();
    return memory;
  }

  get socketPath(): string {
    return join(this.directory, 'run', 'control.sock');
  }

  /** A connection made as `uid`, judged by the helper before this resolves. */
  async as(uid: number): Promise<ControlClient> {
    this.#connectingAs = uid;
    const client = await ControlClient.connect(this.socketPath);
    await client.call('version', {});
    this.#clients.push(client);
    return client;
  }

  /** The helper stops (its tunnels go down, wantUp stays) and another starts on the same machine and store. */
  async restart(): Promise<HelperService> {
    this.#closeClients();
    await this.helper?.close();
    return this.#start();
  }

  async close(): Promise<void> {
    this.#closeClients();
    await this.helper?.close();
    this.helper = null;
    rmSync(this.directory, { recursive: true, force: true });
  }

  async #start(): Promise<HelperService> {
    const accounts: Accounts = {
      peerCredentials: () => ({ pid: process.pid, uid: this.#connectingAs, gid: this.#connectingAs }),
      userName: (uid) => NAMES[uid] ?? null,
      groupId: () => process.getegid!(),
      groupMembership: (_uid, gid) => [gid, process.getegid!()],
    };
    this.helper = await startHelperService({
      socketPath: this.socketPath,
      platform: this.#options.platform?.(this.host) ?? this.host.platform,
      io: this.host.io,
      crypto: testCrypto(),
      version: '0.0.0-test',
      store: await TunnelStore.open(join(this.directory, 'store')),
      runtimeDirectory: join(this.directory, 'run'),
      namespaceId: 'test',
      uapiDirectory: join(this.directory, 'uapi'),
      controlGroup: 'warren-test',
      accounts,
      log: { output: () => {} },
    });
    await this.helper.ready;
    return this.helper;
  }

  #closeClients(): void {
    for (const client of this.#clients.splice(0)) client.close();
  }
}

/** The machine on the Wi-Fi network `ssid` (null: hidden), through wlan0, resolver and gateway 192.168.1.1. */
export function wifi(ssid: string | null, connectivity: NetworkIdentity['connectivity'] = 'full'): NetworkIdentity {
  return {
    available: true,
    problem: null,
    connectivity,
    primary: {
      id: `uuid-${ssid ?? 'hidden'}`,
      name: ssid ?? 'Hidden network',
      kind: 'wifi',
      type: '802-11-wireless',
      device: 'wlan0',
      ssid,
      dnsServers: ['192.168.1.1'],
      gateways: ['192.168.1.1'],
    },
  };
}

export const WIRED: NetworkIdentity = {
  available: true,
  problem: null,
  connectivity: 'full',
  primary: {
    id: 'uuid-wired',
    name: 'Wired connection 1',
    kind: 'ethernet',
    type: '802-3-ethernet',
    device: 'eth0',
    ssid: null,
    dnsServers: ['10.0.0.1'],
    gateways: ['10.0.0.1'],
  },
};
