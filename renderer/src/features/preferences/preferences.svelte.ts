/*
 * The app's preferences (start at login, notifications, what closing the window does): read with getPreferences
 * when the view opens, changed in turn with setPreferences, whose answer is what the view then shows. A
 * change that fails (the autostart entry cannot be written, say) leaves the view as main has it and says why.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { Preferences } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';

export type PreferencesApi = Pick<WarrenApi, 'getPreferences' | 'setPreferences'>;

export class PreferencesState {
  preferences = $state<Preferences | null>(null);
  /** The preference whose change is on its way. */
  saving = $state<keyof Preferences | null>(null);
  error = $state<string | null>(null);

  readonly #api: PreferencesApi;

  constructor(api: PreferencesApi) {
    this.#api = api;
  }

  async load(): Promise<void> {
    this.error = null;
    try {
      this.preferences = await this.#api.getPreferences();
    } catch (error) {
      this.error = strings.preferences.readFailed(messageOf(error));
    }
  }

  /** Changes one preference; changes made while one is on its way follow it in order, none is dropped. */
  set<K extends keyof Preferences>(key: K, value: Preferences[K]): Promise<void> {
    this.#queue = this.#queue.then(() => this.#apply(key, value));
    return this.#queue;
  }

  #queue: Promise<void> = Promise.resolve();

  async #apply<K extends keyof Preferences>(key: K, value: Preferences[K]): Promise<void> {
    if (this.preferences === null || this.preferences[key] === value) return;
    this.saving = key;
    this.error = null;
    try {
      this.preferences = await this.#api.setPreferences({ [key]: value });
    } catch (error) {
      this.error = strings.preferences.saveFailed(messageOf(error));
    } finally {
      this.saving = null;
    }
  }
}
