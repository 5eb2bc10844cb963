// Tunnels: the list with switches and the detail pane.
export { default as TunnelDetail } from './TunnelDetail.svelte';
export { default as TunnelList } from './TunnelList.svelte';
export { Tunnels, type TunnelRow } from './tunnels.svelte.js';
