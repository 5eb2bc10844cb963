/*
 * The detail view's live data: the tunnel's interface and peers (getTunnelDetails), read once when shown and
 * then every second while the tunnel is on and the window is visible; each peer's throughput over the last
 * minute from the counters of consecutive reads; and a clock ticking each second so "12 s ago" counts up
 * between reads. `watch` starts all of it for one tunnel and returns the stop the view calls when it leaves.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { TunnelDetails } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { pushRate, ratesBetween, type Rate } from './throughput.js';

export type DetailsApi = Pick<WarrenApi, 'getTunnelDetails'>;

export interface DetailsOptions {
  /** Between reads while live (default 1000 ms). */
  intervalMs?: number;
  clock?: () => number;
  /** Whether the window can be seen; no reads while it cannot (default: the document's visibilityState). */
  visible?: () => boolean;
}

const documentVisible = () => typeof document === 'undefined' || document.visibilityState !== 'hidden';

export class TunnelDetailsState {
  details = $state<TunnelDetails | null>(null);
  /** Why the last read failed. */
  error = $state<string | null>(null);
  /** Unix ms, ticking each second while watched. */
  now = $state(0);
  /** The last minute of each peer's throughput, by public key, oldest first. */
  throughput = $state<Record<string, Rate[]>>({});

  readonly #api: DetailsApi;
  readonly #intervalMs: number;
  readonly #clock: () => number;
  readonly #visible: () => boolean;
  #name: string | null = null;
  #live = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  /** The generation whose read is on its way: one at a time per watch, a new watch need not wait. */
  #reading: number | null = null;
  #lastRead = 0;
  /** Bumped by every watch and stop, so a read that outlives its watch is dropped. */
  #generation = 0;

  constructor(api: DetailsApi, options: DetailsOptions = {}) {
    this.#api = api;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#clock = options.clock ?? Date.now;
    this.#visible = options.visible ?? documentVisible;
    this.now = this.#clock();
  }

  /** Whether reads repeat (a live tunnel being watched). */
  get polling(): boolean {
    return this.#timer !== null && this.#live;
  }

  /** Shows `name`: one read now, and while `live` one each interval. Returns the stop. */
  watch(name: string, live: boolean): () => void {
    this.#stop();
    const generation = ++this.#generation;
    if (this.#name !== name) {
      this.details = null;
      this.error = null;
      this.throughput = {};
    }
    this.#name = name;
    this.#live = live;
    this.now = this.#clock();
    void this.refresh();
    this.#timer = setInterval(() => this.#tick(), Math.min(this.#intervalMs, 1000));
    return () => {
      if (generation !== this.#generation) return;
      this.#generation++;
      this.#stop();
    };
  }

  /** Reads the watched tunnel again now. */
  async refresh(): Promise<void> {
    const name = this.#name;
    const generation = this.#generation;
    if (name === null || this.#reading === generation) return;
    this.#reading = generation;
    try {
      const next = await this.#api.getTunnelDetails(name);
      if (generation !== this.#generation) return;
      this.#take(next);
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = messageOf(error);
    } finally {
      if (this.#reading === generation) this.#reading = null;
    }
  }

  #tick(): void {
    this.now = this.#clock();
    if (!this.#live || !this.#visible()) return;
    if (this.now - this.#lastRead < this.#intervalMs - 50) return;
    void this.refresh();
  }

  #take(next: TunnelDetails): void {
    this.#lastRead = this.#clock();
    const previous = this.details;
    if (previous && previous.name === next.name) {
      const rates = ratesBetween(previous, next);
      const history: Record<string, Rate[]> = {};
      for (const peer of next.peers) {
        const rate = rates.get(peer.publicKey);
        const before = this.throughput[peer.publicKey];
        history[peer.publicKey] = rate ? pushRate(before, rate) : next.running ? (before ?? []) : [];
      }
      this.throughput = history;
    }
    this.details = next;
  }

  #stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
