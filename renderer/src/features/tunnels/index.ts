// Tunnels: the list with switches, the detail pane (interface, peers, throughput, actions) and their state.
export { default as TunnelDetail } from './TunnelDetail.svelte';
export { default as TunnelList } from './TunnelList.svelte';
export { TunnelActions } from './tunnel-actions.svelte.js';
export { TunnelDetailsState } from './tunnel-details.svelte.js';
export { Tunnels, isUp, type TunnelRow } from './tunnels.svelte.js';
