/*
 * Main's state and behaviour without Electron: the helper connection, the tunnels as the UI sees them (with the
 * wake overlay) and the network (for on-demand and signing in to a captive portal), notifications (a tunnel's change, and the helper gone while tunnels ran, said once it has stayed
 * away a grace period, so a restart is not news), preferences, import and export (also as a QR code), and the
 * bridge handlers the window calls.
 * Whatever Electron does for it (dialogs, notifications, files, login items) comes in through AppShell, so
 * this runs and is tested under plain Node; index.ts only wires Electron's objects to it.
 */
import type { NetworkStatus, TunnelSummary } from '../shared/ipc/control.js';
import type { BridgeHandlers } from '../shared/bridge/schema.js';
import type {
  AppState,
  ExportSummary,
  ImportOutcome,
  NetworkView,
  Preferences,
  TunnelView,
} from '../shared/bridge/types.js';
import type { HelperConnection } from './helper-connection.js';
import { exportPlan, exportZip, importFiles, readImportData, readImportPaths, type ZipCodec } from './import-export.js';
import { type Notice, helperGoneNotice, noticesFor } from './notifications.js';
import { strings } from './strings.js';
import { tunnelQr } from './tunnel-qr.js';
import { type PowerSource, PowerSync } from './power-sync.js';
import { DEFAULT_PREFERENCES, loadPreferences, savePreferences } from './preferences.js';
import { tunnelViews } from './tunnel-views.js';
import { networkView } from './network-view.js';
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
  /** How long the helper may stay away before its absence is notified (default 10 s: a restart is quicker). */
  helperGoneGraceMs?: number;
}

/** How long an import made as the app starts waits for the helper connection. */
const CONNECT_WAIT_MS = 10_000;

