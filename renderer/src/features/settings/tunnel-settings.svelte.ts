/*
 * A stored tunnel's settings (kill switch, bridges through it, private IPs outside it, start with the system,
 * scripts): read with getTunnelSettings (anyone may see them), changed one switch at a time with
 * setTunnelSettings, whose answer is what the switches then show. Turning scripts on runs the config's commands
 * as root, so it waits for a confirmation; main then asks for an administrator's password, and the switch stays
 * busy until that is answered. The on-demand rules are sent whole; a Wi-Fi choice that names networks ('only',
 * 'except') waits here until the list has one, since the helper refuses it with none.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { OnDemandSettings, TunnelSettings, WifiRule } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';

export type SettingsApi = Pick<WarrenApi, 'getTunnelSettings' | 'setTunnelSettings'>;
/** The switches' settings; `saving` may also be 'onDemand'. */
export type SettingKey = Exclude<keyof TunnelSettings, 'onDemand'>;

export class TunnelSettingsState {
  name = $state<string | null>(null);
  settings = $state<TunnelSettings | null>(null);
  /** The switch whose change is on its way. */
  saving = $state<keyof TunnelSettings | null>(null);
  /** A Wi-Fi choice that needs networks, chosen while the list is empty: sent with the first one added. */
  pendingWifi = $state<WifiRule | null>(null);
  /** The Wi-Fi choice as shown: the pending one, or the helper's. */
  wifi = $derived(this.pendingWifi ?? this.settings?.onDemand.wifi ?? 'never');
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
    this.pendingWifi = null;
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

  setEthernet(on: boolean): Promise<void> {
    return this.#onDemand((rules) => ({ ...rules, ethernet: on }));
  }

  chooseWifi(wifi: WifiRule): Promise<void> {
    const rules = this.settings?.onDemand;
    if (!rules || this.saving !== null) return Promise.resolve();
    if ((wifi === 'only' || wifi === 'except') && rules.ssids.length === 0) {
      this.pendingWifi = wifi;
      return Promise.resolve();
    }
    this.pendingWifi = null;
    return this.#onDemand((r) => ({ ...r, wifi }));
  }

  /** Adds a network to the list (trimmed, once); a pending Wi-Fi choice goes with it. */
  addSsid(ssid: string): Promise<void> {
    const name = ssid.trim();
    if (name === '') return Promise.resolve();
    return this.#onDemand((rules) => ({
      ...rules,
      wifi: this.pendingWifi ?? rules.wifi,
      ssids: rules.ssids.includes(name) ? rules.ssids : [...rules.ssids, name],
    }));
  }

  /** Removing the last network of 'only' or 'except' also sets Wi-Fi to never (the helper refuses an empty list). */
  removeSsid(ssid: string): Promise<void> {
    return this.#onDemand((rules) => {
      const ssids = rules.ssids.filter((s) => s !== ssid);
      const needs = rules.wifi === 'only' || rules.wifi === 'except';
      return { ...rules, ssids, wifi: needs && ssids.length === 0 ? 'never' : rules.wifi };
    });
  }

  #onDemand(change: (rules: OnDemandSettings) => OnDemandSettings): Promise<void> {
    const rules = this.settings?.onDemand;
    if (!rules || this.saving !== null) return Promise.resolve();
    return this.#set('onDemand', change(rules)).then(() => {
      if (this.error === null) this.pendingWifi = null;
    });
  }

  async #set<K extends keyof TunnelSettings>(key: K, value: TunnelSettings[K]): Promise<void> {
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
