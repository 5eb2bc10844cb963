// The controller as index.ts uses it, with a fake shell and powerMonitor, against the real helper.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../shared/ipc/control-client.js';
import type { AppState } from '../shared/bridge/types.js';
import { AppController, type AppShell } from './app-controller.js';
import { HelperConnection } from './helper-connection.js';
import { fflateZip } from './zip-codec.js';
import type { Notice } from './notifications.js';
import { DEFAULT_PREFERENCES, loadPreferences } from './preferences.js';
import { type RealHelper, realHelper, testConfig } from './testing/real-helper.js';

let helper: RealHelper;
let controller: AppController | undefined;

afterEach(async () => {
  controller?.stop();
  controller = undefined;
  await helper.dispose();
});

function start() {
  const notices: Notice[] = [];
  const loginItems: boolean[] = [];
  const quits: number[] = [];
  const shell: AppShell = {
    chooseImportPaths: async () => [],
    chooseExportPath: async () => null,
    readFile: async () => new Uint8Array(),
    writeFile: async () => {},
    notify: (n) => notices.push(n),
    setStartAtLogin: async (enabled) => void loginItems.push(enabled),
    log: () => {},
    quit: () => void quits.push(Date.now()),
  };
  const path = helper.socketPath;
  const connection = new HelperConnection({ connect: () => ControlClient.connect(path), initialRetryMs: 20, maxRetryMs: 50, heartbeatMs: 30 });
  controller = new AppController({ helper: connection, power: new EventEmitter(), shell, zip: fflateZip, preferencesPath: join(helper.directory, 'prefs.json') });
  return { controller, notices, loginItems, quits };
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
  it('shows the helper\'s tunnels, follows imports through the helper\'s events, and answers the bridge', async () => {
    helper = realHelper();
    await helper.start();
    const { controller: c } = start();
    await c.start();
    await until(c, (s) => s.connection.kind === 'connected');
    expect(await c.handlers.getState()).toEqual({ connection: { kind: 'connected', helperVersion: '0.0.0-test' }, tunnels: [] });
    const results = await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    expect(results).toMatchObject([{ filename: 'home.conf', ok: true, name: 'home' }]);
    const state = await until(c, (s) => s.tunnels.length === 1);
    expect(state.tunnels).toEqual([{ name: 'home', phase: 'off', stored: true }]);
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
    expect(back.tunnels[0].name).toBe('home');
  });

  it('keeps preferences, and sets the login item only when start-at-login changes', async () => {
    helper = realHelper();
    const { controller: c, loginItems } = start();
    await c.start();
    expect(await c.handlers.getPreferences()).toEqual(DEFAULT_PREFERENCES);
    await c.handlers.setPreferences({ notifyOnConnect: false });
    await c.handlers.setPreferences({ startAtLogin: true });
    expect(loginItems).toEqual([true]);
    expect(await loadPreferences(join(helper.directory, 'prefs.json'))).toEqual({ ...DEFAULT_PREFERENCES, notifyOnConnect: false, startAtLogin: true });
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
});
