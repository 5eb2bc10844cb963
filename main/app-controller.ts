/*
 * Main's state and behaviour without Electron: the helper connection, the tunnels as the UI sees them (with the
 * wake overlay), notifications, preferences, import and export, and the bridge handlers the window calls.
 * Whatever Electron does for it (dialogs, notifications, files, login items) comes in through AppShell, so
 * this runs and is tested under plain Node; index.ts only wires Electron's objects to it.
 */
import type { TunnelSummary } from '../shared/ipc/control.js';
import type { BridgeHandlers } from '../shared/bridge/schema.js';
import type { AppState, ImportOutcome, Preferences, TunnelView } from '../shared/bridge/types.js';
import type { HelperConnection } from './helper-connection.js';
import { exportAllZip, importFiles, readImportData, readImportPaths, type ZipCodec } from './import-export.js';
import { type Notice, noticesFor } from './notifications.js';
import { type PowerSource, PowerSync } from './power-sync.js';
import { DEFAULT_PREFERENCES, loadPreferences, savePreferences } from './preferences.js';
import { tunnelViews } from './tunnel-views.js';
import { type Administrator, systemAdministrator } from './allow-scripts.js';
import {
  createTunnel,
  exportConf,
  getTunnel,
  helperLogs,
  setTunnelSettings,
  tunnelDetails,
  tunnelSettings,
  updateTunnel,
} from './tunnel-editing.js';

export interface AppShell {
  /** The open dialog (.conf, .zip, many at once); empty when cancelled. */
  chooseImportPaths(): Promise<string[]>;
  /** The save dialog for an export (`suggested` is warren-tunnels.zip or NAME.conf); null when cancelled. */
  chooseExportPath(suggested: string): Promise<string | null>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  notify(notice: Notice): void;
  setStartAtLogin(enabled: boolean): Promise<void>;
  /** The app's quit (the tray's Quit, from the window). */
  quit(): void;
  log(message: string): void;
}

export interface AppControllerOptions {
  helper: HelperConnection;
  power: PowerSource;
  shell: AppShell;
  zip: ZipCodec;
  preferencesPath: string;
  /** How long a tunnel may take to handshake after a wake before it shows an error (default 30 s). */
  reconnectTimeoutMs?: number;
  /** How allowing scripts asks for an administrator (default: pkexec, allow-scripts.ts). */
  administrator?: Administrator;
}

export class AppController {
  private readonly options: AppControllerOptions;
  private readonly helper: HelperConnection;
  private readonly power: PowerSync;
  private readonly administrator: Administrator;
  private summaries: TunnelSummary[] = [];
  private views: TunnelView[] = [];
  /** The views last compared for notifications; null until the first list after a (re)connection. */
  private noticed: TunnelView[] | null = null;
  private preferences: Preferences = { ...DEFAULT_PREFERENCES };
  private readonly listeners = new Set<(state: AppState) => void>();
  private readonly offs: (() => void)[] = [];

  constructor(options: AppControllerOptions) {
    this.options = options;
    this.helper = options.helper;
    this.administrator = options.administrator ?? systemAdministrator();
    this.power = new PowerSync({
      power: options.power,
      helper: options.helper,
      runningTunnels: () =>
        this.summaries.filter((t) => t.state === 'up' || t.state === 'reconnecting').map((t) => t.name),
      onChange: () => this.update(),
      log: (message) => options.shell.log(message),
      ...(options.reconnectTimeoutMs === undefined ? {} : { timeoutMs: options.reconnectTimeoutMs }),
    });
    this.offs.push(
      this.helper.onConnected(() => void this.refresh()),
      this.helper.onState((state) => {
        if (state.kind === 'connected') return;
        this.summaries = [];
        this.noticed = null;
        this.update();
      }),
      this.helper.onEvent((event) => {
        if (event.type === 'tunnels') this.setSummaries(event.tunnels);
        else if (event.type === 'status') this.power.handleStatus(event.status);
      }),
    );
  }

  async start(): Promise<void> {
    this.preferences = await loadPreferences(this.options.preferencesPath);
    this.helper.start();
  }

  stop(): void {
    for (const off of this.offs) off();
    this.power.close();
    this.helper.stop();
  }

