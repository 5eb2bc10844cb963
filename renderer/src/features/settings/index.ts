// A stored tunnel's settings: the switches and their state (the switch is the app preferences' too).
export { default as SettingsPanel } from './SettingsPanel.svelte';
export { default as SettingSwitch } from './SettingSwitch.svelte';
export { default as OnDemandSettings } from './OnDemandSettings.svelte';
export { TunnelSettingsState, type SettingKey } from './tunnel-settings.svelte.js';
