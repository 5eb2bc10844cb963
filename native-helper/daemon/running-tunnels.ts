/*
 * The tunnels a helper runs, stored or from a file, each with the state the app and `warren list` show:
 *
 *   connecting    up, no peer has completed a handshake yet
 *   up            a handshake completed (and none of the peers then gave up with no session left)
 *   reconnecting  after suspend or resume, until the next handshake completes
 *   error         every handshake attempt gave up and no peer has a session (the tunnel still runs and tries
 *                 again when there is traffic), or the tunnel failed to come up or stopped by itself: then it
 *                 is not running and `error` says why
 *
 * States change on the engine's events, which arrive inside the data path; onChange is told and must be cheap.
 * A tunnel that came up on a remembered endpoint address (its hostname could not be looked up: configure-device.ts)
 * looks the name up again at its first handshake, when DNS can go through it. A kill switch that lets the
 * tunnel's UDP through by endpoint (no fwmark) follows the peers' endpoints: followEndpoints, on a timer, picks up
 * an endpoint the engine learnt from a roaming peer's packets (it is not told of those) and re-applies the rules.
 * Every running tunnel is in the journal (recovery.ts) from before its `up` touches the system to after its
 * `down` has undone it.
 */
import { encodeKey } from '../../shared/config/keys.js';
import type { TunnelConfig } from '../../shared/config/model.js';
import type { TunnelOptions, TunnelState } from '../../shared/ipc/control.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { REKEY_ATTEMPT_TIME_MS } from '../engine/constants.js';
import type { DeviceEvent } from '../engine/device-types.js';
import type { EndpointMemory } from './configure-device.js';
import { ControlFailure } from './control-server.js';
import { type HelperLog, peerLabel } from './helper-log.js';
import type { TunnelJournal } from './recovery.js';
import { Tunnel } from './tunnel.js';
import type { TunnelHost } from './tunnel-host.js';

export type Origin = 'store' | 'file';

export interface TunnelEntry {
  readonly name: string;
  readonly origin: Origin;
  readonly options: TunnelOptions;
  /** null: not running (state 'error', with the reason in `error`). */
  tunnel: Tunnel | null;
  state: Exclude<TunnelState, 'down'>;
  error?: string;
}

export interface RunningTunnelsOptions {
  /** Where the tunnels' devices, sockets and platform come from. */
  host: TunnelHost;
  crypto: CryptoPrimitives;
  uapiDirectory?: string;
  journal: TunnelJournal;
  log: HelperLog;
  /** Some entry's state changed, or an entry came or went. */
  onChange: () => void;
  /** A tunnel stopped by itself (after its entry was updated). */
  onStopped?: (entry: TunnelEntry) => void;
  /** Where the addresses of a tunnel's endpoint hostnames are remembered (the store's, for stored tunnels). */
  endpointMemory?: (name: string, origin: Origin) => EndpointMemory | undefined;
}

/** How long, after wake, the lookups of endpoint hostnames may hold up the handshakes. */
const RESOLVE_ON_RESUME_MS = 3000;

export class RunningTunnels {
  private readonly entries = new Map<string, TunnelEntry>();
  private readonly options: RunningTunnelsOptions;
  /** Entries whose tunnel came up on a remembered endpoint address: looked up again at the first handshake. */
  private readonly lookUpWhenUp = new WeakSet<TunnelEntry>();
  /** A followEndpoints pass still running: the next tick skips rather than stacking nft runs. */
  private following = false;

  constructor(options: RunningTunnelsOptions) {
    this.options = options;
  }

  get(name: string): TunnelEntry | undefined {
    return this.entries.get(name);
  }

  all(): TunnelEntry[] {
    return [...this.entries.values()];
  }

  running(): Tunnel[] {
    return this.all().flatMap((entry) => (entry.tunnel ? [entry.tunnel] : []));
  }

