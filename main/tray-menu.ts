/*
 * The tray, as data: which of the four icons to show, its tooltip, and the menu (every tunnel as a check item
 * that toggles it, then Open Warren, Preferences…, Export all tunnels… and Quit). Pure functions of the app state; index.ts hands the template
 * to Electron's Menu.buildFromTemplate, whose MenuItemConstructorOptions these items are a subset of. Anyone may
 * switch any tunnel, whoever owns it, and the tray offers nothing that changes one: ownership plays no part here.
 */
import type { AppState } from '../shared/bridge/types.js';
import { strings } from './strings.js';

export type TrayIcon = 'off' | 'connecting' | 'on' | 'error';

export interface TrayMenuItem {
  type?: 'normal' | 'checkbox' | 'separator';
  label?: string;
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
}

export interface TrayActions {
  setTunnel(name: string, on: boolean): void;
  openWindow(): void;
  reconnect(): void;
  quit(): void;
  /** The window's preferences view (the item shows when given). */
  openPreferences?(): void;
  /** The save dialog for a zip of every tunnel this user may read (the item shows when given). */
  exportAll?(): void;
}

export function trayIcon(state: AppState): TrayIcon {
  if (state.connection.kind === 'connecting') return 'connecting';
  if (state.connection.kind !== 'connected') return 'error';
  const phases = new Set(state.tunnels.map((t) => t.phase));
  if (phases.has('error')) return 'error';
  if (phases.has('connecting') || phases.has('reconnecting')) return 'connecting';
  if (phases.has('on')) return 'on';
  return 'off';
}

const PHASE_WORDS = strings.tray.phase;

export function trayTooltip(state: AppState): string {
  const connection = state.connection;
  switch (connection.kind) {
    case 'connecting':
      return strings.tray.tooltipConnecting;
    case 'helper-missing':
      return strings.tray.tooltip(`${connection.message} ${connection.hint}`);
    case 'not-allowed':
    case 'error':
      return strings.tray.tooltip(connection.message);
  }
  const active = state.tunnels.filter((t) => t.phase !== 'off');
  if (active.length === 0) return strings.tray.tooltipNoneOn;
  return strings.tray.tooltip(active.map((t) => `${t.name} ${PHASE_WORDS[t.phase]}`).join(', '));
}

export function trayMenuTemplate(state: AppState, actions: TrayActions): TrayMenuItem[] {
  const items: TrayMenuItem[] = [];
  const connected = state.connection.kind === 'connected';
  if (!connected) {
    items.push({ label: connectionLine(state), enabled: false });
    if (state.connection.kind !== 'connecting')
      items.push({ label: strings.tray.tryAgain, click: () => actions.reconnect() });
    items.push({ type: 'separator' });
  }
  if (state.tunnels.length === 0) {
    items.push({ label: connected ? strings.tray.noTunnelsImport : strings.tray.noTunnels, enabled: false });
  }
  for (const tunnel of state.tunnels) {
    const on = tunnel.phase !== 'off' && tunnel.phase !== 'error';
    const suffix = tunnel.phase === 'on' || tunnel.phase === 'off' ? '' : ` (${PHASE_WORDS[tunnel.phase]})`;
    items.push({
      type: 'checkbox',
      label: `${tunnel.name}${suffix}`,
      checked: on,
      enabled: connected,
      click: () => actions.setTunnel(tunnel.name, !on),
    });
  }
  items.push({ type: 'separator' }, { label: strings.tray.openWindow, click: () => actions.openWindow() });
  const { openPreferences, exportAll } = actions;
  if (openPreferences) items.push({ label: strings.tray.preferences, click: () => openPreferences() });
  // Export reads stored tunnels from the helper: only while it answers.
  if (exportAll) items.push({ label: strings.tray.exportAll, enabled: connected, click: () => exportAll() });
  items.push({ label: strings.tray.quit, click: () => actions.quit() });
  return items;
}

function connectionLine(state: AppState): string {
  const connection = state.connection;
  switch (connection.kind) {
    case 'connecting':
      return strings.tray.connectingToHelper;
    case 'helper-missing':
      return `${connection.message} ${connection.hint}`;
    case 'not-allowed':
    case 'error':
      return connection.message;
    case 'connected':
      return '';
  }
}
