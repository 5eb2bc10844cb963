// Main's controller and tray model against a real helper running a real tunnel: Warren in namespace a (a
// `warren daemon` started inside it with `ip netns exec`, its control socket in a temporary runtime directory the
// test process reaches by path) to Debian's wireguard-go in namespace b (interop-harness.ts). The test imports the
// config through the controller, switches the tunnel on from the tray menu's check item (the click index.ts wires
// to Electron's menu), suspends and resumes through the fake powerMonitor, and switches it off from the menu again.
// Everything (the daemon, the namespaces, the temporary directory) is removed afterwards, also after a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrayMenuItem, trayIcon, trayMenuTemplate } from '../../main/tray-menu.js';
import type { AppState } from '../../shared/bridge/types.js';
import type { TunnelStatus } from '../../shared/ipc/control.js';
import { type AppInNamespace, startAppInNamespace } from './app-in-namespace.js';
import { eventually, sleep, wgDump } from './interop-inspect.js';
import { canRunInterop } from './interop-site.js';

describe.skipIf(!canRunInterop)('main against a real helper with a real tunnel', () => {
  let app: AppInNamespace | undefined;

  beforeAll(async () => {
    app = await startAppInNamespace();
  }, 30_000);

  afterAll(async () => {
    await app?.dispose();
  }, 20_000);

  /** The tray menu as index.ts builds it from the controller's state, its setTunnel the same call index.ts makes. */
  const pending: Promise<void>[] = [];
  const until = (test: (s: AppState) => boolean, what: string, timeoutMs?: number) => app!.until(test, what, timeoutMs);
  const menu = (): TrayMenuItem[] =>
    trayMenuTemplate(app!.controller.state, {
      setTunnel: (name, on) => void pending.push(app!.controller.setTunnel(name, on)),
      openWindow: () => {},
      reconnect: () => app!.connection.retryNow(),
      quit: () => {},
    });
  const itemOf = (name: string) => {
    const item = menu().find((i) => i.type === 'checkbox' && i.label?.startsWith(name));
    expect(item, `no tray item for ${name}: ${JSON.stringify(menu())}`).toBeDefined();
    return item!;
  };
  const phase = (s: AppState) => s.tunnels.find((t) => t.name === app!.a.name)?.phase;
  const show = async (): Promise<TunnelStatus> => (await app!.connection.call('show', { name: app!.a.name }))[0]!;

  it('switches a real tunnel on from the tray, suspends and resumes it with the power monitor, and switches it off', async () => {
    const { a, go, controller, power, logs } = app!;
    await until((s) => s.connection.kind === 'connected', 'the helper connection');
    const text = app!.configText();
    expect(await controller.handlers.importFiles([{ filename: `${a.name}.conf`, text }])).toMatchObject([
      { ok: true, name: a.name },
    ]);
    await until((s) => phase(s) === 'off', 'the imported tunnel');

    // On, from the tray: the check item's click, as Electron would call it.
    const off = itemOf(a.name);
    expect(off.checked).toBe(false);
    off.click!();
    await Promise.all(pending.splice(0));
    // The helper handshakes as soon as the tunnel is up: 'on' without any traffic first.
    expect(['connecting', 'on']).toContain(phase(controller.state));
    expect(itemOf(a.name).checked).toBe(true);
    const on = await until((s) => phase(s) === 'on', 'the tunnel up (a handshake)');
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect(trayIcon(on)).toBe('on');
    expect(itemOf(a.name)).toMatchObject({ label: a.name, checked: true });
    expect((await show()).peers[0]!.hasSession).toBe(true);
    const before = (await wgDump(go)).peers[0]!.latestHandshake;
    const beforeWarren = (await show()).peers[0]!.latestHandshake;

    // Suspend: the helper drops every key.
    power.emit('suspend');
    await eventually(async () => expect((await show()).peers[0]!.hasSession).toBe(false), 5000, 50);
    await sleep(1100); // wg's handshake time has one-second resolution

    // Resume: reconnecting at once (main's overlay), on again with a newer handshake.
    power.emit('resume');
    const reconnecting = controller.state;
    expect(phase(reconnecting)).toBe('reconnecting');
    expect(trayIcon(reconnecting)).toBe('connecting');
    expect(itemOf(a.name)).toMatchObject({ label: `${a.name} (reconnecting…)`, checked: true });
    await until((s) => phase(s) === 'on', 'the tunnel on again after the wake', 12_000);
    const after = await show();
    expect(after.peers[0]!.hasSession).toBe(true);
    expect(after.peers[0]!.latestHandshake).toBeGreaterThan(beforeWarren);
    await eventually(async () => expect((await wgDump(go)).peers[0]!.latestHandshake).toBeGreaterThan(before), 5000);
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
