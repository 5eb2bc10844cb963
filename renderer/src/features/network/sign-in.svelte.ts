/*
 * "Sign in to this network": offered while main says the network wants a sign-in (a captive portal) and a kill
 * switch blocks the way to its page. Opening asks the helper for a hole in the kill switch for a few minutes;
 * the time left counts down from the hole's end on the injected clock (`tick` moves it); Done closes the hole.
 * The network itself (and the hole's end) comes with main's state, so this holds only the call on its way and
 * why one failed.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { NetworkView } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';

export type SignInApi = Pick<WarrenApi, 'openPortalHole' | 'closePortalHole'>;

export class SignIn {
  busy = $state(false);
  error = $state<string | null>(null);
  /** The clock's time at the latest tick. */
  now = $state(0);

  readonly #api: SignInApi;
  readonly #clock: () => number;

  constructor(api: SignInApi, clock: () => number = Date.now) {
    this.#api = api;
    this.#clock = clock;
    this.now = clock();
  }

  tick(): void {
    this.now = this.#clock();
  }

  /** Whether to show the banner for this network: a sign-in is needed, or the hole is open. */
  shown(network: NetworkView | undefined): boolean {
    return network !== undefined && (network.signInNeeded || this.hole(network) !== null);
  }

  /** The open hole, while its end is ahead (main sends the state with it before it answers the call). */
  hole(network: NetworkView | undefined): NetworkView['portalHole'] {
    const hole = network?.portalHole ?? null;
    return hole !== null && hole.until > this.now ? hole : null;
  }

  /** Whole seconds left until the hole closes by itself; 0 when it is not open. */
  secondsLeft(network: NetworkView | undefined): number {
    const hole = this.hole(network);
    return hole === null ? 0 : Math.ceil((hole.until - this.now) / 1000);
  }

  open(): Promise<void> {
    return this.#call(() => this.#api.openPortalHole(), strings.signIn.openFailed);
  }

  done(): Promise<void> {
    return this.#call(() => this.#api.closePortalHole(), strings.signIn.closeFailed);
  }

  async #call(call: () => Promise<unknown>, failed: (why: string) => string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      await call();
      this.tick();
    } catch (error) {
      this.error = failed(messageOf(error));
    } finally {
      this.busy = false;
    }
  }
}
