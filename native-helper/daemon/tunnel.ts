/*
 * One running tunnel in the helper: TUN device, UDP sockets, platform configuration (addresses, routes, DNS), the
 * kill switch, engine, data path and the UAPI socket, brought up in that order and taken down in reverse, except
 * the kill switch, which goes last (so nothing leaks while the rest comes down). A failed step undoes the ones
 * before it, so a failed up leaves nothing behind. The tunnel also stops by itself when its TUN
 * interface is deleted from outside or its UAPI socket file is removed (wireguard-go's convention).
 * Devices, sockets and the platform come from its host (tunnel-host.ts), so all of this runs in memory too.
 */
import { encodeKey } from '../../shared/config/keys.js';
import { diagnosePeer } from '../../shared/diagnosis/peer-diagnosis.js';
import { addressFromBytes, formatIpAddress } from '../../shared/config/ip.js';
import type { TunnelConfig } from '../../shared/config/model.js';
import { MAX_MTU, MIN_MTU } from '../../shared/config/values.js';
import type { TunnelStatus } from '../../shared/ipc/control.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { DEFAULT_MTU } from '../engine/constants.js';
import { Device } from '../engine/device.js';
import type { DeviceEvent } from '../engine/device-types.js';
import { DROP_REASONS, type DropCounters } from '../engine/drops.js';
import { formatEndpoint } from '../engine/endpoint.js';
import type { Bind } from '../io/bind.js';
import { DataPath } from '../io/data-path.js';
import type { Tun } from '../io/tun.js';
import type { DnsMethod, KillSwitchSpec, Platform, TunnelHandle, Undo } from '../platform/types.js';
import { UndoStack } from '../platform/undo-stack.js';
import { type UapiServer, startUapiServer } from '../uapi/server.js';
import { type EndpointMemory, configureDevice, reresolveEndpoints, resolveEndpoints } from './configure-device.js';
import type { TunnelHost } from './tunnel-host.js';

export interface TunnelOptions {
  name: string;
  config: TunnelConfig;
  /** Where its TUN device, UDP sockets and platform come from. */
  host: TunnelHost;
  crypto: CryptoPrimitives;
  allowScripts?: boolean;
  /** The kill switch (platform killSwitch) while the tunnel is up. */
  blockUntunneled?: boolean;
  /** With the kill switch: the local network stays reachable. */
  allowLan?: boolean;
  /** With the kill switch: container and VM bridges stay reachable. */
  allowBridges?: boolean;
  /** A full tunnel's table routes the public IPv4 space instead of 0.0.0.0/0 (TunnelUpOptions). */
  excludePrivateIps?: boolean;
  /** Where the UAPI socket goes (tests); default /var/run/wireguard. */
  uapiDirectory?: string;
  log?: (message: string) => void;
  /** Called once when the tunnel stopped by itself (interface deleted, UAPI socket removed). */
  onStopped?: (reason: string) => void;
  /** The engine's events (handshakes, giving up), as they happen inside the data path: must not throw. */
  onEvent?: (event: DeviceEvent) => void;
  /** Called with the fwmark a full tunnel's policy rules will use, before they go in (crash recovery notes it). */
  onFwmark?: (fwmark: number) => void;
  /** The addresses endpoint hostnames last resolved to: the fallback when a lookup fails, updated by lookups. */
  endpointMemory?: EndpointMemory;
}

export class Tunnel {
  readonly name: string;
  readonly config: TunnelConfig;
  readonly device: Device;
  readonly warnings: readonly string[];
  private readonly parts: {
    tun: Tun;
    bind: Bind;
    handle: TunnelHandle;
    dataPath: DataPath;
    uapi: UapiServer;
    platform: Platform;
    /** The spec the kill switch is in place with, and its undo; null without one. */
    killSwitch: { spec: KillSwitchSpec; undo: Undo } | null;
    /** The engine's clock (the host's: boot time, counting time asleep, as the kernel's WireGuard keeps time). */
    clock: () => number;
    /** When it came up, by that clock. */
    startedAt: number;
    endpointMemory?: EndpointMemory;
  };
  private closing: Promise<void> | null = null;

