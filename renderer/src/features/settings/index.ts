// A stored tunnel's settings: the switches and their state (the switch and the radio choices are the app
// preferences' too).
export { default as SettingsPanel } from './SettingsPanel.svelte';
export { default as SettingSwitch } from './SettingSwitch.svelte';
export { default as RadioChoices } from './RadioChoices.svelte';
export { default as OnDemandSettings } from './OnDemandSettings.svelte';
export { TunnelSettingsState, type SettingKey } from './tunnel-settings.svelte.js';
