/*
 * Main's AppController against a real helper running real tunnels, for the suites that drive the app end to
 * end (main-real-tunnel.test.ts through the tray, window-real-tunnel.test.ts through the window): Warren in
 * namespace a (a `warren daemon` started inside it with `ip netns exec`, its control socket in a temporary
 * runtime directory the test process reaches by path) and Debian's wireguard-go in namespace b
 * (interop-harness.ts). dispose() removes everything (the daemon, the namespaces, the temporary directory),
 * also after a failure; every wait names what it waited for and ends with the helper's log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppController, type AppShell } from '../../main/app-controller.js';
import { HelperConnection } from '../../main/helper-connection.js';
import { fflateZip } from '../../main/zip-codec.js';
import type { AppState } from '../../shared/bridge/types.js';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { eventually } from './interop-inspect.js';
import { PORT, type Site, WARREN } from './interop-site.js';
import { IP } from './namespace.js';
import { accepts } from './socket-accepts.js';

export interface AppInNamespace {
  readonly a: Site;
  /** wireguard-go, already up with a as its peer. */
  readonly go: Site;
  readonly controller: AppController;
  readonly connection: HelperConnection;
  /** Electron's powerMonitor as PowerSync sees it: emit 'suspend' and 'resume'. */
  readonly power: EventEmitter;
  /** What main logged (AppShell.log). */
  readonly logs: string[];
  /** The last lines of the helper's log. */
  daemonLog(): string;
  /** The state once `test` holds, or an error naming `what` with main's and the helper's logs. */
  until(test: (s: AppState) => boolean, what: string, timeoutMs?: number): Promise<AppState>;
  /** a's config for the tunnel to go: the wg-quick text a user would import. */
  configText(): string;
  dispose(): Promise<void>;
}

export async function startAppInNamespace(): Promise<AppInNamespace> {
  await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'warren-main-tunnel-'));
  let topology: Topology | undefined;
  let daemon: ChildProcess | undefined;
  let controller: AppController | undefined;
  let a: Site | undefined;
  const logs: string[] = [];
  const daemonLog = () => {
    try {
      return readFileSync(join(dir, 'daemon.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no helper log)';
    }
  };

  const dispose = async () => {
    controller?.stop();
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      // SIGTERM to `ip netns exec` reaches node (exec replaces it): the helper takes its tunnel down and exits.
      const child = daemon;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await topology?.cleanup();
    if (a) rmSync(`/var/run/wireguard/${a.name}.sock`, { force: true });
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const runtime = join(dir, 'run');
    mkdirSync(runtime);
    topology = await Topology.create(['warren', 'wireguard-go']);
    a = topology.a;
    const go = topology.b;
    await topology.start(go);

    const socketPath = join(runtime, `control-${statSync(`/run/netns/${a.ns.name}`).ino}.sock`);
    const log = openSync(join(dir, 'daemon.log'), 'a');
    daemon = spawn(
      IP,
      [
        'netns',
        'exec',
        a.ns.name,
        process.execPath,
        WARREN,
        'daemon',
        '--state-dir',
        join(dir, 'store'),
        '--runtime-dir',
        runtime,
      ],
      {
        stdio: ['ignore', log, log],
        // No system bus: the helper's own logind watch stays out of it, the suspend comes from main alone.
        env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent' },
      },
    );
    const started = daemon;
    await eventually(
      async () => {
        if (started.exitCode !== null) throw new Error(`warren daemon exited (${started.exitCode}):\n${daemonLog()}`);
        if (!(await accepts(socketPath))) throw new Error(`the helper does not answer:\n${daemonLog()}`);
      },
      10_000,
      20,
    );

    const shell: AppShell = {
      chooseImportPaths: async () => [],
      chooseExportPath: async () => null,
      readFile: async () => new Uint8Array(),
      writeFile: async () => {},
      notify: () => {},
      setStartAtLogin: async () => {},
      log: (message) => void logs.push(message),
      quit: () => {},
    };
    const power = new EventEmitter();
    const connection = new HelperConnection({
      connect: () => ControlClient.connect(socketPath),
      initialRetryMs: 20,
      maxRetryMs: 100,
      heartbeatMs: 200,
    });
    const app = new AppController({
      helper: connection,
      power,
      shell,
      zip: fflateZip,
      preferencesPath: join(dir, 'prefs.json'),
      reconnectTimeoutMs: 15_000,
    });
    controller = app;
    await app.start();

    const until = (test: (s: AppState) => boolean, what: string, timeoutMs = 10_000): Promise<AppState> => {
      if (test(app.state)) return Promise.resolve(app.state);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(
            new Error(
              `timed out waiting for ${what}; state: ${JSON.stringify(app.state)}\nmain log: ${logs.join('\n')}\nhelper log:\n${daemonLog()}`,
            ),
          );
        }, timeoutMs);
        const off = app.onState((s) => {
          if (!test(s)) return;
          clearTimeout(timer);
          off();
          resolve(s);
        });
      });
    };
    const site = a;
    const configText = () =>
      [
        '[Interface]',
        `PrivateKey = ${site.keys.privateKey}`,
        `ListenPort = ${PORT}`,
        `Address = ${site.tunnel4}/24`,
        '',
        '[Peer]',
        `PublicKey = ${go.keys.publicKey}`,
        `AllowedIPs = ${go.tunnel4}/32`,
        `Endpoint = ${go.underlay}:${PORT}`,
        '',
      ].join('\n');
    return { a: site, go, controller: app, connection, power, logs, daemonLog, until, configText, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
