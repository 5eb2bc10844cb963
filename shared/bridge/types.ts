/*
 * What the UI sees: the helper's wire types (shared/ipc/control.ts) are translated to these in main
 * (main/app-state.ts) and never reach the renderer. Plain data only: everything here crosses Electron's
 * structured clone.
 */

/** How main reaches the helper, in words the UI can show as they are. */
export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'connected'; helperVersion: string }
  /** No helper listens (ENOENT, ECONNREFUSED): `hint` says how to start it. */
  | { kind: 'helper-missing'; message: string; hint: string }
  /** The helper refuses this user ('forbidden', EACCES): `message` names the group and the command. */
  | { kind: 'not-allowed'; message: string }
  | { kind: 'error'; message: string };

/** A tunnel's state as the tray and the window show it; 'reconnecting' is the wake from suspend. */
export type TunnelPhase = 'off' | 'connecting' | 'on' | 'reconnecting' | 'error';

export interface TunnelView {
  name: string;
  phase: TunnelPhase;
  /** Stored in the helper, or brought up from a file with `warren up FILE` (not stored). */
  stored: boolean;
  /** Why the phase is 'error'. */
  error?: string;
}

export interface AppState {
  connection: ConnectionState;
  tunnels: TunnelView[];
}

/** One file to import: its name (for FILE:LINE) and its text. */
export interface ImportFile {
  filename: string;
  text: string;
  /** The tunnel's name; by default the filename's stem (`home.conf` → home). Pasted text needs one. */
  name?: string;
}

/** The result for one file: the tunnel it became, or its errors as FILE:LINE: message lines. */
export interface ImportOutcome {
  filename: string;
  ok: boolean;
  name?: string;
  errors: string[];
  warnings: string[];
}

export interface Preferences {
  startAtLogin: boolean;
  notifyOnConnect: boolean;
  notifyOnDisconnect: boolean;
  notifyOnFailure: boolean;
}
