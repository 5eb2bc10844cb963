// The preload as Electron runs it: compiled to CommonJS, evaluated where `require` knows only 'electron' (as in
// a sandboxed renderer), with process.type 'renderer'. What it exposes must be exactly the schema's API.
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { MANIFEST_CHANNEL, bridgeManifest, channelOf } from '../shared/bridge/schema.js';

function loadPreload(answer: (channel: string) => Promise<unknown> = async () => 'answer') {
  const source = readFileSync(new URL('./preload.cts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const exposed: Record<string, unknown> = {};
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const ipcRenderer = {
    sendSync(channel: string) {
      expect(channel).toBe(MANIFEST_CHANNEL);
      return bridgeManifest();
    },
    invoke(channel: string, ...args: unknown[]) {
      invoked.push([channel, ...args]);
      return answer(channel);
    },
    on(channel: string, listener: (event: unknown, payload: unknown) => void) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener(channel: string, listener: (event: unknown, payload: unknown) => void) {
      listeners.get(channel)?.delete(listener);
    },
  };
  const contextBridge = { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) };
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return { contextBridge, ipcRenderer };
  };
  const module = { exports: {} };
  runInNewContext(outputText, {
    require: sandboxRequire,
    module,
    exports: module.exports,
    process: { type: 'renderer' },
  });
  return { exposed, invoked, listeners, required };
}

describe('preload', () => {
  it("requires nothing but electron and exposes exactly the schema's API as window.warren", () => {
    const { exposed, required } = loadPreload();
    expect(required).toEqual(['electron']);
    const api = exposed.warren as Record<string, unknown>;
    const manifest = bridgeManifest();
    expect(Object.keys(api).sort()).toEqual([...manifest.calls, ...manifest.events].map((e) => e.key).sort());
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('forwards calls on their channel and passes listeners the payload only', async () => {
    const { exposed, invoked, listeners } = loadPreload();
    const api = exposed.warren as Record<string, (...args: unknown[]) => unknown>;
    await expect(api.setTunnel!('home', true)).resolves.toBe('answer');
    expect(invoked).toEqual([[channelOf('setTunnel'), 'home', true]]);

    const seen: unknown[][] = [];
    const off = api.onState!((...args: unknown[]) => seen.push(args)) as () => void;
    for (const listener of listeners.get(channelOf('state'))!)
      listener({ sender: 'ipc event object' }, { tunnels: [] });
    expect(seen).toEqual([[{ tunnels: [] }]]);
    off();
    expect(listeners.get(channelOf('state'))!.size).toBe(0);
  });

  it("rejects a failed call with main's words alone, without Electron's wrapping", async () => {
    const refusal = 'office belongs to root; only root or an administrator may read it';
    const { exposed } = loadPreload(async (channel) => {
      // As Electron's ipcRenderer.invoke rejects when main's handler throws.
      throw new Error(`Error invoking remote method '${channel}': Error: ${refusal}`);
    });
    const api = exposed.warren as Record<string, (...args: unknown[]) => Promise<unknown>>;
    await expect(api.exportTunnel!('office')).rejects.toThrow(new Error(refusal));
    const { exposed: other } = loadPreload(async () => {
      throw new Error('no wrapping here');
    });
    await expect((other.warren as typeof api).getState!()).rejects.toThrow(new Error('no wrapping here'));
  });
});
