/*
 * Connect on demand, done: the helper brings stored tunnels up and takes them down as their rules say on the
 * network the machine is on (the decision is on-demand-rules.ts's), with the app closed too.
 *
 * When it acts: when the network changes (network-identity.ts), when NetworkManager becomes known, when a
 * tunnel's rules change, and at start-up once the network is known. Not on a timer, not on a change of
 * connectivity alone, and not again after a switch failed: a tunnel that could not come up stays in 'error' until
 * the next change.
 *
 * How it acts: as a request would, through the same handlers and the tunnel's lock (control-handlers.ts), as the
 * helper's own caller (ON_DEMAND_CALLER, an administrator: the rules were set by the tunnel's owner, and the
 * switch is the helper's). Its switches queue one after another; each is decided again when its turn comes, and
 * again under the tunnel's lock just before it happens (`before`), so a network change or a switch by hand in
 * between wins over a stale one.
 *
 * A switch by hand (anyone else's up or down of a tunnel with rules) wins until the network changes: it is noted
 * against the network of then, and on-demand leaves that tunnel alone until the machine is on another network.
 * Overrides live in memory: after a restart of the helper the rules are in charge again.
 */
import type { OnDemandStatus } from '../../shared/ipc/control.js';
import type { TunnelStore } from '../store/index.js';
import type { Caller } from './authorization.js';
import { ControlFailure } from './control-server.js';
import type { HelperLog } from './helper-log.js';
import type { NetworkIdentityTracker } from './network-identity.js';
import { type OnDemandDecision, type OnDemandNetwork, decideOnDemand } from './on-demand-rules.js';
import type { RunningTunnels } from './running-tunnels.js';

/** The helper itself, switching for on-demand: an administrator, told apart from every real caller by identity. */
export const ON_DEMAND_CALLER: Caller = Object.freeze({
  uid: 0,
  gid: 0,
  pid: process.pid,
  username: 'on-demand',
  groups: Object.freeze([0]) as readonly number[],
  admin: true,
});

/** The code of a switch on-demand called off at the last moment (not an error). */
export const SUPERSEDED = 'superseded';

export interface OnDemandParts {
  store: TunnelStore;
  tunnels: RunningTunnels;
  network: NetworkIdentityTracker;
  log: HelperLog;
  /** Brings a stored tunnel up or takes it down as a request of ON_DEMAND_CALLER (control-handlers.ts). */
  switchTunnel: (name: string, up: boolean) => Promise<void>;
  /** What on-demand says of some tunnel changed (subscribers get a `tunnels` event). */
  changed: () => void;
}

export class OnDemand {
  readonly #parts: OnDemandParts;
  /** Tunnels switched by hand, with the network's key then. */
  readonly #overrides = new Map<string, string | null>();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  /** Whether NetworkManager answered at the last news. */
  #available = false;

  constructor(parts: OnDemandParts) {
    this.#parts = parts;
    parts.network.listen((identity, networkChanged) => this.#networkChanged(identity.available, networkChanged));
  }

  /** What on-demand makes of a tunnel now; undefined when its rules are off (or it is not stored). */
  status(name: string): OnDemandStatus | undefined {
    const decision = this.#decide(name);
    return decision === null
      ? undefined
      : { wants: decision.wants, overridden: decision.overridden, reason: decision.reason };
  }

  /** Its rules changed (setOptions): they take charge at once, whatever was switched by hand before. */
  rulesChanged(name: string): void {
    this.#overrides.delete(name);
    this.#enqueue([name]);
  }

  /** Under the tunnel's lock, before it is switched: calls off an on-demand switch that no longer fits. */
  before(name: string, up: boolean, caller: Caller): void {
    if (caller !== ON_DEMAND_CALLER) return;
    const decision = this.#decide(name);
    if (decision?.act !== true || decision.wants !== (up ? 'up' : 'down')) {
      throw new ControlFailure(SUPERSEDED, `on-demand no longer wants ${name} ${up ? 'up' : 'down'}`);
    }
  }

  /** After a tunnel was switched: a switch by hand of a tunnel with rules holds until the network changes. */
  after(name: string, up: boolean, caller: Caller): void {
    if (caller === ON_DEMAND_CALLER || this.#decide(name) === null) return;
    this.#overrides.set(name, this.#parts.network.key);
    this.#parts.log.write(
      'info',
      `switched ${up ? 'on' : 'off'} by ${caller.username}; on-demand leaves it so until the network changes`,
      name,
    );
    this.#parts.changed();
  }

  /** Resolves once the switches queued so far are done. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** No more switches; waits for the one under way. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }

  /** Acts on a new network, or on NetworkManager becoming known; not on connectivity alone, nor on a network
   *  that dropped and came back (a tunnel that failed to come up waits for a real change). */
  #networkChanged(available: boolean, networkChanged: boolean): void {
    const becameKnown = available && !this.#available;
    this.#available = available;
    if (networkChanged) this.#overrides.clear();
    this.#parts.changed();
    if (networkChanged || becameKnown) this.#enqueue(this.#parts.store.list().map((tunnel) => tunnel.name));
  }

  #enqueue(names: readonly string[]): void {
    for (const name of names) {
      this.#queue = this.#queue.then(() => this.#apply(name));
    }
  }

  /** Switches the tunnel when its rules want it otherwise than it is. Never rejects. */
  async #apply(name: string): Promise<void> {
    if (this.#closed) return;
    const decision = this.#decide(name);
    if (decision === null || !decision.act) return;
    const entry = this.#parts.tunnels.get(name);
    const want = decision.wants === 'up';
    // Up: unless it runs, or a file's tunnel holds the name. Down: also a tunnel left in 'error', not wanted here.
    const needed = want
      ? entry === undefined || (entry.origin === 'store' && entry.tunnel === null)
      : entry?.origin === 'store';
    if (!needed) return;
    this.#parts.log.write('info', `on-demand: ${decision.reason}`, name);
    try {
      await this.#parts.switchTunnel(name, want);
    } catch (error) {
      if (error instanceof ControlFailure && (error.code === SUPERSEDED || error.code === 'stopping')) return;
      this.#parts.log.write(
        'warn',
        `on-demand could not take it ${want ? 'up' : 'down'}: ${(error as Error).message}`,
        name,
      );
    }
  }

  #decide(name: string): OnDemandDecision | null {
    const tunnel = this.#parts.store.get(name);
    if (tunnel === undefined) return null;
    const overridden = this.#overrides.has(name) && this.#overrides.get(name) === this.#parts.network.key;
    return decideOnDemand(tunnel.options.onDemand, this.#network(), overridden);
  }

  #network(): OnDemandNetwork {
    const identity = this.#parts.network.identity;
    if (!identity.available) return { unavailable: identity.problem ?? 'NetworkManager does not answer' };
    return identity.primary;
  }
}
