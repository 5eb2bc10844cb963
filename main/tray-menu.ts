/*
 * The tray, as data: which of the four icons to show, its tooltip, and the menu (every tunnel as a check item
 * that toggles it, then "Open Warren" and "Quit"). Pure functions of the app state; index.ts hands the template
 * to Electron's Menu.buildFromTemplate, whose MenuItemConstructorOptions these items are a subset of. Anyone may
 * switch any tunnel, whoever owns it, and the tray offers nothing that changes one: ownership plays no part here.
 */
import type { AppState, TunnelPhase } from '../shared/bridge/types.js';

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

const PHASE_WORDS: Record<TunnelPhase, string> = {
  off: 'off',
  connecting: 'connecting…',
  on: 'on',
  reconnecting: 'reconnecting…',
  error: 'error',
};

export function trayTooltip(state: AppState): string {
  const connection = state.connection;
  switch (connection.kind) {
    case 'connecting':
      return 'Warren: connecting to the helper…';
    case 'helper-missing':
      return `Warren: ${connection.message} ${connection.hint}`;
    case 'not-allowed':
    case 'error':
      return `Warren: ${connection.message}`;
  }
  const active = state.tunnels.filter((t) => t.phase !== 'off');
  if (active.length === 0) return 'Warren: no tunnel is on';
  return `Warren: ${active.map((t) => `${t.name} ${PHASE_WORDS[t.phase]}`).join(', ')}`;
}

export function trayMenuTemplate(state: AppState, actions: TrayActions): TrayMenuItem[] {
  const items: TrayMenuItem[] = [];
  const connected = state.connection.kind === 'connected';
  if (!connected) {
    items.push({ label: connectionLine(state), enabled: false });
    if (state.connection.kind !== 'connecting') items.push({ label: 'Try again', click: () => actions.reconnect() });
    items.push({ type: 'separator' });
  }
  if (state.tunnels.length === 0) {
    items.push({ label: connected ? 'No tunnels: import one in Warren' : 'No tunnels', enabled: false });
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
  items.push(
    { type: 'separator' },
    { label: 'Open Warren', click: () => actions.openWindow() },
    { label: 'Quit', click: () => actions.quit() },
  );
  return items;
}

function connectionLine(state: AppState): string {
  const connection = state.connection;
  switch (connection.kind) {
    case 'connecting':
      return 'Connecting to the Warren helper…';
    case 'helper-missing':
      return `${connection.message} ${connection.hint}`;
    case 'not-allowed':
    case 'error':
      return connection.message;
    case 'connected':
      return '';
  }
}