  /**
   * Brings a tunnel up. Rejects with a ControlFailure: 'exists' when an interface of that name is there, else
   * 'up-failed' (the tunnel undid its own steps; a stored tunnel is then in state 'error', with the reason).
   */
  async start(name: string, origin: Origin, config: TunnelConfig, tunnelOptions: TunnelOptions): Promise<TunnelEntry> {
    const { journal, log } = this.options;
    const previous = this.entries.get(name);
    if (previous?.tunnel) throw new ControlFailure('exists', `${name} is already up`);
    if (this.options.host.io.interfaceExists(name)) {
      throw new ControlFailure('exists', `an interface named ${name} already exists in this network namespace`);
    }
    const entry: TunnelEntry = { name, origin, options: tunnelOptions, tunnel: null, state: 'connecting' };
    journal.record(name, { fwmark: null, dnsMethod: null });
    const memory = this.options.endpointMemory?.(name, origin);
    const endpointMemory: EndpointMemory | undefined = memory && {
      recall: (host) => memory.recall(host),
      remember: (host, address) => memory.remember(host, address),
      stoodIn: (host) => {
        memory.stoodIn?.(host);
        this.lookUpWhenUp.add(entry);
      },
    };
    let tunnel: Tunnel;
    try {
      tunnel = await Tunnel.start({
        name,
        config,
        host: this.options.host,
        crypto: this.options.crypto,
        allowScripts: tunnelOptions.allowScripts,
        blockUntunneled: tunnelOptions.blockUntunneled,
        // No option of its own: the local network is what excluding the private IPs is for.
        allowLan: tunnelOptions.excludePrivateIps,
        allowBridges: tunnelOptions.allowBridges,
        excludePrivateIps: tunnelOptions.excludePrivateIps,
        uapiDirectory: this.options.uapiDirectory,
        log: log.forTunnel(name, 'warn'),
        onFwmark: (fwmark) => journal.record(name, { fwmark, dnsMethod: null }),
        onEvent: (event) => this.deviceEvent(entry, event),
        onStopped: (reason) => this.stoppedBySelf(entry, reason),
        endpointMemory,
      });
    } catch (error) {
      journal.remove(name);
      const message = (error as Error).message;
      log.write('error', `could not come up: ${message}`, name);
      if (origin === 'store') this.fail(entry, `could not come up: ${message}`);
      throw new ControlFailure('up-failed', `${name}: ${message}`);
    }
    journal.record(name, { fwmark: tunnel.fwmark, dnsMethod: tunnel.dnsMethod });
    entry.tunnel = tunnel;
    this.entries.set(name, entry);
    for (const warning of tunnel.warnings) log.write('warn', warning, name);
    log.write('info', `up (${origin === 'store' ? 'stored tunnel' : 'from a file'}); connecting`, name);
    this.options.onChange();
    // A handshake may have completed while the start finished.
    if (entry.state === 'up') this.lookUpAgain(entry);
    return entry;
  }

  /** Records a tunnel that is not running for a reason the user must see. */
  fail(entry: Pick<TunnelEntry, 'name' | 'origin' | 'options'>, reason: string): void {
    this.entries.set(entry.name, {
      name: entry.name,
      origin: entry.origin,
      options: entry.options,
      tunnel: null,
      state: 'error',
      error: reason,
    });
    this.options.onChange();
  }

  /** Takes a tunnel down (keys wiped, system restored) and forgets it. Rejects when the down had errors. */
  async stop(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    this.options.onChange();
    if (!entry.tunnel) return;
    try {
      await entry.tunnel.close();
      // Kept when the down failed somewhere: the next helper start removes what is left.
      this.options.journal.remove(name);
    } finally {
      this.options.log.write('info', 'down', name);
    }
  }

  /** Drops a not-running entry (its error). */
  forget(name: string): void {
    const entry = this.entries.get(name);
    if (entry && !entry.tunnel) {
      this.entries.delete(name);
      this.options.onChange();
    }
  }

  /** Every session key and handshake of every tunnel dropped (before sleep). */
  suspend(): number {
    const tunnels = this.all().filter((entry) => entry.tunnel);
    for (const entry of tunnels) {
      entry.tunnel!.suspend();
      this.reconnecting(entry);
    }
    this.options.log.write('info', `suspend: the keys of ${tunnels.length} tunnel(s) dropped`);
    return tunnels.length;
  }

  /** After wake: endpoint hostnames looked up again (bounded), then every peer that was in use handshakes. */
  async resume(): Promise<number> {
    const tunnels = this.all().filter((entry) => entry.tunnel);
    const { log } = this.options;
    await Promise.all(
      tunnels.map((entry) => {
        const lookups = entry.tunnel!.refreshEndpoints(log.forTunnel(entry.name, 'info'));
        const late = new Promise<void>((resolve) => setTimeout(resolve, RESOLVE_ON_RESUME_MS).unref());
        return Promise.race([lookups.catch(() => {}), late]);
      }),
    );
    for (const entry of tunnels) {
      // It may have gone down while the names were looked up.
      if (!entry.tunnel || this.entries.get(entry.name) !== entry) continue;
      entry.tunnel.resume();
      this.reconnecting(entry);
    }
    log.write('info', `resume: ${tunnels.length} tunnel(s) handshaking again`);
    return tunnels.length;
  }

