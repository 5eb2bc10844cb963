/*
 * A tunnel's DNS as its `up` sets it and its `down` takes it back, and in between handed to other resolvers for a
 * while: a captive portal's sign-in (daemon/portal-hole.ts) needs the network's own, since the tunnel's cannot be
 * reached before signing in. Everything goes through the tunnel's one DnsConfigurator, so each method keeps its
 * one home (linux/dns.ts) and a crash is recovered from as for the tunnel's own DNS:
 *  - handing over takes the tunnel's DNS back, then, where it replaced the system's resolvers as a whole
 *    (resolv.conf, resolvconf, NetworkManager's global DNS), applies the given servers in its place under the
 *    tunnel's name: the same backup, record or global DNS a dead helper's recovery puts back from. With resolved
 *    (per link) nothing is applied: the tunnel's link, reverted, no longer claims every name (`~.`), and the
 *    network's link asks its own resolvers;
 *  - handing back takes those servers back and applies the tunnel's DNS again, unless the tunnel is going down
 *    by then (`ending`, or the undo `apply` gave): down takes back whatever is in place, and nothing comes after.
 * Its steps run one at a time; the caller serialises them with its other system-wide steps (linux/tunnel.ts).
 */
import type { DnsConfigurator, DnsMethod, DnsSettings, Undo } from './types.js';

export class TunnelDns {
  readonly #dns: DnsConfigurator;
  readonly #link: string;
  readonly #settings: DnsSettings;
  /** Takes back what is in place now: the tunnel's DNS or the servers it was handed to; null when neither. */
  #inPlace: Undo | null = null;
  /** The hand-over in force: only its own hand-back acts. */
  #handedOver: object | null = null;
  #ending = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dns: DnsConfigurator, link: string, settings: DnsSettings) {
    this.#dns = dns;
    this.#link = link;
    this.#settings = settings;
  }

  get method(): DnsMethod {
    return this.#dns.method;
  }

  /** Sets the tunnel's DNS. The undo, the tunnel's down, takes back whatever is in place then, for good. */
  async apply(): Promise<Undo> {
    await this.#serially(async () => {
      this.#inPlace = await this.#dns.apply(this.#link, this.#settings);
    });
    return () =>
      this.#serially(async () => {
        this.#ending = true;
        this.#handedOver = null;
        await this.#takeBack();
      });
  }

  /** The tunnel is going down: a hand-back from now on sets nothing (the undo `apply` gave takes back what is in
   *  place), so its resolvers do not come back for the moment before it goes. */
  ending(): void {
    this.#ending = true;
  }

  /** Hands name lookups to `servers` (see the header); the undo hands them back. */
  handOver(servers: readonly string[]): Promise<Undo> {
    return this.#serially(async () => {
      if (this.#ending) return async () => {};
      await this.#takeBack();
      if (!this.#dns.perLink) {
        try {
          this.#inPlace = await this.#dns.apply(this.#link, { servers: [...servers], search: [], forSignIn: true });
        } catch (error) {
          // The tunnel's resolvers rather than none at all.
          await this.#applyTunnels(error);
          throw error;
        }
      }
      const handOver = {};
      this.#handedOver = handOver;
      return () =>
        this.#serially(async () => {
          if (this.#handedOver !== handOver || this.#ending) return;
          this.#handedOver = null;
          await this.#takeBack();
          await this.#applyTunnels();
        });
    });
  }

  /** The tunnel's DNS again; when that fails after `cause`, rejects with both. */
  async #applyTunnels(cause?: unknown): Promise<void> {
    try {
      this.#inPlace = await this.#dns.apply(this.#link, this.#settings);
    } catch (error) {
      if (cause === undefined) throw error;
      throw new AggregateError(
        [cause, error],
        `${(cause as Error).message} (and the tunnel's own DNS could not be set again: ${(error as Error).message})`,
        { cause: error },
      );
    }
  }

  /** Calls the undo in place, once: after a failure nothing is known to be in place. */
  async #takeBack(): Promise<void> {
    const undo = this.#inPlace;
    this.#inPlace = null;
    await undo?.();
  }

  #serially<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(step);
    this.#queue = result.catch(() => {});
    return result;
  }
}
