// A stored tunnel's settings: the switches and their state.
export { default as SettingsPanel } from './SettingsPanel.svelte';
export { TunnelSettingsState, type SettingKey } from './tunnel-settings.svelte.js';