export class AppController {
  private readonly options: AppControllerOptions;
  private readonly helper: HelperConnection;
  private readonly power: PowerSync;
  private readonly administrator: Administrator;
  private summaries: TunnelSummary[] = [];
  private views: TunnelView[] = [];
  /** The helper's network status: asked for on each connection, then kept by its network events. */
  private network: NetworkStatus | null = null;
  /** The views last compared for notifications; null until the first list after a (re)connection. */
  private noticed: TunnelView[] | null = null;
  private current: Preferences = { ...DEFAULT_PREFERENCES };
  /** The tunnels that ran when the helper went away, until it is back or that is notified; `due` once the grace is over. */
  private lost: { tunnels: string[]; due: boolean; timer: NodeJS.Timeout } | null = null;
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
      this.helper.onConnected(() => {
        void this.refresh();
        void this.refreshNetwork();
      }),
      this.helper.onState((state) => {
        if (state.kind === 'connected') {
          this.forgetLost();
          return;
        }
        this.noteLost();
        this.summaries = [];
        this.network = null;
        this.noticed = null;
        this.update();
      }),
      this.helper.onEvent((event) => {
        if (event.type === 'tunnels') this.setSummaries(event.tunnels);
        else if (event.type === 'status') this.power.handleStatus(event.status);
        else if (event.type === 'network') this.setNetwork(event.network);
      }),
    );
  }

  async start(): Promise<void> {
    this.current = await loadPreferences(this.options.preferencesPath);
    // The autostart entry written again: the app's command may have moved (an AppImage moved or updated).
    if (this.current.startAtLogin)
      await this.options.shell
        .setStartAtLogin(true)
        .catch((error: Error) => this.options.shell.log(`could not renew the autostart entry: ${error.message}`));
    this.helper.start();
  }

  stop(): void {
    this.forgetLost();
    for (const off of this.offs) off();
    this.power.close();
    this.helper.stop();
  }

  get state(): AppState {
    return {
      connection: this.helper.state,
      tunnels: this.views,
      ...(this.network ? { network: networkView(this.network, this.summaries) } : {}),
    };
  }

  get preferences(): Preferences {
    return { ...this.current };
  }

  onState(listener: (state: AppState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async setTunnel(name: string, on: boolean): Promise<void> {
    if (on) await this.helper.call('up', { name });
    else await this.helper.call('down', { name });
  }

  /**
   * Files from the dialog, argv or open-file: read, unpacked, imported. A file opened as the app starts comes
   * before the helper connection: it waits for it (a while), then gets the helper's state as its error.
   */
  async importPaths(paths: readonly string[]): Promise<ImportOutcome[]> {
    const { files, failures } = await readImportPaths(paths, {
      readFile: (p) => this.options.shell.readFile(p),
      zip: this.options.zip,
    });
    if (files.length > 0) await this.connected(CONNECT_WAIT_MS);
    return importFiles(this.helper, files, failures);
  }

  /** Resolves once the helper is connected, or after `timeoutMs`, whichever comes first. */
  private connected(timeoutMs: number): Promise<void> {
    if (this.helper.state.kind === 'connected') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const off = this.helper.onConnected(done);
    });
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
    exportAll: () => this.exportAll(),
    exportTunnel: async (name) => {
      const path = await this.options.shell.chooseExportPath(`${name}.conf`);
      return path === null ? null : this.writeSecret(path, await exportConf(this.helper, name));
    },
    getTunnelQr: (name) => tunnelQr(this.helper, name),
    getPreferences: () => this.preferences,
    setPreferences: async (changes) => {
      const next = { ...this.current, ...changes };
      if (next.startAtLogin !== this.current.startAtLogin) await this.options.shell.setStartAtLogin(next.startAtLogin);
      await savePreferences(this.options.preferencesPath, next);
      this.current = next;
      return this.preferences;
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
    openPortalHole: async () => this.setNetwork(await this.helper.call('openPortalHole', {})),
    closePortalHole: async () => this.setNetwork(await this.helper.call('closePortalHole', {})),
  };

  /**
   * Every stored tunnel this user may read into one zip, where the save dialog says; another owner's are left out
   * and named. With nothing to export it says so before any dialog.
   */
  private async exportAll(): Promise<ExportSummary | null> {
    const plan = await exportPlan(this.helper);
    if (plan.names.length === 0) throw new Error(strings.export.nothing(plan.leftOut.length));
    const path = await this.options.shell.chooseExportPath('warren-tunnels.zip');
    if (path === null) return null;
    await this.writeSecret(path, await exportZip(this.helper, this.options.zip, plan.names));
    return { path, exported: plan.names, leftOut: plan.leftOut };
  }

  /** The tray's Export all tunnels…: the same export, its outcome told by a notification (the tray has no other way). */
  async exportAllFromTray(): Promise<void> {
    try {
      const summary = await this.exportAll();
      if (summary) this.options.shell.notify(strings.notice.exported(summary.exported.length, summary.path));
    } catch (error) {
      this.options.shell.notify({ ...strings.notice.exportFailed((error as Error).message), failure: true });
    }
  }

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

  private async refreshNetwork(): Promise<void> {
    try {
      this.setNetwork(await this.helper.call('network', {}));
    } catch (error) {
      this.options.shell.log(`could not read the network: ${(error as Error).message}`);
    }
  }

  /** A new network status (an event, or an answer), shown at once; the answer is the window's view of it. */
  private setNetwork(status: NetworkStatus): NetworkView {
    this.network = status;
    this.update();
    return networkView(status, this.summaries);
  }

  private setSummaries(summaries: TunnelSummary[]): void {
    this.summaries = summaries;
    this.power.handleTunnels(summaries);
    this.update();
  }

  private update(): void {
    this.views = tunnelViews(this.summaries, this.power.overlay);
    if (this.helper.state.kind === 'connected') {
      for (const notice of noticesFor(this.noticed, this.views, this.current.notifications))
        this.options.shell.notify(notice);
      this.noticed = this.views;
    }
    const state = this.state;
    for (const listener of this.listeners) listener(state);
  }

  /** The helper just went away: the tunnels that ran are remembered, and told about once the grace is over. */
  private noteLost(): void {
    if (this.lost) {
      if (this.lost.due) this.reportLost();
      return;
    }
    const tunnels = this.summaries.filter((t) => t.state !== 'down' && t.state !== 'error').map((t) => t.name);
    if (this.noticed === null || tunnels.length === 0) return;
    const timer = setTimeout(() => {
      if (!this.lost) return;
      this.lost.due = true;
      this.reportLost();
    }, this.options.helperGoneGraceMs ?? 10_000);
    timer.unref?.();
    this.lost = { tunnels, due: false, timer };
  }

  /** Told when the state says why ('connecting' does not yet: the next state will). */
  private reportLost(): void {
    if (!this.lost) return;
    const notice = helperGoneNotice(this.helper.state, this.lost.tunnels, this.current.notifications);
    if (notice === null && this.helper.state.kind === 'connecting') return;
    this.forgetLost();
    if (notice) this.options.shell.notify(notice);
  }

  private forgetLost(): void {
    if (this.lost) clearTimeout(this.lost.timer);
    this.lost = null;
  }
}
