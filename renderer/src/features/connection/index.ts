// The connection to the helper as the window shows it.
export { default as ConnectionBanner } from './ConnectionBanner.svelte';
export { default as ConnectionChip } from './ConnectionChip.svelte';
export { connectionView, type ConnectionView } from './connection-view.js';
