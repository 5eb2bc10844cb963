/*
 * Suspend and resume, as the kernel driver's wg_pm_notification: on 'suspend' the helper drops every session
 * (`suspend`), on 'resume' it starts handshakes afresh (`resume`). Until a tunnel's first handshake after the
 * wake it shows 'reconnecting'; with one it is 'on' again; if none comes within the timeout it shows 'error'
 * (and 'on' again if one comes later). Handshakes are read from the helper's `status` events (handleStatus).
 *
 * The power source is any emitter of 'suspend' and 'resume' (Electron's powerMonitor), the helper any HelperCalls.
 */
import type { TunnelStatus, TunnelSummary } from '../shared/ipc/control.js';
import type { HelperCalls } from './helper-connection.js';
import { strings } from './strings.js';
import type { WakeOverlay } from './tunnel-views.js';

export interface PowerSource {
  on(event: 'suspend' | 'resume', listener: () => void): unknown;
  removeListener(event: 'suspend' | 'resume', listener: () => void): unknown;
}

export interface PowerSyncOptions {
  power: PowerSource;
  helper: HelperCalls;
  /** The tunnels up now (helper state 'up' or 'reconnecting'): the ones to watch after a wake. */
  runningTunnels: () => string[];
  /** Called whenever the overlay changes. */
  onChange: () => void;
  log?: (message: string) => void;
  /** Default 30 s. */
  timeoutMs?: number;
  now?: () => number;
}

export const RECONNECT_TIMEOUT_MS = 30_000;

export class PowerSync {
  private readonly options: PowerSyncOptions;
  private readonly wake = new Map<string, WakeOverlay>();
  /** Sessions made after this moment are new ones (the helper dropped the old ones at suspend). */
  private since = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly onSuspend = () => void this.suspend();
  private readonly onResume = () => void this.resume();

  constructor(options: PowerSyncOptions) {
    this.options = options;
    options.power.on('suspend', this.onSuspend);
    options.power.on('resume', this.onResume);
  }

  get overlay(): ReadonlyMap<string, WakeOverlay> {
    return this.wake;
  }

  async suspend(): Promise<void> {
    this.since = this.now();
    await this.options.helper
      .call('suspend', {})
      .catch((error: Error) => this.log(`could not tell the helper about the suspend: ${error.message}`));
  }

  async resume(): Promise<void> {
    // The suspend may have gone unseen (the app started asleep, the helper was away): then the wake is the mark.
    if (this.since === 0) this.since = this.now();
    for (const name of this.options.runningTunnels()) this.wake.set(name, { phase: 'reconnecting' });
    this.changed();
    if (this.timer) clearTimeout(this.timer);
    const timeoutMs = this.options.timeoutMs ?? RECONNECT_TIMEOUT_MS;
    this.timer = setTimeout(() => this.expire(timeoutMs), timeoutMs);
    this.timer.unref?.();
    await this.options.helper
      .call('resume', {})
      .catch((error: Error) => this.log(`could not tell the helper about the wake: ${error.message}`));
  }

  /** A `status` event: a tunnel with a handshake since the suspend is back. */
  handleStatus(status: readonly TunnelStatus[]): void {
    let changed = false;
    for (const tunnel of status) {
      if (!this.wake.has(tunnel.name)) continue;
      if (tunnel.peers.some((peer) => peer.hasSession && peer.latestHandshake >= this.since)) {
        this.wake.delete(tunnel.name);
        changed = true;
      }
    }
    if (changed) this.finishIfDone();
  }

  /** A `tunnels` event: a tunnel taken down or gone is no longer waited for. */
  handleTunnels(tunnels: readonly TunnelSummary[]): void {
    const running = new Set(tunnels.filter((t) => t.state === 'up' || t.state === 'reconnecting').map((t) => t.name));
    let changed = false;
    for (const name of [...this.wake.keys()]) {
      if (running.has(name)) continue;
      this.wake.delete(name);
      changed = true;
    }
    if (changed) this.finishIfDone();
  }

  close(): void {
    this.options.power.removeListener('suspend', this.onSuspend);
    this.options.power.removeListener('resume', this.onResume);
    if (this.timer) clearTimeout(this.timer);
  }

  private expire(timeoutMs: number): void {
    this.timer = null;
    let changed = false;
    for (const [name, state] of this.wake) {
      if (state.phase !== 'reconnecting') continue;
      this.wake.set(name, {
        phase: 'error',
        error: strings.tunnels.noHandshakeAfterWake(Math.round(timeoutMs / 1000)),
      });
      changed = true;
    }
    if (changed) this.changed();
  }

  private finishIfDone(): void {
    if (this.wake.size === 0) {
      this.since = 0;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
    this.changed();
  }

  private changed(): void {
    this.options.onChange();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}
