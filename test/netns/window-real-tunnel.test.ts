/*
 * The window end to end: the built renderer in Debian's Chromium (test/e2e/window-harness.ts), its
 * `window.warren` answered by main's real AppController through main's own bridge registration (arguments
 * validated by the schema as in Electron) and its state events pushed into the page, the controller talking to a
 * real helper that runs a real tunnel to wireguard-go in two namespaces of the test's own (app-in-namespace.ts).
 * A user's path: drop a .conf on the window, switch the tunnel on, watch the handshake and the transfer appear
 * while ping runs inside the namespace, break a line in the editor and see the error at that line, switch it off;
 * and a second tunnel whose peer never answers, explained in the detail view.
 * Screenshots at 800x600 and 1280x800, light and dark, go to test/artifacts/renderer/.
 */
import { rmSync } from 'node:fs';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBridge } from '../../main/bridge-main.js';
import { channelOf } from '../../shared/bridge/schema.js';
import type { AppState } from '../../shared/bridge/types.js';
import { type PageGlobals, type TestWindow, openTestWindow } from '../e2e/window-harness.js';
import { type AppInNamespace, startAppInNamespace } from './app-in-namespace.js';
import { eventually } from './interop-inspect.js';
import { PORT, canRunInterop, generateKeys } from './interop-site.js';

