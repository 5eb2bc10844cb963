// The renderer's client: `window.warren`, as the preload exposed it (main/preload.cts), typed from the schema.
import type { WarrenApi } from './schema.js';

declare global {
  interface Window {
    warren: WarrenApi;
  }
}

export function warren(): WarrenApi {
  const api = (globalThis as { warren?: WarrenApi }).warren;
  if (!api) throw new Error("window.warren is missing: the page was not loaded with Warren's preload");
  return api;
}
