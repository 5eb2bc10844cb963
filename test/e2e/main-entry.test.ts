/*
 * main/index.ts, the one file no other test runs (Electron's binary cannot be had here), booted as built
 * (build/main/index.js) under Node with a stand-in `electron` (electron-stand-in/: a loader hook, and a module
 * that records what is done with it and emits the app's events when told). It does not replace a run in
 * Electron; it catches wiring and path mistakes: the tray and the window made at ready with the hardened
 * options, a page and a preload that exist, a handler for every bridge call, .conf files from the command line,
 * a second instance and open-file imported (through a real helper in this process), before-quit stopping
 * everything, and a second instance quitting at once.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowOptions } from '../../main/security.js';
import { type RealHelper, connectedTo, realHelper, testConfig } from '../../main/testing/real-helper.js';
import { MANIFEST_CHANNEL, bridgeManifest, channelOf } from '../../shared/bridge/schema.js';
import { ensureBuilt } from '../netns/ensure-built.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'build', 'main', 'index.js');
const REGISTER = fileURLToPath(new URL('./electron-stand-in/register.mjs', import.meta.url));

interface Recorded {
  what: string;
  args: unknown[];
}

class Booted {
  readonly records: Recorded[] = [];
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
  constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (m) => this.records.push(m as Recorded));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }
  of(what: string): unknown[][] {
    return this.records.filter((r) => r.what === what).map((r) => r.args);
  }
  async until(what: string, test: (args: unknown[]) => boolean = () => true, timeout = 8000): Promise<unknown[]> {
    await expect
      .poll(() => this.of(what).some(test), { timeout, message: `${what}: ${JSON.stringify(this.records)}` })
      .toBe(true);
    return this.of(what).find(test)!;
  }
  /** To the stand-in; nothing when the process has gone already (a quitting instance may exit before). */
  send(message: object): void {
    if (this.child.connected) this.child.send(message, () => {});
  }
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

describe('main/index.ts booted on a stand-in electron', () => {
  let helper: RealHelper;
  let dir: string;
  const booted: Booted[] = [];

  const boot = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const child = fork(ENTRY, argv, {
      execArgv: ['--import', REGISTER],
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, 'config'),
        WARREN_CONTROL_SOCKET: helper.socketPath,
        STAND_IN_USER_DATA: join(dir, 'user-data'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const b = new Booted(child);
    booted.push(b);
    return b;
  };

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'warren-main-entry-'));
    helper = realHelper();
    await helper.start();
  }, 180_000);

  afterAll(async () => {
    for (const b of booted) b.kill();
    await helper?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('at ready: makes the tray and the hardened window on our page and preload, answers every bridge call, imports argv', async () => {
    writeFileSync(join(dir, 'argv.conf'), testConfig('10.7.0.11/32'));
    const app = boot(['argv.conf']);
    await app.until('app.requestSingleInstanceLock');
    // Nothing of Electron's windows before ready.
    expect(app.of('new BrowserWindow')).toEqual([]);
    app.send({ ready: true });

    await app.until('new Tray');
    const [options] = await app.until('new BrowserWindow');
    const preload = (options as { webPreferences: { preload: string } }).webPreferences.preload;
    expect(preload).toBe(join(ROOT, 'build', 'main', 'preload.cjs'));
    expect(existsSync(preload), 'the preload in the build').toBe(true);
    expect(options).toEqual(windowOptions(preload));
    const [page] = await app.until('window.loadFile');
    expect(page).toBe(join(ROOT, 'renderer', 'dist', 'index.html'));
    expect(existsSync(page as string), 'the page in renderer/dist (npm run build)').toBe(true);
    expect(app.of('dialog.showErrorBox')).toEqual([]);
    expect(app.of('session.setPermissionRequestHandler')).toHaveLength(1);

    const handled = app.of('ipcMain.handle').map(([channel]) => channel);
    expect(handled.sort()).toEqual(
      bridgeManifest()
        .calls.map((c) => c.channel)
        .sort(),
    );
    expect(app.of('ipcMain.on')).toEqual([[MANIFEST_CHANNEL]]);

    // The file on the command line: imported through the helper, its result sent to the window.
    const [, results] = await app.until('webContents.send', ([channel]) => channel === channelOf('imported'));
    expect(results, JSON.stringify(results)).toMatchObject([{ filename: 'argv.conf', ok: true, name: 'argv' }]);
    // The tray follows the helper's state: the tunnel is in its menu.
    await app.until('tray.setContextMenu', ([labels]) => (labels as string[]).includes('argv'));
    const [labels] = app.of('tray.setContextMenu').at(-1)!;
    expect(labels).toEqual(['argv', '(separator)', 'Open Warren', 'Preferences…', 'Export all tunnels…', 'Quit']);

    // A second instance's file, and one the desktop opens: imported too.
    writeFileSync(join(dir, 'second.conf'), testConfig('10.7.0.12/32'));
    writeFileSync(join(dir, 'opened.conf'), testConfig('10.7.0.13/32'));
    app.send({ emit: 'second-instance', argv: ['/opt/Warren/warren', 'second.conf'], cwd: dir });
    app.send({ emit: 'open-file', path: join(dir, 'opened.conf') });
    const root = await connectedTo(helper);
    try {
      await expect
        .poll(async () => (await root.call('list', {})).map((t) => t.name).sort(), { timeout: 8000 })
        .toEqual(['argv', 'opened', 'second']);
    } finally {
      root.stop();
    }

    // Quit: before-quit stops the controller, after which nothing keeps the process alive.
    app.send({ emit: 'quit' });
    await app.until('app.quitted');
    const code = await Promise.race([app.exited, new Promise((r) => setTimeout(() => r('still running'), 8000))]);
    expect(code, 'the process ends once quit: nothing of the app left running').toBe(0);
  }, 60_000);

  it('starts hidden in the tray with --hidden, and shows the window when a second instance starts', async () => {
    const app = boot(['--hidden']);
    await app.until('app.requestSingleInstanceLock');
    app.send({ ready: true });
    await app.until('new Tray');
    await app.until('tray.setToolTip', ([tip]) => /^Warren: /.test(tip as string) && !/connecting/.test(tip as string));
    expect(app.of('new BrowserWindow')).toEqual([]);
    app.send({ emit: 'second-instance', argv: ['/opt/Warren/warren'], cwd: dir });
    await app.until('window.loadFile');
    await app.until('window.show');
    app.kill();
  }, 30_000);

  it('quits at once when another instance holds the lock, making nothing', async () => {
    const app = boot(['some.conf'], { STAND_IN_LOCK: 'held' });
    await app.until('app.quit');
    app.send({ ready: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(app.of('new Tray')).toEqual([]);
    expect(app.of('new BrowserWindow')).toEqual([]);
    expect(app.of('ipcMain.handle')).toEqual([]);
    app.kill();
  }, 30_000);
});
