/*
 * The machine a MemoryPlatform changes, in memory. Every call is one line in `log`, in order: a change as its
 * text ("address wg0 10.0.0.2/32"), its undo as "undo " + that text, and queries and recoveries as what they
 * were asked. So a test reads what a tunnel's up did, and that its down took back exactly that, newest first.
 *
 * What is in place is kept by link, with whether it outlives the link (a full tunnel's policy rules and firewall
 * table do, as nft tables and ip rules outlive a deleted interface; addresses, routes and resolved's DNS do not),
 * and the kill switches by link: what a helper that died leaves behind, for the next one to recover. failAt()
 * makes a chosen step fail, to test what undoes the steps before it. The machine's network as NetworkManager
 * would tell it (setIdentity) and the sign-in hole in the kill switches are here too.
 */
import type { Connectivity, DnsMethod, KillSwitchSpec, NetworkIdentity, PortalHoleSpec, Undo } from '../types.js';

interface Change {
  readonly link: string;
  readonly outlivesLink: boolean;
}

interface Failure {
  readonly match: string | RegExp;
  readonly error: Error;
}

interface Watcher {
  readonly onChange: () => void;
  readonly ignore?: (link: string) => boolean;
}

/** A memory machine's network until a test says otherwise: NetworkManager there, no connection. */
const NO_NETWORK: NetworkIdentity = { available: true, problem: null, primary: null, connectivity: 'none' };

export class MemorySystem {
  /** Every call, in order (see the header). */
  readonly log: string[] = [];
  /** The kill switches in place, by link. */
  readonly killSwitches = new Map<string, KillSwitchSpec>();
  readonly #inPlace = new Map<string, Change>();
  readonly #failures: Failure[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #identityWatchers = new Set<(identity: NetworkIdentity) => void>();
  #identity: NetworkIdentity = NO_NETWORK;
  /** The sign-in hole in the kill switches, while open (as the kernel holds it: it outlives the helper). */
  portalHole: PortalHoleSpec | null = null;
  /** What the next connectivity checks find; by default what the network says now. */
  connectivityCheck: Connectivity | null = null;
  /** How tunnels that come up set DNS (linux/dns.ts chooses one at each up): resolved's unless a test says. */
  dnsMethod: DnsMethod = 'resolvectl';

  /**
   * The next call whose text starts with `match` (or matches it) fails with `error` instead of happening: it is
   * logged with " (failed)" and changes nothing. Once.
   */
  failAt(match: string | RegExp, error: Error = new Error(`${String(match)}: failed, as the test asked`)): void {
    this.#failures.push({ match, error });
  }

  /** Logs a call; throws (having logged it as failed) when failAt() chose it. */
  record(text: string): void {
    const at = this.#failures.findIndex(({ match }) =>
      typeof match === 'string' ? text.startsWith(match) : match.test(text),
    );
    if (at >= 0) {
      const [failure] = this.#failures.splice(at, 1);
      this.log.push(`${text} (failed)`);
      throw failure!.error; // the one at `at`, found above
    }
    this.log.push(text);
  }

  /**
   * A change to the system, logged and put in place; its undo logs "undo TEXT" and takes it away (once: later
   * calls do nothing). `guard` runs before both and may throw (a helper process that is gone changes nothing).
   */
  change(text: string, link: string, options: { outlivesLink?: boolean; guard?: () => void } = {}): Undo {
    options.guard?.();
    this.record(text);
    this.#inPlace.set(text, { link, outlivesLink: options.outlivesLink ?? false });
    let undone = false;
    return async () => {
      options.guard?.();
      if (undone) return;
      this.record(`undo ${text}`);
      undone = true;
      this.#inPlace.delete(text);
    };
  }

  /** The changes in place (of one link, or all), oldest first. */
  inPlace(link?: string): string[] {
    return [...this.#inPlace].filter(([, change]) => link === undefined || change.link === link).map(([text]) => text);
  }

  /** The link is gone (its interface deleted): what lived on it goes with it; what outlives it stays. */
  linkDeleted(link: string): void {
    for (const [text, change] of this.#inPlace) {
      if (change.link === link && !change.outlivesLink) this.#inPlace.delete(text);
    }
  }

  /** Takes away every change of the link still in place (a recovery); resolves with what was removed. */
  removeAll(link: string): string[] {
    const removed = this.inPlace(link);
    for (const text of removed) this.#inPlace.delete(text);
    return removed;
  }

  /** The first routing table from 51820 up that nothing in place uses, as wg-quick picks one. */
  freeTable(): number {
    const used = this.inPlace().join('\n');
    let table = 51820;
    while (used.includes(` table ${table}`)) table++;
    return table;
  }

  /** @internal MemoryPlatform.watchNetwork */
  watch(watcher: Watcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Which network the machine is on, as NetworkManager would say. */
  get identity(): NetworkIdentity {
    return this.#identity;
  }

  /** The machine moves to another network (or its connectivity changes): every identity watcher hears it. */
  setIdentity(identity: NetworkIdentity): void {
    this.#identity = identity;
    for (const watcher of [...this.#identityWatchers]) watcher(identity);
  }

  /** @internal MemoryPlatform.watchNetworkIdentity */
  watchIdentity(watcher: (identity: NetworkIdentity) => void): () => void {
    this.#identityWatchers.add(watcher);
    return () => this.#identityWatchers.delete(watcher);
  }

  /** The network changed (an address, a route, a link): every watcher not told to ignore `link` hears it. */
  changeNetwork(link = 'eth0'): void {
    for (const watcher of [...this.#watchers]) {
      if (watcher.ignore?.(link) !== true) watcher.onChange();
    }
  }
}
