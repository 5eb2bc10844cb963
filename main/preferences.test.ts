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
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ notifyOnConnect: false, startAtLogin: 'yes', extra: 1 }));
    expect(await loadPreferences(join(dir, 'p.json'))).toEqual({ ...DEFAULT_PREFERENCES, notifyOnConnect: false });
    writeFileSync(join(dir, 'p.json'), '{');
    expect(await loadPreferences(join(dir, 'p.json'))).toEqual(DEFAULT_PREFERENCES);
  });

  it('save and load back', async () => {
    const path = join(dir, 'sub', 'p.json');
    await savePreferences(path, { ...DEFAULT_PREFERENCES, startAtLogin: true });
    expect(await loadPreferences(path)).toEqual({ ...DEFAULT_PREFERENCES, startAtLogin: true });
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
