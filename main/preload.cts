/*
 * The preload: builds `window.warren` from the bridge manifest and exposes it with contextBridge. Nothing else
 * of Electron reaches the page: no ipcRenderer, no event objects (listeners get the payload only).
 *
 * It runs sandboxed, where `require` knows only 'electron' and a few built-ins and ES modules cannot load at
 * all; hence CommonJS (this is a .cts file: tsc emits build/main/preload.cjs) and no import but types. The
 * channel names come from main (one synchronous message at start-up), which derives them from
 * shared/bridge/schema.ts, so no channel is written here. A call that fails rejects with main's words alone
 * (often the helper's), without the wrapping Electron puts around them.
 */
import type { BridgeManifest, MANIFEST_CHANNEL, WarrenApi } from '../shared/bridge/schema.js';

/** The part of ipcRenderer the bridge uses. */
interface PreloadIpc {
  sendSync(channel: string): unknown;
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

// Checked against the schema's constant: the compiler rejects any other string.
const manifestChannel: typeof MANIFEST_CHANNEL = 'warren:manifest';

/**
 * Electron rejects a failed invoke with `Error invoking remote method 'CHANNEL': Error: MESSAGE`, the error main
 * threw turned into a string; the window shows the MESSAGE.
 */
function mainsWords(error: unknown): Error {
  // Read, not `instanceof`: the rejection may come from another realm than this script's.
  const raw = (error as { message?: unknown } | null)?.message;
  const message = typeof raw === 'string' ? raw : String(error);
  return new Error(message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, ''));
}

function createWarrenApi(ipc: PreloadIpc): WarrenApi {
  const manifest = ipc.sendSync(manifestChannel) as BridgeManifest;
  const api: Record<string, unknown> = {};
  for (const { key, channel } of manifest.calls) {
    api[key] = (...args: unknown[]) =>
      ipc.invoke(channel, ...args).catch((error: unknown) => {
        throw mainsWords(error);
      });
  }
  for (const { key, channel } of manifest.events) {
    api[key] = (listener: (payload: unknown) => void) => {
      const forward = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, forward);
      return () => void ipc.removeListener(channel, forward);
    };
  }
  return Object.freeze(api) as WarrenApi;
}

// In Electron's renderer (not when a test loads this file under Node).
if (process.type === 'renderer') {
  // A sandboxed preload is CommonJS and has only require() for Electron's module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const electron = require('electron') as typeof import('electron');
  electron.contextBridge.exposeInMainWorld('warren', createWarrenApi(electron.ipcRenderer as PreloadIpc));
}
