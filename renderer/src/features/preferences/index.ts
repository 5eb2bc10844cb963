// The app's preferences: the view and its state.
export { default as PreferencesView } from './PreferencesView.svelte';
export { PreferencesState } from './preferences.svelte.js';
