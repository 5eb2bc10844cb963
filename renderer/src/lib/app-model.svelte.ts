/*
 * The window's state, one instance per window: the session with main, each feature's state, and which pane
 * shows. Leaving the editor (another tunnel, New, Import, Logs, Preferences) with unsaved changes waits for the
 * user to confirm: the move is parked in `pendingLeave` until they discard or keep editing. Main may ask for a
 * view (the tray's Preferences…, a notification's Show): it is shown as if the user had asked.
 */
import type { WarrenApi } from '../../../shared/bridge/schema.js';
import type { ShowRequest } from '../../../shared/bridge/types.js';
import { Editor } from '../features/editor/editor.svelte.js';
import { Importer } from '../features/import/importer.svelte.js';
import { Logs } from '../features/logs/logs.svelte.js';
import { PreferencesState } from '../features/preferences/preferences.svelte.js';
import { ExportAll } from '../features/share/export-all.svelte.js';
import { TunnelQrState } from '../features/share/tunnel-qr.svelte.js';
import { SignIn } from '../features/network/sign-in.svelte.js';
import { TunnelSettingsState } from '../features/settings/tunnel-settings.svelte.js';
import { TunnelActions } from '../features/tunnels/tunnel-actions.svelte.js';
import { TunnelDetailsState } from '../features/tunnels/tunnel-details.svelte.js';
import { Tunnels } from '../features/tunnels/tunnels.svelte.js';
import { Session } from './session.svelte.js';

export type Pane = 'tunnel' | 'editor' | 'logs' | 'preferences';

export class AppModel {
  readonly session: Session;
  readonly tunnels: Tunnels;
  readonly importer: Importer;
  readonly editor: Editor;
  readonly details: TunnelDetailsState;
  readonly actions: TunnelActions;
  readonly settings: TunnelSettingsState;
  readonly logs: Logs;
  readonly preferences: PreferencesState;
  readonly exporter: ExportAll;
  readonly qr: TunnelQrState;
  readonly signIn: SignIn;
  pane = $state<Pane>('tunnel');
  /** A move away from an editor with unsaved changes, waiting for the user's answer. */
  pendingLeave = $state<(() => void) | null>(null);

  private readonly api: WarrenApi;

  constructor(api: WarrenApi) {
    this.api = api;
    this.session = new Session(api);
    this.tunnels = new Tunnels(this.session, api);
    this.importer = new Importer(api);
    this.editor = new Editor(api);
    this.details = new TunnelDetailsState(api);
    this.actions = new TunnelActions(api, () => this.session.state.tunnels.map((t) => t.name));
    this.settings = new TunnelSettingsState(api);
    this.logs = new Logs(api);
    this.preferences = new PreferencesState(api);
    this.exporter = new ExportAll(api);
    this.qr = new TunnelQrState(api);
    this.signIn = new SignIn(api);
  }

  start(): () => void {
    const stops = [this.session.start(), this.importer.start(), this.api.onShow((request) => this.show(request))];
    return () => stops.forEach((stop) => stop());
  }

  /** A view main asked for. */
  show(request: ShowRequest): void {
    if (request.view === 'preferences') this.showPreferences();
    else this.showTunnel(request.name);
  }

  /** Runs `move` now, or after the user agrees to drop the editor's unsaved changes. */
  leaveEditor(move: () => void): void {
    if (this.pane === 'editor' && this.editor.dirty) this.pendingLeave = move;
    else move();
  }

  discardAndLeave(): void {
    const move = this.pendingLeave;
    this.pendingLeave = null;
    this.pane = 'tunnel';
    move?.();
  }

  keepEditing(): void {
    this.pendingLeave = null;
  }

  showTunnel(name: string): void {
    this.leaveEditor(() => {
      this.tunnels.select(name);
      this.pane = 'tunnel';
    });
  }

  showLogs(): void {
    this.leaveEditor(() => {
      this.pane = 'logs';
    });
  }

  showPreferences(): void {
    this.leaveEditor(() => {
      this.pane = 'preferences';
    });
  }

  exportAll(): Promise<void> {
    return this.exporter.run();
  }

  /** The editor, empty or with pasted text. */
  newTunnel(text?: string): void {
    this.leaveEditor(() => {
      this.editor.openNew(text);
      this.pane = 'editor';
    });
  }

  async editTunnel(name: string): Promise<void> {
    this.pane = 'editor';
    await this.editor.openExisting(name);
  }

  importWithDialog(): void {
    this.leaveEditor(() => {
      this.pane = 'tunnel';
      void this.importer.fromDialog();
    });
  }

  /** The app quits (tunnels stay up: the helper runs them), after the unsaved-changes question. */
  quit(): void {
    this.leaveEditor(() => void this.api.quit());
  }

  async saveEditor(): Promise<void> {
    if (await this.editor.save()) {
      this.tunnels.select(this.editor.saved!);
      this.pane = 'tunnel';
    }
  }

  /** Leaves the editor without saving (its Cancel), after a confirmation when there are changes. */
  cancelEditor(): void {
    this.leaveEditor(() => {
      this.pane = 'tunnel';
    });
  }

  async renameSelected(): Promise<void> {
    const renamed = await this.actions.commitRename();
    if (renamed !== null) this.tunnels.select(renamed);
  }

  async deleteTunnel(name: string): Promise<boolean> {
    const deleted = await this.actions.remove(name);
    if (deleted && this.tunnels.selectedName === name) this.tunnels.selectedName = null;
    return deleted;
  }
}

export function createAppModel(api: WarrenApi): AppModel {
  return new AppModel(api);
}
