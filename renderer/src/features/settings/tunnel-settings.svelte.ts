/*
 * A stored tunnel's settings (kill switch, bridges through it, private IPs outside it, start with the system,
 * scripts): read with getTunnelSettings (anyone may see them), changed one switch at a time with
 * setTunnelSettings, whose answer is what the switches then show. Turning scripts on runs the config's commands
 * as root, so it waits for a confirmation; main then asks for an administrator's password, and the switch stays
 * busy until that is answered.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { TunnelSettings } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';

export type SettingsApi = Pick<WarrenApi, 'getTunnelSettings' | 'setTunnelSettings'>;
export type SettingKey = keyof TunnelSettings;

export class TunnelSettingsState {
  name = $state<string | null>(null);
  settings = $state<TunnelSettings | null>(null);
  /** The switch whose change is on its way. */
  saving = $state<SettingKey | null>(null);
  error = $state<string | null>(null);
  /** Turning scripts on, waiting for the user to confirm. */
  confirmingScripts = $state(false);

  readonly #api: SettingsApi;
  #generation = 0;

  constructor(api: SettingsApi) {
    this.#api = api;
  }

  async load(name: string): Promise<void> {
    const generation = ++this.#generation;
    if (this.name !== name) this.settings = null;
    this.name = name;
    this.error = null;
    this.confirmingScripts = false;
    try {
      const settings = await this.#api.getTunnelSettings(name);
      if (generation === this.#generation) this.settings = settings;
    } catch (error) {
      if (generation === this.#generation) this.error = strings.settings.readFailed(messageOf(error));
    }
  }

  /** What a switch asks for; scripts on first asks for confirmation. */
  request(key: SettingKey, value: boolean): Promise<void> {
    if (key === 'allowScripts' && value) {
      this.confirmingScripts = true;
      return Promise.resolve();
    }
    return this.#set(key, value);
  }

  confirmScripts(): Promise<void> {
    this.confirmingScripts = false;
    return this.#set('allowScripts', true);
  }

  cancelScripts(): void {
    this.confirmingScripts = false;
  }

  async #set(key: SettingKey, value: boolean): Promise<void> {
    const name = this.name;
    if (name === null || this.saving !== null) return;
    const generation = this.#generation;
    this.saving = key;
    this.error = null;
    try {
      const next = await this.#api.setTunnelSettings(name, { [key]: value });
      if (generation === this.#generation) this.settings = next;
    } catch (error) {
      if (generation === this.#generation) this.error = strings.settings.saveFailed(messageOf(error));
    } finally {
      this.saving = null;
    }
  }
}