  get state(): AppState {
    return { connection: this.helper.state, tunnels: this.views };
  }

  onState(listener: (state: AppState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async setTunnel(name: string, on: boolean): Promise<void> {
    if (on) await this.helper.call('up', { name });
    else await this.helper.call('down', { name });
  }

  /** Files from the dialog, argv or open-file: read, unpacked, imported. */
  async importPaths(paths: readonly string[]): Promise<ImportOutcome[]> {
    const { files, failures } = await readImportPaths(paths, {
      readFile: (p) => this.options.shell.readFile(p),
      zip: this.options.zip,
    });
    return importFiles(this.helper, files, failures);
  }

  readonly handlers: BridgeHandlers = {
    getState: () => this.state,
    setTunnel: (name, on) => this.setTunnel(name, on),
    importFiles: (files) => importFiles(this.helper, files),
    importArchives: (archives) => {
      const { files, failures } = readImportData(archives, this.options.zip);
      return importFiles(this.helper, files, failures);
    },
    importWithDialog: async () => {
      const paths = await this.options.shell.chooseImportPaths();
      return paths.length === 0 ? [] : this.importPaths(paths);
    },
    exportAll: async () => {
      const path = await this.options.shell.chooseExportPath('warren-tunnels.zip');
      return path === null ? null : this.writeSecret(path, await exportAllZip(this.helper, this.options.zip));
    },
    exportTunnel: async (name) => {
      const path = await this.options.shell.chooseExportPath(`${name}.conf`);
      return path === null ? null : this.writeSecret(path, await exportConf(this.helper, name));
    },
    getPreferences: () => ({ ...this.preferences }),
    setPreferences: async (changes) => {
      const next = { ...this.preferences, ...changes };
      if (next.startAtLogin !== this.preferences.startAtLogin)
        await this.options.shell.setStartAtLogin(next.startAtLogin);
      await savePreferences(this.options.preferencesPath, next);
      this.preferences = next;
      return { ...next };
    },
    reconnect: () => this.helper.retryNow(),
    quit: () => this.options.shell.quit(),
    getTunnel: (name) => getTunnel(this.helper, name),
    getTunnelSettings: (name) => tunnelSettings(this.helper, name),
    getTunnelDetails: (name) => tunnelDetails(this.helper, name),
    createTunnel: (name, text) => this.changing(createTunnel(this.helper, name, text)),
    updateTunnel: (name, text) => this.changing(updateTunnel(this.helper, name, text)),
    setTunnelSettings: (name, changes) =>
      this.changing(setTunnelSettings(this.helper, name, changes, this.administrator)),
    renameTunnel: async (name, newName) => (await this.changing(this.helper.call('rename', { name, newName }))).name,
    deleteTunnel: async (name) => {
      await this.changing(this.helper.call('delete', { name }));
    },
    getLogs: (limit) => helperLogs(this.helper, limit),
  };

  /** Writes key material (mode 0600 by the shell) and wipes main's copy whatever happens. */
  private async writeSecret(path: string, data: Uint8Array): Promise<string> {
    try {
      await this.options.shell.writeFile(path, data);
    } finally {
      data.fill(0);
    }
    return path;
  }

  /** A change to the store: the list is read again so the window and the tray show it at once. */
  private async changing<T>(change: Promise<T>): Promise<T> {
    try {
      return await change;
    } finally {
      void this.refresh();
    }
  }

  private async refresh(): Promise<void> {
    try {
      this.setSummaries(await this.helper.call('list', {}));
    } catch (error) {
      this.options.shell.log(`could not list the tunnels: ${(error as Error).message}`);
    }
  }

  private setSummaries(summaries: TunnelSummary[]): void {
    this.summaries = summaries;
    this.power.handleTunnels(summaries);
    this.update();
  }

  private update(): void {
    this.views = tunnelViews(this.summaries, this.power.overlay);
    if (this.helper.state.kind === 'connected') {
      for (const notice of noticesFor(this.noticed, this.views, this.preferences)) this.options.shell.notify(notice);
      this.noticed = this.views;
    }
    const state = this.state;
    for (const listener of this.listeners) listener(state);
  }
}