  private constructor(
    name: string,
    config: TunnelConfig,
    device: Device,
    warnings: readonly string[],
    parts: Tunnel['parts'],
  ) {
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
    const { name, config, crypto } = options;
    const { io, platform } = options.host;
    const log = options.log ?? (() => {});
    const undo = new UndoStack();
    try {
      const endpoints = await resolveEndpoints(config, { memory: options.endpointMemory, log });
      const tun = io.openTun({ name, mtu: config.interface.mtu ?? DEFAULT_MTU });
      undo.push(() => tun.close());
      const bind = io.openBind();
      const port = bind.open(config.interface.listenPort ?? 0);
      undo.push(() => bind.close());
      if (config.interface.fwMark) bind.setMark(config.interface.fwMark);

      const endpointAddresses = endpoints.flatMap((e) =>
        e ? [formatEndpoint(e)!.replace(/^\[?(.*?)\]?:\d+$/, '$1')] : [],
      );
      const handle = await platform.tunnels.up(name, config, {
        allowScripts: options.allowScripts,
        excludePrivateIps: options.excludePrivateIps,
        endpoints: endpointAddresses,
        onFwmark: (mark) => {
          options.onFwmark?.(mark);
          bind.setMark(mark);
        },
      });
      undo.push(() => handle.down());

      // Right after the routes: from here until close() has undone everything else, nothing leaves untunneled.
      // Applying replaces one already there (a crashed helper's, kept until now) with no gap.
      let killSwitch: Tunnel['parts']['killSwitch'] = null;
      if (options.blockUntunneled) {
        const spec: KillSwitchSpec = {
          fwmark: handle.fwmark,
          endpoints: endpoints.flatMap((e) => (e ? [endpointAddressPort(e)] : [])),
          allowLan: options.allowLan ?? false,
          allowBridges: options.allowBridges ?? false,
          dnsServers: config.interface.dns,
        };
        killSwitch = { spec, undo: await platform.killSwitch.apply(name, spec) };
        undo.push(killSwitch.undo);
      }

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
      const clock = io.clock;
      const dataPath = new DataPath(device, tun, bind, clock, (error) => log(`${name}: ${error.message}`));
      dataPath.start();
      undo.push(async () => {
        dataPath.stop();
        device.down();
      });
      dataPath.run((now, sink) => {
        device.up(now, sink);
        // Unlike the kernel, which waits for the first packet, handshake at once: switching a tunnel on in the app
        // then shows "on" (or the diagnosis of why not) without the user having to send anything first.
        device.handshakeNow(now, sink);
      });

      /** The sockets in use: a UAPI listen_port change replaces them. */
      let liveBind = bind;
      const uapi = await startUapiServer(
        name,
        {
          device,
          run: (operation) => dataPath.run(operation),
          setListenPort: (port) => {
            if (port !== 0 && port === liveBind.port) return port;
            // New sockets first (a port in use throws here and changes nothing), then the data path moves to them.
            const next = io.openBind();
            const opened = next.open(port);
            if (device.fwmark) next.setMark(device.fwmark);
            const old = dataPath.replaceBind(next);
            liveBind = next;
            if (tunnel) tunnel.parts.bind = next;
            void old.close().catch((error: Error) => log(`${name}: closing the old sockets: ${error.message}`));
            log(`${name}: listening on port ${opened} now`);
            return opened;
          },
          setFwmark: (mark) => liveBind.setMark(mark),
        },
        { directory: options.uapiDirectory, onRemoved: () => stopBySelf('UAPI socket removed'), log },
      );
      undo.push(() => uapi.close());

      tun.onClose((error) => {
        if (error) stopBySelf(`interface ${name} went away (${error.message})`);
      });
      tunnel = new Tunnel(name, config, device, handle.warnings, {
        tun,
        bind: liveBind,
        handle,
        dataPath,
        uapi,
        platform,
        killSwitch,
        clock,
        startedAt: clock(),
        endpointMemory: options.endpointMemory,
      });
      return tunnel;
    } catch (error) {
      for (const undoError of await undo.unwind()) log(`${name}: while undoing a failed up: ${undoError.message}`);
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
      const killSwitch = this.parts.killSwitch;
      // The kill switch last: until the routes and rules are gone, a packet could still find its way around.
      const steps = [
        () => uapi.close(),
        () => handle.down(),
        () => bind.close(),
        () => tun.close(),
        ...(killSwitch ? [killSwitch.undo] : []),
      ];
      for (const step of steps) {
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

  /**
   * Name lookups go to `servers` instead of the tunnel's resolvers until the undo (the sign-in hole,
   * portal-hole.ts; TunnelHandle.handOverDns). Null when the tunnel sets no DNS or is going down.
   */
  async handOverDns(servers: readonly string[]): Promise<Undo | null> {
    if (this.closing) return null;
    return this.parts.handle.handOverDns(servers);
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
  async refreshEndpoints(log: (message: string) => void = () => {}): Promise<number> {
    if (this.closing) return 0;
    const changed = await reresolveEndpoints(this.device, this.config, log, this.parts.endpointMemory);
    if (changed > 0) await this.updateKillSwitch(log);
    return changed;
  }

  /**
   * The kill switch as the tunnel's options say now, while it runs (the app's settings switch): put in place,
   * changed or taken away. Putting in place or changing is one atomic nft transaction, so switching allowBridges
   * on a protected tunnel leaves no moment unprotected. Routes stay as they are (excludePrivateIps' routes
   * change at the next up); its LAN allowance here follows at once.
   */
  async setKillSwitch(wanted: { blockUntunneled: boolean; allowLan: boolean; allowBridges: boolean }): Promise<void> {
    if (this.closing) return;
    const current = this.parts.killSwitch;
    if (!wanted.blockUntunneled) {
      if (current === null) return;
      await current.undo();
      this.parts.killSwitch = null;
      return;
    }
    const spec: KillSwitchSpec = {
      fwmark: this.parts.handle.fwmark,
      endpoints: this.device.peers.flatMap((peer) => (peer.hasEndpoint ? [endpointAddressPort(peer.endpoint)] : [])),
      allowLan: wanted.allowLan,
      allowBridges: wanted.allowBridges,
      dnsServers: this.config.interface.dns,
    };
    const undo = await this.parts.platform.killSwitch.apply(this.name, spec);
    this.parts.killSwitch = { spec, undo };
  }

  /**
   * The kill switch again with the peers' endpoints of now, when it lets the tunnel's UDP through by endpoint
   * (no fwmark). Atomic: the old rules stay until the new ones are in. Nothing is done when the endpoints are
   * those it has (cheap enough to call on a timer, which is how a peer's roaming, learnt by the engine, gets here).
   * Resolves true when the rules were replaced.
   */
  async updateKillSwitch(log: (message: string) => void = () => {}): Promise<boolean> {
    const current = this.parts.killSwitch;
    if (current === null || current.spec.fwmark !== null || this.closing) return false;
    const endpoints = this.device.peers.flatMap((peer) =>
      peer.hasEndpoint ? [endpointAddressPort(peer.endpoint)] : [],
    );
    const key = (list: KillSwitchSpec['endpoints']) =>
      list
        .map((e) => `${e.address} ${e.port}`)
        .sort()
        .join(',');
    if (key(endpoints) === key(current.spec.endpoints)) return false;
    const spec = { ...current.spec, endpoints };
    try {
      await this.parts.platform.killSwitch.apply(this.name, spec);
      current.spec = spec;
      return true;
    } catch (error) {
      log(`could not update the kill switch with the new endpoints: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * After a change of the network (another address, route or link): every peer in use tells the other side where
   * we are now, so that it learns our new address (roaming) without waiting for our next packet: a keepalive on a
   * session, else a handshake within the protocol's rate limit (Device.announce). Session keys stay. Returns how
   * many peers were told.
   */
  announce(): number {
    if (this.closing) return 0;
    let count = 0;
    this.parts.dataPath.run((now, sink) => {
      count = this.device.announce(now, sink);
    });
    return count;
  }

  /**
   * The interface's MTU, changed while it runs (an MTU setting changed in the app or CLI), as `ip link set mtu`
   * would; the engine, which clamps its padding to it, follows at once. Throws a RangeError for an MTU a
   * configuration could not hold (shared/config/values.ts), or an error from the system.
   */
  setMtu(mtu: number): void {
    if (this.closing) return;
    if (!(Number.isInteger(mtu) && mtu >= MIN_MTU && mtu <= MAX_MTU)) {
      throw new RangeError(`an MTU must be a whole number from ${MIN_MTU} to ${MAX_MTU}, not ${mtu}`);
    }
    this.parts.tun.mtu = mtu;
    this.device.setMtu(mtu);
  }

  /** Whether the kill switch is on. */
  get blocking(): boolean {
    return this.parts.killSwitch !== null;
  }

  /** Whether some peer has session keys now. */
  hasSession(): boolean {
    return this.device.peers.some((peer) => peer.hasSession);
  }

  status(): TunnelStatus {
    const device = this.device;
    const now = Date.now();
    const secondsSinceUp = (this.parts.clock() - this.parts.startedAt) / 1000;
    const ownPublicKey = device.publicKey ? encodeKey(device.publicKey) : undefined;
    const tunnelDrops = nonZeroDrops(device.drops);
    return {
      name: this.name,
      publicKey: device.publicKey ? encodeKey(device.publicKey) : null,
      listenPort: device.listenPort,
      fwmark: device.fwmark,
      drops: nonZeroDrops(device.drops),
      warnings: [...this.warnings],
      peers: device.peers.map((peer) => {
        const endpoint = formatEndpoint(peer.endpoint);
        const drops = nonZeroDrops(peer.drops);
        const diagnosis = diagnosePeer({
          latestHandshake: peer.lastHandshakeWallMs,
          rxBytes: peer.rxBytes,
          txBytes: peer.txBytes,
          handshakeAttempts: peer.handshakeAttempts,
          drops,
          tunnelDrops,
          endpoint,
          secondsSinceUp,
          now,
          ownPublicKey,
        });
        return {
          publicKey: encodeKey(peer.publicKey),
          endpoint,
          allowedIps: device.allowedIps
            .prefixesOf(peer)
            .map((ip) => `${formatIpAddress(addressFromBytes(ip.family, ip.address))}/${ip.cidr}`),
          latestHandshake: peer.lastHandshakeWallMs,
          rxBytes: peer.rxBytes,
          txBytes: peer.txBytes,
          persistentKeepalive: peer.persistentKeepalive,
          hasSession: peer.hasSession,
          drops,
          ...(diagnosis
            ? { diagnosis: { kind: diagnosis.kind, summary: diagnosis.summary, hints: [...diagnosis.hints] } }
            : {}),
        };
      }),
    };
  }
}

/** An endpoint record as the kill switch takes it. */
function endpointAddressPort(record: Uint8Array): { address: string; port: number } {
  const text = formatEndpoint(record)!;
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(text)!;
  return { address: match[1]!, port: Number(match[2]) };
}

function nonZeroDrops(drops: DropCounters): Record<string, number> {
  return Object.fromEntries(DROP_REASONS.filter((r) => drops[r] > 0).map((r) => [r, drops[r]]));
}