  /**
   * After a change of the network: endpoint hostnames looked up again (bounded), then every peer in use tells its
   * peer where we are now (Tunnel.announce: a keepalive on a session, else a handshake within the rate limit), so
   * traffic flows from the new address after a short gap. Never rejects.
   */
  async networkChanged(): Promise<void> {
    const { log } = this.options;
    const tunnels = this.all().filter((entry) => entry.tunnel);
    await Promise.all(
      tunnels.map((entry) => {
        const lookups = entry.tunnel!.refreshEndpoints(log.forTunnel(entry.name, 'info'));
        const late = new Promise<void>((resolve) => setTimeout(resolve, RESOLVE_ON_RESUME_MS).unref());
        return Promise.race([lookups.catch(() => {}), late]);
      }),
    );
    let peers = 0;
    for (const entry of tunnels) {
      if (!entry.tunnel || this.entries.get(entry.name) !== entry) continue;
      peers += entry.tunnel.announce();
    }
    if (tunnels.length > 0)
      log.write('info', `network changed: ${peers} peer(s) of ${tunnels.length} tunnel(s) told where we are now`);
  }

  /**
   * Each kill switch that lets its tunnel's UDP through by endpoint gets the endpoints the peers have now, when
   * they changed (a peer roamed). Cheap when nothing changed; meant for a periodic tick. Never rejects.
   */
  async followEndpoints(): Promise<void> {
    if (this.following) return;
    this.following = true;
    try {
      for (const entry of this.all()) {
        const tunnel = entry.tunnel;
        if (!tunnel?.blocking) continue;
        const log = this.options.log.forTunnel(entry.name, 'warn');
        if (await tunnel.updateKillSwitch(log)) {
          this.options.log.write(
            'info',
            "a peer endpoint changed; the kill switch now lets the tunnel's UDP to it through",
            entry.name,
          );
        }
      }
    } finally {
      this.following = false;
    }
  }

  /** Every tunnel down, newest first; the journal entries go with them. Never rejects. */
  async closeAll(): Promise<void> {
    for (const name of [...this.entries.keys()].reverse()) {
      try {
        await this.stop(name);
      } catch (error) {
        this.options.log.write('error', (error as Error).message, name);
      }
    }
  }

  private reconnecting(entry: TunnelEntry): void {
    if (entry.state === 'up') this.setState(entry, 'reconnecting');
  }

  private setState(entry: TunnelEntry, state: TunnelEntry['state'], error?: string): void {
    if (entry.state === state && entry.error === error) return;
    entry.state = state;
    if (error === undefined) delete entry.error;
    else entry.error = error;
    // Events that arrive while the tunnel is being started are the start's business.
    if (this.entries.get(entry.name) === entry) this.options.onChange();
  }

  private deviceEvent(entry: TunnelEntry, event: DeviceEvent): void {
    if (event.type === 'handshake-complete') {
      if (entry.state !== 'up')
        this.options.log.write(
          'info',
          `handshake with peer ${peerLabel(encodeKey(event.peer.publicKey))}; up`,
          entry.name,
        );
      this.setState(entry, 'up');
      this.lookUpAgain(entry);
    } else if (event.type === 'handshake-gave-up') {
      const peer = peerLabel(encodeKey(event.peer.publicKey));
      const reason = `no handshake with peer ${peer} for ${REKEY_ATTEMPT_TIME_MS / 1000} s; trying again when there is traffic`;
      this.options.log.write('warn', reason, entry.name);
      if (!entry.tunnel?.hasSession()) this.setState(entry, 'error', reason);
    }
  }

  /** Once up on a remembered address: the hostnames looked up now, so a peer that moved is found. */
  private lookUpAgain(entry: TunnelEntry): void {
    const tunnel = entry.tunnel;
    if (tunnel === null || !this.lookUpWhenUp.has(entry)) return;
    this.lookUpWhenUp.delete(entry);
    const log = this.options.log.forTunnel(entry.name, 'info');
    // Not awaited: this runs inside the data path's event; the lookup is slow and refreshEndpoints never rejects
    // for a failed lookup (it keeps the endpoint), only for an unexpected error, which is logged.
    void tunnel
      .refreshEndpoints(log)
      .catch((error: unknown) => log(`looking the endpoints up again failed: ${(error as Error).message}`));
  }

  private stoppedBySelf(entry: TunnelEntry, reason: string): void {
    if (this.entries.get(entry.name) !== entry) return;
    this.options.journal.remove(entry.name);
    this.options.log.write('error', `stopped: ${reason}`, entry.name);
    if (entry.origin === 'store') {
      this.fail(entry, `stopped: ${reason}`);
    } else {
      this.entries.delete(entry.name);
      this.options.onChange();
    }
    this.options.onStopped?.(entry);
  }
}
