// The controller as index.ts uses it, with a fake shell and powerMonitor, against the real helper.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../shared/ipc/control-client.js';
import type { AppState } from '../shared/bridge/types.js';
import type { TunnelSummary } from '../shared/ipc/control.js';
import { AppController, type AppShell } from './app-controller.js';
import { type HelperClient, HelperConnection } from './helper-connection.js';
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
function start(
  options: {
    administrator?: Administrator;
    saving?: boolean;
    helperGoneGraceMs?: number;
    connect?: () => Promise<HelperClient>;
  } = {},
) {
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
    connect: options.connect ?? (() => ControlClient.connect(path)),
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
    ...(options.helperGoneGraceMs === undefined ? {} : { helperGoneGraceMs: options.helperGoneGraceMs }),
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
    await until(c, (s) => s.connection.kind === 'connected' && s.network !== undefined);
    // The network as the helper knows it: here without a system bus, so on-demand says why it cannot work.
    expect(await c.handlers.getState()).toEqual({
      connection: { kind: 'connected', helperVersion: '0.0.0-test' },
      tunnels: [],
      network: {
        networkManager: false,
        unavailable: expect.stringContaining('NetworkManager') as unknown,
        primary: null,
        signInNeeded: false,
        portalHole: null,
      },
    });
    // The hole is refused in the helper's words: nothing blocks, and there is no NetworkManager.
    await expect(c.handlers.openPortalHole()).rejects.toThrow();
    const results = await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    expect(results).toMatchObject([{ filename: 'home.conf', ok: true, name: 'home' }]);
    const state = await until(c, (s) => s.tunnels.length === 1);
    expect(state.tunnels).toEqual([{ name: 'home', phase: 'off', stored: true, owner: 'root', canChange: true }]);
    expect(await c.handlers.importWithDialog()).toEqual([]);
    expect(await c.handlers.exportAll()).toBeNull();
  });

  it('says there is nothing to export before any dialog, and reports from the tray by a notification', async () => {
    helper = realHelper();
    await helper.start();
    const { controller: c, notices, written } = start({ saving: true });
    await c.start();
    await until(c, (s) => s.connection.kind === 'connected');
    await expect(c.handlers.exportAll()).rejects.toThrow('There is no stored tunnel to export.');
    await c.exportAllFromTray();
    expect(notices).toEqual([{ title: 'Export failed', body: 'There is no stored tunnel to export.', failure: true }]);
    await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    await c.exportAllFromTray();
    const path = join(helper.directory, 'warren-tunnels.zip');
    expect(notices[1]).toEqual({
      title: 'Tunnels exported',
      body: `1 tunnel saved to ${path}, private keys included: keep the file safe.`,
    });
    expect([...written.keys()]).toEqual([path]);
  });

  it('tells, after a grace, that the helper went away while tunnels ran, and not when it comes back in time', async () => {
    helper = realHelper();
    await helper.start();
    // The real helper's answers, with the tunnels named in `running` listed as up (bringing one up needs a TUN
    // device and routes, which these tests leave alone).
    const running = new Set<string>();
    const asRunning = (tunnels: TunnelSummary[]) =>
      tunnels.map((t) => (running.has(t.name) ? { ...t, state: 'up' as const } : t));
    const connect = async (): Promise<HelperClient> => {
      const client = await ControlClient.connect(helper.socketPath);
      return {
        call: async (method, params) => {
          const result = await client.call(method, params);
          return (method === 'list' ? asRunning(result as TunnelSummary[]) : result) as never;
        },
        onEvent: (listener) =>
          client.onEvent((e) => listener(e.type === 'tunnels' ? { ...e, tunnels: asRunning(e.tunnels) } : e)),
        onClose: (listener) => client.onClose(listener),
        close: () => client.close(),
      };
    };
    const { controller: c, notices } = start({ helperGoneGraceMs: 150, connect });
    await c.start();
    await until(c, (s) => s.connection.kind === 'connected');
    await c.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    await until(c, (s) => s.tunnels.length === 1);
    // No tunnel runs: its going is not news.
    await helper.stop();
    await until(c, (s) => s.connection.kind === 'helper-missing');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(notices).toEqual([]);
    // Back within the grace: not news either.
    running.add('home');
    await helper.start();
    await until(c, (s) => s.connection.kind === 'connected' && s.tunnels[0]?.phase === 'on');
    await helper.stop();
    await until(c, (s) => s.connection.kind === 'helper-missing');
    await helper.start();
    await until(c, (s) => s.connection.kind === 'connected' && s.tunnels[0]?.phase === 'on');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(notices).toEqual([]);
    // Gone for longer: said once, with why and what stopped working.
    await helper.stop();
    await until(c, (s) => s.connection.kind === 'helper-missing');
    await expect
      .poll(() => notices, { timeout: 2000 })
      .toEqual([
        {
          title: 'The Warren helper is gone',
          body: 'The Warren helper is not running. Start it with `sudo systemctl start warren`. home does not work without it.',
          failure: true,
        },
      ]);
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

  it('keeps preferences, sets the login item only when start-at-login changes, and renews it at start', async () => {
    helper = realHelper();
    const { controller: c, loginItems } = start();
    await c.start();
    expect(loginItems).toEqual([]);
    expect(await c.handlers.getPreferences()).toEqual(DEFAULT_PREFERENCES);
    expect(await c.handlers.setPreferences({ notifications: 'failures' })).toEqual({
      ...DEFAULT_PREFERENCES,
      notifications: 'failures',
    });
    await c.handlers.setPreferences({ startAtLogin: true, closeWindow: 'quit' });
    expect(loginItems).toEqual([true]);
    expect(c.preferences.closeWindow).toBe('quit');
    expect(await loadPreferences(join(helper.directory, 'prefs.json'))).toEqual({
      notifications: 'failures',
      startAtLogin: true,
      closeWindow: 'quit',
    });
    // The next start writes the entry again (the app's path may have changed).
    const { controller: again, loginItems: renewed } = start();
    await again.start();
    expect(renewed).toEqual([true]);
    again.stop();
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
    expect(await c.handlers.exportAll()).toEqual({
      path: join(helper.directory, 'warren-tunnels.zip'),
      exported: ['home'],
      leftOut: [{ name: 'office', owner: 'root' }],
    });
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
