/*
 * What the detail view does to one stored tunnel besides switching it: rename (inline, the name checked as it
 * is typed), delete (after the view's confirmation), export (main's save dialog). One at a time; the outcome
 * is kept as a message for the view to show until the next action.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';
import { tunnelNameProblem } from '../../lib/tunnel-name.js';

export type ActionsApi = Pick<WarrenApi, 'renameTunnel' | 'deleteTunnel' | 'exportTunnel'>;

export interface ActionMessage {
  tone: 'ok' | 'bad';
  text: string;
  /** The tunnel it is about (after a rename, the new name), so another tunnel's view does not show it. */
  tunnel: string;
}

export class TunnelActions {
  busy = $state(false);
  message = $state<ActionMessage | null>(null);
  /** The name being typed while renaming; null when not renaming. */
  draft = $state<string | null>(null);
  #current = $state('');
  readonly #api: ActionsApi;
  readonly #taken: () => readonly string[];

  /** `taken`: the names in use, so a rename onto another tunnel is refused before asking the helper. */
  constructor(api: ActionsApi, taken: () => readonly string[]) {
    this.#api = api;
    this.#taken = taken;
  }

  /** Why the typed name cannot be used, or null (also while it is still the current name). */
  get draftProblem(): string | null {
    return this.draft === null || this.draft === this.#current ? null : tunnelNameProblem(this.draft, this.#taken());
  }

  /** The view now shows `name`: a rename begun on another tunnel is dropped. */
  showing(name: string): void {
    if (this.draft !== null && this.#current !== name) this.draft = null;
  }

  startRename(name: string): void {
    this.#current = name;
    this.draft = name;
    this.message = null;
  }

  cancelRename(): void {
    this.draft = null;
  }

  /** The new name when renamed; null when nothing changed or it was refused (the message says why). */
  async commitRename(): Promise<string | null> {
    const from = this.#current;
    const to = this.draft;
    if (to === null || this.busy) return null;
    if (to === from) {
      this.draft = null;
      return null;
    }
    if (this.draftProblem) return null;
    return this.#run(
      async () => {
        const renamed = await this.#api.renameTunnel(from, to);
        this.draft = null;
        this.message = { tone: 'ok', text: strings.tunnels.renamed(from, renamed), tunnel: renamed };
        return renamed;
      },
      strings.tunnels.renameFailed,
      from,
    );
  }

  /** True when deleted. */
  async remove(name: string): Promise<boolean> {
    return (
      (await this.#run(
        async () => {
          await this.#api.deleteTunnel(name);
          this.message = { tone: 'ok', text: strings.tunnels.deleted(name), tunnel: name };
          return true;
        },
        strings.tunnels.deleteFailed,
        name,
      )) ?? false
    );
  }

  async exportConf(name: string): Promise<void> {
    await this.#run(
      async () => {
        const path = await this.#api.exportTunnel(name);
        this.message = path === null ? null : { tone: 'ok', text: strings.tunnels.exported(name, path), tunnel: name };
        return true;
      },
      strings.tunnels.exportFailed,
      name,
    );
  }

  /** `failure` words why `work` failed. */
  async #run<T>(work: () => Promise<T>, failure: (why: string) => string, tunnel: string): Promise<T | null> {
    if (this.busy) return null;
    this.busy = true;
    this.message = null;
    try {
      return await work();
    } catch (error) {
      this.message = { tone: 'bad', text: failure(messageOf(error)), tunnel };
      return null;
    } finally {
      this.busy = false;
    }
  }
}
