// Main's controller and tray model against a real helper running a real tunnel: Warren in namespace a (a
// `warren daemon` started inside it with `ip netns exec`, its control socket in a temporary runtime directory the
// test process reaches by path) to Debian's wireguard-go in namespace b (interop-harness.ts). The test imports the
// config through the controller, switches the tunnel on from the tray menu's check item (the click index.ts wires
// to Electron's menu), suspends and resumes through the fake powerMonitor, and switches it off from the menu again.
// Everything (the daemon, the namespaces, the temporary directory) is removed afterwards, also after a failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppController, type AppShell } from '../../main/app-controller.js';
import { HelperConnection } from '../../main/helper-connection.js';
import { noZip } from '../../main/import-export.js';
import { type TrayMenuItem, trayIcon, trayMenuTemplate } from '../../main/tray-menu.js';
import type { AppState } from '../../shared/bridge/types.js';
import { ControlClient } from '../../shared/ipc/control-client.js';
import type { TunnelStatus } from '../../shared/ipc/control.js';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { eventually, sleep, wgDump } from './interop-inspect.js';
import { PORT, type Site, WARREN, canRunInterop } from './interop-site.js';
import { IP } from './namespace.js';

describe.skipIf(!canRunInterop)('main against a real helper with a real tunnel', () => {
  let topology: Topology | undefined;
  let a: Site;
  let go: Site;
  let dir: string | undefined;
  let daemon: ChildProcess | undefined;
  let controller: AppController | undefined;
  let connection: HelperConnection;
  const power = new EventEmitter();
  const logs: string[] = [];

  const daemonLog = () => {
    try {
      return readFileSync(join(dir!, 'daemon.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no helper log)';
    }
  };

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'warren-main-tunnel-'));
    const runtime = join(dir, 'run');
    mkdirSync(runtime);
    topology = await Topology.create(['warren', 'wireguard-go']);
    [a, go] = [topology.a, topology.b];
    await topology.start(go);

    const socketPath = join(runtime, `control-${statSync(`/run/netns/${a.ns.name}`).ino}.sock`);
    const log = openSync(join(dir, 'daemon.log'), 'a');
    daemon = spawn(IP, ['netns', 'exec', a.ns.name, process.execPath, WARREN, 'daemon', '--state-dir', join(dir, 'store'), '--runtime-dir', runtime], {
      stdio: ['ignore', log, log],
      // No system bus: the helper's own logind watch stays out of it, the suspend comes from main alone.
      env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent' },
    });
    await eventually(async () => {
      if (daemon!.exitCode !== null) throw new Error(`warren daemon exited (${daemon!.exitCode}):\n${daemonLog()}`);
      if (!(await accepts(socketPath))) throw new Error(`the helper does not answer:\n${daemonLog()}`);
    }, 10_000, 20);

    const shell: AppShell = {
      chooseImportPaths: async () => [],
      chooseExportPath: async () => null,
      readFile: async () => new Uint8Array(),
      writeFile: async () => {},
      notify: () => {},
      setStartAtLogin: async () => {},
      log: (message) => void logs.push(message),
    };
    connection = new HelperConnection({ connect: () => ControlClient.connect(socketPath), initialRetryMs: 20, maxRetryMs: 100, heartbeatMs: 200 });
    controller = new AppController({ helper: connection, power, shell, zip: noZip, preferencesPath: join(dir, 'prefs.json'), reconnectTimeoutMs: 15_000 });
    await controller.start();
  }, 30_000);

  afterAll(async () => {
    controller?.stop();
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      // SIGTERM to `ip netns exec` reaches node (exec replaces it): the helper takes its tunnel down and exits.
      const exited = new Promise<void>((resolve) => daemon!.once('exit', () => resolve()));
      daemon.kill('SIGTERM');
      const timer = setTimeout(() => daemon!.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await topology?.cleanup();
    if (a) rmSync(`/var/run/wireguard/${a.name}.sock`, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  const until = (test: (s: AppState) => boolean, what: string, timeoutMs = 10_000): Promise<AppState> => {
    const c = controller!;
    if (test(c.state)) return Promise.resolve(c.state);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out waiting for ${what}; state: ${JSON.stringify(c.state)}\nmain log: ${logs.join('\n')}\nhelper log:\n${daemonLog()}`));
      }, timeoutMs);
      const off = c.onState((s) => {
        if (!test(s)) return;
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
  };

  /** The tray menu as index.ts builds it from the controller's state, its setTunnel the same call index.ts makes. */
  const pending: Promise<void>[] = [];
  const menu = (): TrayMenuItem[] =>
    trayMenuTemplate(controller!.state, {
      setTunnel: (name, on) => void pending.push(controller!.setTunnel(name, on)),
      openWindow: () => {},
      reconnect: () => connection.retryNow(),
      quit: () => {},
    });
  const itemOf = (name: string) => {
    const item = menu().find((i) => i.type === 'checkbox' && i.label?.startsWith(name));
    expect(item, `no tray item for ${name}: ${JSON.stringify(menu())}`).toBeDefined();
    return item!;
  };
  const phase = (s: AppState) => s.tunnels.find((t) => t.name === a.name)?.phase;
  const show = async (): Promise<TunnelStatus> => (await connection.call('show', { name: a.name }))[0];

  it('switches a real tunnel on from the tray, suspends and resumes it with the power monitor, and switches it off', async () => {
    await until((s) => s.connection.kind === 'connected', 'the helper connection');
    const text = [
      '[Interface]', `PrivateKey = ${a.keys.privateKey}`, `ListenPort = ${PORT}`, `Address = ${a.tunnel4}/24`, '',
      '[Peer]', `PublicKey = ${go.keys.publicKey}`, `AllowedIPs = ${go.tunnel4}/32`, `Endpoint = ${go.underlay}:${PORT}`, '',
    ].join('\n');
    expect(await controller!.handlers.importFiles([{ filename: `${a.name}.conf`, text }])).toMatchObject([{ ok: true, name: a.name }]);
    await until((s) => phase(s) === 'off', 'the imported tunnel');

    // On, from the tray: the check item's click, as Electron would call it.
    const off = itemOf(a.name);
    expect(off.checked).toBe(false);
    off.click!();
    await Promise.all(pending.splice(0));
    // The helper handshakes as soon as the tunnel is up: 'on' without any traffic first.
    expect(['connecting', 'on']).toContain(phase(controller!.state));
    expect(itemOf(a.name).checked).toBe(true);
    const on = await until((s) => phase(s) === 'on', 'the tunnel up (a handshake)');
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect(trayIcon(on)).toBe('on');
    expect(itemOf(a.name)).toMatchObject({ label: a.name, checked: true });
    expect((await show()).peers[0].hasSession).toBe(true);
    const before = (await wgDump(go)).peers[0].latestHandshake;
    const beforeWarren = (await show()).peers[0].latestHandshake;

    // Suspend: the helper drops every key.
    power.emit('suspend');
    await eventually(async () => expect((await show()).peers[0].hasSession).toBe(false), 5000, 50);
    await sleep(1100); // wg's handshake time has one-second resolution

    // Resume: reconnecting at once (main's overlay), on again with a newer handshake.
    power.emit('resume');
    const reconnecting = controller!.state;
    expect(phase(reconnecting)).toBe('reconnecting');
    expect(trayIcon(reconnecting)).toBe('connecting');
    expect(itemOf(a.name)).toMatchObject({ label: `${a.name} (reconnecting…)`, checked: true });
    await until((s) => phase(s) === 'on', 'the tunnel on again after the wake', 12_000);
    const after = await show();
    expect(after.peers[0].hasSession).toBe(true);
    expect(after.peers[0].latestHandshake).toBeGreaterThan(beforeWarren);
    await eventually(async () => expect((await wgDump(go)).peers[0].latestHandshake).toBeGreaterThan(before), 5000);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);

    // Off, from the tray.
    const item = itemOf(a.name);
    expect(item.checked).toBe(true);
    item.click!();
    await Promise.all(pending.splice(0));
    const down = await until((s) => phase(s) === 'off', 'the tunnel down');
    expect(trayIcon(down)).toBe('off');
    expect((await a.ns.ipJson<{ ifname: string }[]>('link', 'show')).map((l) => l.ifname)).not.toContain(a.name);
    expect((await a.ping(go.tunnel4, { count: 1, deadline: 1 })).ok).toBe(false);
    expect(logs).toEqual([]);
  }, 40_000);
});

/** Whether a unix socket at path accepts a connection (closed at once). */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
