// The helper's tunnel store: wg-quick files plus a state file in one root-only directory (see tunnel-store.ts).
export { TunnelStore, MAX_TUNNELS, type StoredTunnel } from './tunnel-store.js';
export { StoreError, type StoreErrorCode, type StoreProblem } from './store-error.js';
export { DEFAULT_STATE_DIR, resolveStateDir } from './state-dir.js';
export { defaultTunnelOptions, isFullTunnel } from './default-options.js';
export { DirectorySyncError, writeFileAtomic, createFileAtomic } from './atomic-write.js';
