/*
 * The app's own preferences (not the helper's): a small JSON file in Electron's userData folder. Unknown or
 * malformed content falls back to the defaults, field by field. Start at login: Electron's
 * app.setLoginItemSettings works on macOS and Windows only; on Linux it is the XDG autostart entry written here.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../native-helper/store/atomic-write.js';
import { CLOSE_ACTIONS, NOTIFICATION_LEVELS, type Preferences } from '../shared/bridge/types.js';

export const DEFAULT_PREFERENCES: Preferences = {
  startAtLogin: false,
  notifications: 'all',
  closeWindow: 'tray',
};

/** Each field's valid values: what a stored value must be to be taken. */
const VALID: { [K in keyof Preferences]: (value: unknown) => value is Preferences[K] } = {
  startAtLogin: (v): v is boolean => typeof v === 'boolean',
  notifications: (v): v is Preferences['notifications'] => NOTIFICATION_LEVELS.some((l) => l === v),
  closeWindow: (v): v is Preferences['closeWindow'] => CLOSE_ACTIONS.some((a) => a === v),
};

export async function loadPreferences(path: string): Promise<Preferences> {
  let stored: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (parsed && typeof parsed === 'object') stored = parsed as Record<string, unknown>;
  } catch {
    // absent or unreadable: the defaults
  }
  const result = { ...DEFAULT_PREFERENCES };
  for (const key of Object.keys(DEFAULT_PREFERENCES) as (keyof Preferences)[]) {
    const value = stored[key];
    if (VALID[key](value)) (result as Record<keyof Preferences, unknown>)[key] = value;
  }
  return result;
}

export async function savePreferences(path: string, preferences: Preferences): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Replaced whole (written beside it, renamed over it): a reader, or a crash, never sees half a file.
  await writeFileAtomic(path, `${JSON.stringify(preferences, null, 2)}\n`, 0o600);
}

/** The argument the autostart entry passes, so the app starts in the tray without a window. */
export const HIDDEN_ARG = '--hidden';

export interface LoginItemDeps {
  platform: NodeJS.Platform;
  /** Electron's app.setLoginItemSettings (macOS, Windows). */
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void;
  /** The command that starts the app (the AppImage's path, or the executable). */
  command: string;
  env?: NodeJS.ProcessEnv;
}

export function autostartPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'autostart', 'warren.desktop');
}

export function autostartEntry(command: string): string {
  const quoted = /[\s"'\\$`]/.test(command) ? `"${command.replace(/(["\\$`])/g, '\\$1')}"` : command;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Warren',
    'Comment=WireGuard tunnels',
    `Exec=${quoted} ${HIDDEN_ARG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export async function setStartAtLogin(enabled: boolean, deps: LoginItemDeps): Promise<void> {
  if (deps.platform !== 'linux') {
    deps.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] });
    return;
  }
  const path = autostartPath(deps.env);
  if (!enabled) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  // Atomic too: the session's autostart reader (or a test polling for the file) never sees it half written.
  await writeFileAtomic(path, autostartEntry(deps.command), 0o644);
}
