/*
 * The renderer's copy of main's AppState: the answer to getState, replaced by every `state` event. An event that
 * arrives while getState is still on its way is newer than that answer, so the answer is then dropped.
 */
import type { WarrenApi } from '../../../shared/bridge/schema.js';
import type { AppState } from '../../../shared/bridge/types.js';

export type SessionApi = Pick<WarrenApi, 'getState' | 'onState' | 'reconnect'>;

export class Session {
  state = $state<AppState>({ connection: { kind: 'connecting' }, tunnels: [] });
  /** False until the first getState answer or state event. */
  loaded = $state(false);
  /** Why getState failed, when it did. */
  loadError = $state<string | null>(null);
  connected = $derived(this.state.connection.kind === 'connected');

  readonly #api: SessionApi;
  #events = 0;

  constructor(api: SessionApi) {
    this.#api = api;
  }

  /** Subscribes and asks for the state; returns the unsubscribe. */
  start(): () => void {
    const off = this.#api.onState((next) => {
      this.#events++;
      this.#apply(next);
    });
    const seen = this.#events;
    this.#api.getState().then(
      (first) => {
        if (this.#events === seen) this.#apply(first);
      },
      (error: unknown) => {
        this.loadError = messageOf(error);
      },
    );
    return off;
  }

  reconnect(): Promise<void> {
    return this.#api.reconnect();
  }

  #apply(next: AppState): void {
    this.state = next;
    this.loaded = true;
    this.loadError = null;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
