// The helper's log, filtered by level and tunnel.
export { default as LogsView } from './LogsView.svelte';
export { LEVELS, LOG_LIMIT, Logs, type Level } from './logs.svelte.js';