describe.skipIf(!canRunInterop)('the window against main and a real helper with a real tunnel', () => {
  let app: AppInNamespace | undefined;
  let win: TestWindow | undefined;
  let offState: (() => void) | undefined;
  /** The second tunnel's name, for its UAPI socket (in the shared /var/run/wireguard) should it be left. */
  let silentTunnel: string | undefined;

  beforeAll(async () => {
    app = await startAppInNamespace();
    // Main's registration of the bridge, on an ipcMain stand-in: each call validated against the schema.
    const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
    registerBridge(
      { handle: (channel, listener) => void handlers.set(channel, listener), on: () => undefined },
      app.controller.handlers,
      () => true,
    );
    const event = {} as IpcMainInvokeEvent;
    win = await openTestWindow((name, args) => {
      const handler = handlers.get(channelOf(name as never));
      if (!handler) throw new Error(`no bridge call ${name}`);
      return handler(event, ...args);
    });
    const page = win.page;
    offState = app.controller.onState((state) => {
      if (!page.isClosed()) void win!.emit('state', state).catch(() => undefined);
    });
  }, 60_000);

  afterAll(async () => {
    offState?.();
    await win?.close();
    await app?.dispose();
    if (silentTunnel) rmSync(`/var/run/wireguard/${silentTunnel}.sock`, { force: true });
  }, 30_000);

  it('imports a dropped file, switches it on, shows the handshake and transfer, finds a broken line, and switches it off', async () => {
    const { a, go, until } = app!;
    const { page } = win!;
    const phase = (s: AppState) => s.tunnels.find((t) => t.name === a.name)?.phase;
    await until((s) => s.connection.kind === 'connected', 'the helper connection');
    await page.goto(`${win!.base}/index.html`);
    // The toolbar's chip names the helper once the page has main's state.
    await page
      .getByRole('status')
      .filter({ hasText: /^Helper / })
      .waitFor();

    // Import: the file dropped on the window.
    await page.evaluate(
      ([filename, text]) => {
        const w = globalThis as unknown as PageGlobals;
        const data = new w.DataTransfer();
        data.items.add(new w.File([text], filename));
        for (const type of ['dragenter', 'dragover', 'drop'])
          w.dispatchEvent(new w.DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      },
      [`${a.name}.conf`, app!.configText()] as const,
    );
    await expect
      .poll(() => page.locator('section[aria-label="Import results"] h2').innerText(), { timeout: 10_000 })
      .toBe('Imported 1 of 1 file');
    const row = page.locator(`li[data-tunnel="${a.name}"]`);
    await row.waitFor();
    await row.locator('.pick').click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe(a.name);
    await expect
      .poll(() => page.locator('section[aria-labelledby="interface-heading"]').innerText())
      .toContain(`${a.tunnel4}/24`);
    await page.getByRole('button', { name: 'Dismiss' }).click();

    // On, from the detail view's switch, with the keyboard.
    const toggle = page.locator('article.detail').getByRole('switch', { name: `Tunnel ${a.name}` });
    await toggle.focus();
    await page.keyboard.press('Space');
    await until((s) => phase(s) === 'on', 'the tunnel on (a handshake)', 15_000);
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
    const peer = page.locator(`[data-peer="${go.keys.publicKey}"]`);
    await expect
      .poll(() => peer.locator('[data-field="handshake"]').innerText(), { timeout: 10_000 })
      .toMatch(/^(just now|\d+ s ago)$/);

    // Traffic through the tunnel: the transfer grows and the graph shows it.
    const pinging = a.ping(go.tunnel4, { count: 25, deadline: 10 });
    await expect
      .poll(() => peer.getByRole('img').getAttribute('aria-label'), { timeout: 10_000 })
      .toMatch(/receiving [1-9][\d.]* (B|KiB)\/s/);
    expect((await pinging).ok).toBe(true);
    expect(await peer.locator('[data-field="transfer"]').innerText()).toMatch(
      /^\d+(\.\d)? (B|KiB) received, \d+(\.\d)? (B|KiB) sent$/,
    );
    await expect.poll(() => page.locator('[data-field="public-key"]').innerText()).toBe(a.keys.publicKey);
    expect(await peer.locator('[data-diagnosis]').count()).toBe(0);
    for (const [width, height] of [
      [800, 600],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await win!.shot(`real-detail-${width}-${scheme}`);
      }
    }
    await page.setViewportSize({ width: 800, height: 600 });
    await page.emulateMedia({ colorScheme: 'light' });

    // The editor: opened through getTunnel (key hidden), a broken line reported at that line.
    await page.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => page.locator('#editor-heading').innerText()).toBe(`Edit ${a.name}`);
    const lines = page.locator('.cm-content .cm-line');
    await expect.poll(() => lines.allInnerTexts()).toContain(`Address = ${a.tunnel4}/24`);
    expect((await lines.allInnerTexts()).join('\n')).not.toContain(a.keys.privateKey);
    const addressLine = (await lines.allInnerTexts()).indexOf(`Address = ${a.tunnel4}/24`) + 1;
    await lines.nth(addressLine - 1).click();
    await page.keyboard.press('End');
    await page.keyboard.type('9');
    const finding = page.locator(`#editor-findings [data-line="${addressLine}"]`);
    await expect.poll(() => finding.innerText()).toMatch(new RegExp(`^Line ${addressLine}`));
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await win!.shot('real-editor-error');
    await page.emulateMedia({ colorScheme: 'dark' });
    await win!.shot('real-editor-error-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // Leaving asks first; discarding keeps the stored tunnel as it was.
    await page.getByRole('button', { name: 'Cancel' }).first().click();
    await page.getByRole('dialog', { name: 'Discard your changes?' }).getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe(a.name);

    // Off, from the list's switch.
    await row.getByRole('switch').click();
    await until((s) => phase(s) === 'off', 'the tunnel down');
    await expect.poll(() => row.getByRole('switch').getAttribute('aria-checked')).toBe('false');
    // 'off' can be listed a moment before the helper has finished removing the interface.
    await eventually(
      async () =>
        expect((await a.ns.ipJson<{ ifname: string }[]>('link', 'show')).map((l) => l.ifname)).not.toContain(a.name),
      5000,
    );
    await expect.poll(() => peer.locator('[data-field="handshake"]').innerText()).toBe('–');
    expect(await win!.cspViolations()).toEqual([]);
    expect(win!.consoleErrors).toEqual([]);
    expect(app!.logs).toEqual([]);
  }, 90_000);

  it('explains, with hints, why a peer that never answers does not work', async () => {
    const { a, go, until } = app!;
    const { page } = win!;
    // A second tunnel whose peer key wireguard-go does not have: its initiations go unanswered.
    const name = `${a.name}n`;
    silentTunnel = name;
    const stranger = generateKeys();
    const text = [
      '[Interface]',
      `PrivateKey = ${generateKeys().privateKey}`,
      'Address = 10.203.0.1/24',
      '',
      '[Peer]',
      `PublicKey = ${stranger.publicKey}`,
      'AllowedIPs = 10.203.0.2/32',
      `Endpoint = ${go.underlay}:${PORT}`,
      '',
    ].join('\n');
    expect(await app!.controller.handlers.createTunnel(name, text)).toMatchObject({ ok: true, name });
    const row = page.locator(`li[data-tunnel="${name}"]`);
    await row.locator('.pick').click();
    await row.getByRole('switch').click();
    await until((s) => s.tunnels.some((t) => t.name === name && t.phase !== 'off'), 'the second tunnel started');
    const diagnosis = page.locator(`[data-peer="${stranger.publicKey}"] [data-diagnosis="no-reply"]`);
    await diagnosis.waitFor({ timeout: 25_000 });
    expect(await page.locator(`[data-peer="${stranger.publicKey}"] [data-field="handshake"]`).innerText()).toBe(
      'Never',
    );
    expect(await diagnosis.locator('li').count()).toBeGreaterThan(0);
    await diagnosis.scrollIntoViewIfNeeded();
    await win!.shot('real-no-reply');
    await row.getByRole('switch').click();
    await until((s) => s.tunnels.some((t) => t.name === name && t.phase === 'off'), 'the second tunnel down');
    expect(app!.logs).toEqual([]);
  }, 60_000);
});
