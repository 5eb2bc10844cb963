import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_PREFERENCES,
  autostartEntry,
  loadPreferences,
  savePreferences,
  setStartAtLogin,
} from './preferences.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'warren-prefs-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('preferences', () => {
  it('load the defaults when absent or malformed, field by field', async () => {
    expect(await loadPreferences(join(dir, 'none.json'))).toEqual(DEFAULT_PREFERENCES);
    expect(DEFAULT_PREFERENCES).toEqual({ startAtLogin: false, notifications: 'all', closeWindow: 'tray' });
    writeFileSync(
      join(dir, 'p.json'),
      JSON.stringify({ notifications: 'failures', startAtLogin: 'yes', closeWindow: 'explode', extra: 1 }),
    );
    expect(await loadPreferences(join(dir, 'p.json'))).toEqual({ ...DEFAULT_PREFERENCES, notifications: 'failures' });
    writeFileSync(join(dir, 'p.json'), '{');
    expect(await loadPreferences(join(dir, 'p.json'))).toEqual(DEFAULT_PREFERENCES);
  });

  it('save and load back', async () => {
    const path = join(dir, 'sub', 'p.json');
    const chosen = { startAtLogin: true, notifications: 'off', closeWindow: 'quit' } as const;
    await savePreferences(path, chosen);
    expect(await loadPreferences(path)).toEqual(chosen);
  });
});

describe('start at login', () => {
  it('on Linux writes and removes an XDG autostart entry that starts in the tray', async () => {
    const env = { XDG_CONFIG_HOME: dir };
    const deps = {
      platform: 'linux' as const,
      setLoginItemSettings: () => expect.fail('not on Linux'),
      command: '/opt/Warren/warren app',
      env,
    };
    await setStartAtLogin(true, deps);
    const path = join(dir, 'autostart', 'warren.desktop');
    expect(readFileSync(path, 'utf8')).toBe(autostartEntry('/opt/Warren/warren app'));
    expect(readFileSync(path, 'utf8')).toContain('Exec="/opt/Warren/warren app" --hidden\n');
    await setStartAtLogin(false, deps);
    expect(existsSync(path)).toBe(false);
  });

  it("elsewhere uses Electron's login item settings", async () => {
    const settings: unknown[] = [];
    await setStartAtLogin(true, { platform: 'darwin', setLoginItemSettings: (s) => settings.push(s), command: 'x' });
    expect(settings).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
  });
});
