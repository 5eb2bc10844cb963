/*
 * One running tunnel in the helper: TUN device, UDP sockets, engine, data path, platform configuration (addresses,
 * routes, DNS) and the UAPI socket, brought up in that order and taken down in reverse. A failed step undoes
 * the ones before it, so a failed up leaves nothing behind. The tunnel also stops by itself when its TUN
 * interface is deleted from outside or its UAPI socket file is removed (wireguard-go's convention).
 */
import { encodeKey } from '../../shared/config/keys.js';
import { addressFromBytes, formatIpAddress } from '../../shared/config/ip.js';
import type { TunnelConfig } from '../../shared/config/model.js';
import type { TunnelStatus } from '../../shared/ipc/control.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { Device } from '../engine/device.js';
import type { DeviceEvent } from '../engine/device-types.js';
import { DROP_REASONS, type DropCounters } from '../engine/drops.js';
import { formatEndpoint } from '../engine/endpoint.js';
import { createBind } from '../io/addon-bind.js';
import { openTun } from '../io/addon-tun.js';
import type { Bind } from '../io/bind.js';
import type { Tun } from '../io/tun.js';
import type { DnsMethod, Platform, TunnelHandle } from '../platform/types.js';
import { type UapiServer, startUapiServer } from '../uapi/server.js';
import { configureDevice, reresolveEndpoints, resolveEndpoints } from './configure-device.js';
import { DataPath } from './data-path.js';

export interface TunnelOptions {
  name: string;
  config: TunnelConfig;
  platform: Platform;
  crypto: CryptoPrimitives;
  allowScripts?: boolean;
  /** Where the UAPI socket goes (tests); default /var/run/wireguard. */
  uapiDirectory?: string;
  log?: (message: string) => void;
  /** Called once when the tunnel stopped by itself (interface deleted, UAPI socket removed). */
  onStopped?: (reason: string) => void;
  /** The engine's events (handshakes, giving up), as they happen inside the data path: must not throw. */
  onEvent?: (event: DeviceEvent) => void;
  /** Called with the fwmark a full tunnel's policy rules will use, before they go in (crash recovery notes it). */
  onFwmark?: (fwmark: number) => void;
}

const monotonic = () => performance.now();

export class Tunnel {
  readonly name: string;
  readonly config: TunnelConfig;
  readonly device: Device;
  readonly warnings: readonly string[];
  private readonly parts: { tun: Tun; bind: Bind; handle: TunnelHandle; dataPath: DataPath; uapi: UapiServer };
  private closing: Promise<void> | null = null;

  private constructor(name: string, config: TunnelConfig, device: Device, warnings: readonly string[], parts: Tunnel['parts']) {
    this.name = name;
    this.config = config;
    this.device = device;
    this.warnings = warnings;
    this.parts = parts;
  }

  /** The mark of the tunnel's UDP sockets (a full tunnel's table), or null. */
  get fwmark(): number | null {
    return this.parts.handle.fwmark;
  }

  get dnsMethod(): DnsMethod | null {
    return this.parts.handle.dnsMethod;
  }

