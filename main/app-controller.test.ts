// The controller as index.ts uses it, with a fake shell and powerMonitor, against the real helper.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../shared/ipc/control-client.js';
import type { AppState } from '../shared/bridge/types.js';
import { AppController, type AppShell } from './app-controller.js';
import { HelperConnection } from './helper-connection.js';
import { ImportBudget } from './import-export.js';
import { fflateZip } from './zip-codec.js';
import type { Notice } from './notifications.js';
import { DEFAULT_PREFERENCES, loadPreferences } from './preferences.js';
import type { Administrator } from './allow-scripts.js';
import { ALICE, type RealHelper, connectedTo, playedAccounts, realHelper, testConfig } from './testing/real-helper.js';

let helper: RealHelper;
let controller: AppController | undefined;

afterEach(async () => {
  controller?.stop();
  controller = undefined;
  await helper.dispose();
});

/** `saving`: the save dialog answers a path in the helper's folder (else it is cancelled). */
function start(options: { administrator?: Administrator; saving?: boolean } = {}) {
  const notices: Notice[] = [];
  const loginItems: boolean[] = [];
  const quits: number[] = [];
  /** What exports wrote, by path. */
  const written = new Map<string, Uint8Array>();
  const shell: AppShell = {
    chooseImportPaths: async () => [],
    chooseExportPath: async () => null,
    readFile: async () => new Uint8Array(),
    writeFile: async (path, data) => void written.set(path, data.slice()),
    notify: (n) => notices.push(n),
    setStartAtLogin: async (enabled) => void loginItems.push(enabled),
    log: () => {},
    quit: () => void quits.push(Date.now()),
  };
  const path = helper.socketPath;
  const connection = new HelperConnection({
    connect: () => ControlClient.connect(path),
    initialRetryMs: 20,
    maxRetryMs: 50,
    heartbeatMs: 30,
  });
  controller = new AppController({
    helper: connection,
    power: new EventEmitter(),
    shell: options.saving
      ? { ...shell, chooseExportPath: async (suggested) => join(helper.directory, suggested) }
      : shell,
    zip: fflateZip,
    preferencesPath: join(helper.directory, 'prefs.json'),
    ...(options.administrator ? { administrator: options.administrator } : {}),
  });
  return { controller, notices, loginItems, quits, written };
}

function until(c: AppController, test: (s: AppState) => boolean): Promise<AppState> {
  if (test(c.state)) return Promise.resolve(c.state);
  return new Promise((resolve) => {
    const off = c.onState((s) => {
      if (!test(s)) return;
      off();
      resolve(s);
    });
  });
}

describe('AppController', () => {
  it("shows the helper's tunnels, follows imports through the helper's events, and answers the bridge", async () => {
    helper = realHelper();
    await helper.start();
    const { controller: c } = start();
    await c.start();
    await until(c, (s) => s.connection.kind === 'connected');
    expect(await c.handlers.getState()).toEqual({
      connection: { kind: 'connected', helperVersion: '0.0.0-test' },
      tunnels: [],
    });
    const results = await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    expect(results).toMatchObject([{ filename: 'home.conf', ok: true, name: 'home' }]);
    const state = await until(c, (s) => s.tunnels.length === 1);
    expect(state.tunnels).toEqual([{ name: 'home', phase: 'off', stored: true, owner: 'root', canChange: true }]);
    expect(await c.handlers.importWithDialog()).toEqual([]);
    expect(await c.handlers.exportAll()).toBeNull();
  });

  it('clears the tunnels and says so when the helper goes away, and lists them again when it is back', async () => {
    helper = realHelper();
    await helper.start();
    const { controller: c } = start();
    await c.start();
    await until(c, (s) => s.connection.kind === 'connected');
    await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    await until(c, (s) => s.tunnels.length === 1);
    await helper.stop();
    const missing = await until(c, (s) => s.connection.kind === 'helper-missing');
    expect(missing.tunnels).toEqual([]);
    await helper.start();
    const back = await until(c, (s) => s.connection.kind === 'connected' && s.tunnels.length === 1);
    expect(back.tunnels[0]!.name).toBe('home');
  });

  it('keeps preferences, and sets the login item only when start-at-login changes', async () => {
    helper = realHelper();
    const { controller: c, loginItems } = start();
    await c.start();
    expect(await c.handlers.getPreferences()).toEqual(DEFAULT_PREFERENCES);
    await c.handlers.setPreferences({ notifyOnConnect: false });
    await c.handlers.setPreferences({ startAtLogin: true });
    expect(loginItems).toEqual([true]);
    expect(await loadPreferences(join(helper.directory, 'prefs.json'))).toEqual({
      ...DEFAULT_PREFERENCES,
      notifyOnConnect: false,
      startAtLogin: true,
    });
    await expect(c.handlers.setTunnel('home', true)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('quits through the shell when the window asks, leaving the helper and its tunnels alone', async () => {
    helper = realHelper();
    await helper.start();
    const { controller: c, quits } = start();
    await c.start();
    await until(c, (s) => s.connection.kind === 'connected');
    await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    await c.handlers.quit();
    expect(quits).toHaveLength(1);
    expect((await c.handlers.getTunnel('home')).name).toBe('home');
  });

  it("as a member: shows who owns each tunnel, exports only its own, refuses in the helper's words, and asks an administrator for scripts", async () => {
    const played = playedAccounts();
    helper = realHelper({ accounts: played.accounts });
    await helper.start();
    // root's tunnel, made before the app connects as alice.
    const root = await connectedTo(helper);
    await root.call('import', { files: [{ filename: 'office.conf', text: testConfig() }] });
    root.stop();
    played.playing = ALICE;
    const asked: (readonly string[])[] = [];
    const administrator: Administrator = {
      isRoot: false,
      warrenCommand: () => '/usr/bin/warren',
      run: async (argv) => (asked.push(argv), { code: 126, stderr: '' }),
    };
    const { controller: c, written } = start({ administrator, saving: true });
    await c.start();
    await until(c, (s) => s.connection.kind === 'connected');
    expect(await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig('10.7.0.3/32') }])).toMatchObject([
      { ok: true },
    ]);
    const state = await until(c, (s) => s.tunnels.length === 2);
    expect(state.tunnels).toEqual([
      { name: 'home', phase: 'off', stored: true, owner: 'alice', canChange: true },
      { name: 'office', phase: 'off', stored: true, owner: 'root', canChange: false },
    ]);

    await expect(c.handlers.exportTunnel('office')).rejects.toThrow(
      'office belongs to root; only root or an administrator may read it',
    );
    expect(await c.handlers.exportAll()).toBe(join(helper.directory, 'warren-tunnels.zip'));
    expect([...written.keys()]).toEqual([join(helper.directory, 'warren-tunnels.zip')]);
    const entries = fflateZip.unzip(written.get(join(helper.directory, 'warren-tunnels.zip'))!, {
      wanted: () => true,
      maxEntryBytes: 1 << 20,
      budget: new ImportBudget(),
    });
    expect(entries.map((e) => e.name)).toEqual(['home.conf']);

    // Everyone sees the settings; scripts go through the administrator, whose dialog was dismissed here.
    expect(await c.handlers.getTunnelSettings('office')).toMatchObject({ allowScripts: false });
    await expect(c.handlers.setTunnelSettings('home', { allowScripts: true })).rejects.toThrow(
      'Scripts stay off: administrator authentication was cancelled or failed.',
    );
    expect(asked).toEqual([['pkexec', '/usr/bin/warren', 'set', 'home', '--allow-scripts', 'on']]);
  });
});
