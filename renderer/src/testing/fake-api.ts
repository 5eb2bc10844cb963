// A WarrenApi double for the state modules' tests: calls are recorded and answered by overridable handlers,
// events are fired by the test.
import type { WarrenApi } from '../../../shared/bridge/schema.js';
import type { AppState, ImportOutcome, ShowRequest } from '../../../shared/bridge/types.js';

export interface FakeApi extends WarrenApi {
  calls: { name: string; args: unknown[] }[];
  emitState(state: AppState): void;
  emitImported(outcomes: ImportOutcome[]): void;
  emitShow(request: ShowRequest): void;
}

export function fakeApi(overrides: Partial<WarrenApi> = {}): FakeApi {
  const calls: FakeApi['calls'] = [];
  const stateListeners = new Set<(s: AppState) => void>();
  const importedListeners = new Set<(o: ImportOutcome[]) => void>();
  const showListeners = new Set<(r: ShowRequest) => void>();
  const record =
    <A extends unknown[], R>(name: string, answer: (...args: A) => Promise<R>) =>
    (...args: A) => {
      calls.push({ name, args });
      return answer(...args);
    };
  const base: WarrenApi = {
    getState: async () => ({ connection: { kind: 'connected', helperVersion: '0.1.0' }, tunnels: [] }),
    setTunnel: async () => {},
    importFiles: async (files) =>
      files.map((f) => ({
        filename: f.filename,
        ok: true,
        name: f.name ?? f.filename.replace(/\.conf$/, ''),
        errors: [],
        warnings: [],
      })),
    importArchives: async (archives) =>
      archives.map((a) => ({
        filename: a.filename,
        ok: false,
        errors: [`${a.filename}: has no .conf file inside`],
        warnings: [],
      })),
    importWithDialog: async () => [],
    exportAll: async () => null,
    getPreferences: async () => ({ startAtLogin: false, notifications: 'all', closeWindow: 'tray' }),
    setPreferences: async (p) => ({ startAtLogin: false, notifications: 'all', closeWindow: 'tray', ...p }),
    reconnect: async () => {},
    quit: async () => {},
    getTunnel: async (name) => ({
      name,
      text: '[Interface]\nPrivateKey = (hidden)\nAddress = 10.0.0.2/32\n',
      publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
      settings: {
        startWithSystem: false,
        blockUntunneled: false,
        allowBridges: false,
        allowScripts: false,
        excludePrivateIps: false,
        onDemand: { ethernet: false, wifi: 'never', ssids: [] },
      },
    }),
    getTunnelSettings: async () => ({
      startWithSystem: false,
      blockUntunneled: false,
      allowBridges: false,
      allowScripts: false,
      excludePrivateIps: false,
      onDemand: { ethernet: false, wifi: 'never', ssids: [] },
    }),
    getTunnelDetails: async (name) => ({
      name,
      publicKey: null,
      addresses: [],
      dns: [],
      listenPort: null,
      mtu: null,
      running: false,
      configReadable: true,
      peers: [],
      warnings: [],
      sampledAt: 0,
    }),
    createTunnel: async (name) => ({ ok: true, name, warnings: [] }),
    updateTunnel: async (name) => ({ ok: true, name, warnings: [] }),
    setTunnelSettings: async (_name, changes) => ({
      startWithSystem: false,
      blockUntunneled: false,
      allowBridges: false,
      allowScripts: false,
      excludePrivateIps: false,
      onDemand: { ethernet: false, wifi: 'never', ssids: [] },
      ...changes,
    }),
    renameTunnel: async (_name, newName) => newName,
    deleteTunnel: async () => {},
    exportTunnel: async () => null,
    getTunnelQr: async () => ({ kind: 'code', modules: [[true]] }),
    getLogs: async () => [],
    openPortalHole: async () => ({
      networkManager: true,
      primary: { kind: 'wifi', name: 'Café', ssid: 'Café' },
      signInNeeded: true,
      portalHole: { until: 300_000, openedBy: 'ann' },
    }),
    closePortalHole: async () => ({
      networkManager: true,
      primary: { kind: 'wifi', name: 'Café', ssid: 'Café' },
      signInNeeded: true,
      portalHole: null,
    }),
    onState: (listener) => {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onImported: (listener) => {
      importedListeners.add(listener);
      return () => importedListeners.delete(listener);
    },
    onShow: (listener) => {
      showListeners.add(listener);
      return () => showListeners.delete(listener);
    },
  };
  const merged: WarrenApi = { ...base, ...overrides };
  // Every call is recorded; the event subscriptions are not calls.
  const recorded = Object.fromEntries(
    Object.entries(merged).map(([name, fn]) => [
      name,
      name.startsWith('on') ? fn : record(name, fn as (...args: unknown[]) => Promise<unknown>),
    ]),
  ) as unknown as WarrenApi;
  return {
    ...recorded,
    calls,
    emitState: (s) => stateListeners.forEach((l) => l(s)),
    emitImported: (o) => importedListeners.forEach((l) => l(o)),
    emitShow: (r) => showListeners.forEach((l) => l(r)),
  };
}

/** A promise and its resolver, to hold a call open. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
