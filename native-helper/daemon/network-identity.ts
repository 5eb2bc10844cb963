/*
 * Which network the machine is on, as the helper keeps it: the platform's watch (NetworkManager on Linux),
 * started once the helper has started up and kept for its life, and what the helper makes of it:
 *
 *  - the network's key (on-demand-rules.ts, networkKey): it changes when the machine moves to another network,
 *    not when the network drops and comes back, nor when only its connectivity changes;
 *  - whether a captive portal is in the way: NetworkManager's check said 'portal' on this network and has not
 *    said 'full' since. It stays set when the check then says 'limited', because a kill switch blocks the check
 *    too (its HTTP leaves by the network's interface): the portal is still there, unseen.
 *
 * Listeners hear every new identity, with whether the network changed; `status` is the protocol's view of it.
 */
import type { NetworkStatus } from '../../shared/ipc/control.js';
import type {
  Connectivity,
  NetworkIdentity,
  NetworkIdentityWatch,
  Platform,
  PrimaryNetwork,
} from '../platform/types.js';
import type { HelperLog } from './helper-log.js';
import { networkKey } from './on-demand-rules.js';

export type NetworkListener = (identity: NetworkIdentity, networkChanged: boolean) => void;

const NOT_YET: NetworkIdentity = {
  available: false,
  problem: 'the helper is still starting',
  primary: null,
  connectivity: 'unknown',
};

export class NetworkIdentityTracker {
  #identity: NetworkIdentity = NOT_YET;
  /** The last network there was (a drop keeps it). */
  #key: string | null = null;
  #portal = false;
  #watch: NetworkIdentityWatch | null = null;
  #closed = false;
  readonly #listeners: NetworkListener[] = [];
  readonly #platform: Platform;
  readonly #log: HelperLog;

  constructor(platform: Platform, log: HelperLog) {
    this.#platform = platform;
    this.#log = log;
  }

  /** Hears every new identity, with whether the network changed (the first identity counts as a change). */
  listen(listener: NetworkListener): void {
    this.#listeners.push(listener);
  }

  /** Starts following; resolves once the first identity is known. Never rejects. */
  async start(): Promise<void> {
    if (this.#closed || this.#watch !== null) return;
    try {
      this.#watch = this.#platform.watchNetworkIdentity((identity) => this.#changed(identity), {
        log: (message) => this.#log.write('info', `network: ${message}`),
      });
    } catch (error) {
      this.#changed({ ...NOT_YET, problem: `cannot follow the network: ${(error as Error).message}` });
      return;
    }
    await this.#watch.ready;
    if (!this.#closed) this.#changed(this.#watch.current());
  }

  get identity(): NetworkIdentity {
    return this.#identity;
  }

  /** The network's key (on-demand-rules.ts), of the last network there was. */
  get key(): string | null {
    return this.#key;
  }

  /** A captive portal was seen on this network and not yet passed (see the header). */
  get portal(): boolean {
    return this.#portal;
  }

  /** Asks for a connectivity check now (the answer also arrives as a new identity). */
  async checkConnectivity(): Promise<Connectivity> {
    return (await this.#watch?.checkConnectivity()) ?? 'unknown';
  }

  /** The protocol's view of it, with the sign-in hole's. */
  status(portalHole: NetworkStatus['portalHole']): NetworkStatus {
    const { available, problem, primary, connectivity } = this.#identity;
    return {
      networkManager: available,
      ...(available || problem === null ? {} : { unavailable: problem }),
      primary:
        primary === null
          ? null
          : { kind: primary.kind, name: primary.name, device: primary.device, ssid: primary.ssid },
      connectivity,
      portal: this.#portal,
      portalHole,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const watch = this.#watch;
    this.#watch = null;
    await watch?.close();
  }

  #changed(identity: NetworkIdentity): void {
    if (this.#closed || sameIdentity(identity, this.#identity)) return;
    const first = this.#identity === NOT_YET;
    const before = this.#identity;
    this.#identity = identity;
    const key = networkKey(identity.primary);
    const networkChanged = first || (key !== null && key !== this.#key);
    if (key !== null) this.#key = key;
    if (networkChanged || identity.connectivity === 'full') this.#portal = false;
    if (identity.connectivity === 'portal') this.#portal = true;
    this.#describe(before, identity, networkChanged);
    for (const listener of this.#listeners) {
      try {
        listener(identity, networkChanged);
      } catch (error) {
        this.#log.write('error', `network: a listener failed: ${(error as Error).message}`);
      }
    }
  }

  #describe(before: NetworkIdentity, now: NetworkIdentity, networkChanged: boolean): void {
    if (!now.available) {
      if (before.available || before === NOT_YET) this.#log.write('info', `network: not known (${now.problem})`);
      return;
    }
    if (networkChanged || before.primary?.device !== now.primary?.device || !before.available) {
      this.#log.write('info', `network: ${described(now.primary)}`);
    }
    if (now.connectivity !== before.connectivity) this.#log.write('info', `network: connectivity ${now.connectivity}`);
  }
}

/** `Wi-Fi “Café” through wlan0 (Café Wi-Fi)`, `ethernet through eth0 (Wired connection 1)`, `none`. */
function described(primary: PrimaryNetwork | null): string {
  if (primary === null) return 'none';
  const kind =
    primary.kind !== 'wifi' ? primary.kind : `Wi-Fi ${primary.ssid === null ? '(hidden)' : `“${primary.ssid}”`}`;
  return `${kind} through ${primary.device ?? 'no interface'} (${primary.name})`;
}

function sameIdentity(a: NetworkIdentity, b: NetworkIdentity): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