  static async start(options: TunnelOptions): Promise<Tunnel> {
    const { name, config, platform, crypto } = options;
    const log = options.log ?? (() => {});
    const undo: (() => Promise<void> | void)[] = [];
    try {
      const endpoints = await resolveEndpoints(config);
      const tun = openTun({ name, mtu: config.interface.mtu ?? 1420 });
      undo.push(() => tun.close());
      const bind = createBind();
      const port = bind.open(config.interface.listenPort ?? 0);
      undo.push(() => bind.close());
      if (config.interface.fwMark) bind.setMark(config.interface.fwMark);

      const endpointAddresses = endpoints.flatMap((e) => (e ? [formatEndpoint(e)!.replace(/^\[?(.*?)\]?:\d+$/, '$1')] : []));
      const handle = await platform.tunnels.up(name, config, {
        allowScripts: options.allowScripts,
        endpoints: endpointAddresses,
        onFwmark: (mark) => {
          options.onFwmark?.(mark);
          bind.setMark(mark);
        },
      });
      undo.push(() => handle.down());

      const device = new Device({ crypto, wallClock: () => Date.now(), mtu: handle.mtu, onEvent: options.onEvent });
      configureDevice(device, config, endpoints);
      device.listenPort = port;
      device.fwmark = handle.fwmark ?? 0;
      if (handle.fwmark) bind.setMark(handle.fwmark);

      let tunnel: Tunnel | null = null;
      const stopBySelf = (reason: string) => {
        if (!tunnel || tunnel.closing) return;
        log(`${name}: stopping: ${reason}`);
        void tunnel.close().then(() => options.onStopped?.(reason));
      };
      const dataPath = new DataPath(device, tun, bind, monotonic, (error) => log(`${name}: ${error.message}`));
      dataPath.start();
      undo.push(() => {
        dataPath.stop();
        device.down();
      });
      dataPath.run((now, sink) => device.up(now, sink));

      const uapi = await startUapiServer(name, {
        device,
        sink: dataPath,
        now: monotonic,
        setListenPort: () => {
          // Rebinding live would need the data path restarted on new sockets; refuse honestly for now.
          throw Object.assign(new Error('changing the listen port of a running Warren tunnel is not supported'), { code: 'EINVAL' });
        },
        setFwmark: (mark) => bind.setMark(mark),
      }, { directory: options.uapiDirectory, onRemoved: () => stopBySelf('UAPI socket removed'), log });
      undo.push(() => uapi.close());

      tun.onClose((error) => {
        if (error) stopBySelf(`interface ${name} went away (${error.message})`);
      });
      tunnel = new Tunnel(name, config, device, handle.warnings, { tun, bind, handle, dataPath, uapi });
      return tunnel;
    } catch (error) {
      for (const step of undo.reverse()) {
        try {
          await step();
        } catch (undoError) {
          log(`${name}: while undoing a failed up: ${(undoError as Error).message}`);
        }
      }
      throw error;
    }
  }

  /** Keys cleared, routes, rules and DNS restored, interface and UAPI socket gone. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const { tun, bind, handle, dataPath, uapi } = this.parts;
      dataPath.stop();
      this.device.down();
      const failures: string[] = [];
      for (const step of [() => uapi.close(), () => handle.down(), () => bind.close(), () => tun.close()]) {
        try {
          await step();
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      if (failures.length > 0) throw new Error(`${this.name}: down finished with errors: ${failures.join('; ')}`);
    })();
    return this.closing;
  }

  /** wg_pm_notification: every session key dropped before the machine sleeps. */
  suspend(): void {
    this.device.suspend();
  }

  /** After wake: peers that were in use handshake again at once. */
  resume(): void {
    this.parts.dataPath.run((now, sink) => this.device.resume(now, sink));
  }

  /**
   * Looks up the hostnames of peer endpoints again (after wake the network, and so the answer, may differ) and
   * sets each endpoint that changed. Resolves with the number changed; a lookup that fails keeps the old one.
   */
  refreshEndpoints(log: (message: string) => void = () => {}): Promise<number> {
    if (this.closing) return Promise.resolve(0);
    return reresolveEndpoints(this.device, this.config, log);
  }

  /** Whether some peer has session keys now. */
  hasSession(): boolean {
    return this.device.peers.some((peer) => peer.keypairs.current !== null || peer.keypairs.next !== null);
  }

  status(): TunnelStatus {
    const device = this.device;
    return {
      name: this.name,
      publicKey: device.publicKey ? encodeKey(device.publicKey) : null,
      listenPort: device.listenPort,
      fwmark: device.fwmark,
      drops: nonZeroDrops(device.drops),
      warnings: [...this.warnings],
      peers: device.peers.map((peer) => ({
        publicKey: encodeKey(peer.publicKey),
        endpoint: formatEndpoint(peer.endpoint),
        allowedIps: device.allowedIps
          .prefixesOf(peer)
          .map((ip) => `${formatIpAddress(addressFromBytes(ip.family, ip.address))}/${ip.cidr}`),
        latestHandshake: peer.lastHandshakeWallMs,
        rxBytes: peer.rxBytes,
        txBytes: peer.txBytes,
        persistentKeepalive: peer.persistentKeepalive,
        hasSession: peer.keypairs.current !== null || peer.keypairs.next !== null,
        drops: nonZeroDrops(peer.drops),
      })),
    };
  }
}

function nonZeroDrops(drops: DropCounters): Record<string, number> {
  return Object.fromEntries(DROP_REASONS.filter((r) => drops[r] > 0).map((r) => [r, drops[r]]));
}
