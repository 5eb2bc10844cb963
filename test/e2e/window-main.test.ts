/*
 * The window against main's real code: the built renderer in Chromium (window-harness.ts), its `window.warren`
 * answered by a real AppController through main's own bridge registration (every argument validated by the
 * schema), the controller on a real helper in this process (main/testing/real-helper.ts) whose connections are
 * alice's, a member of the group (root stored `office` before). The shell is main's own where it touches the
 * system: the autostart entry is written by preferences.ts into a temporary XDG_CONFIG_HOME, exports by
 * user-files.ts into a temporary folder (the save dialog's answer). What a user reaches: the preferences (from
 * the header, with the keyboard), Export all, a tunnel as a QR code read back from the screen, a pasted
 * configuration, and the views main asks for (the tray's Preferences…, a notification's Show). Screenshots in
 * light and dark go to test/artifacts/renderer/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppController } from '../../main/app-controller.js';
import { registerBridge } from '../../main/bridge-main.js';
import { ImportBudget, importFiles } from '../../main/import-export.js';
import type { Notice } from '../../main/notifications.js';
import { autostartEntry, setStartAtLogin } from '../../main/preferences.js';
import { decodeQrPixels } from '../../main/testing/qr-decode.js';
import {
  ALICE,
  TEST_KEY,
  type RealHelper,
  connectedTo,
  playedAccounts,
  realHelper,
  testConfig,
} from '../../main/testing/real-helper.js';
import { readImportFile, writeExportFile } from '../../main/user-files.js';
import { fflateZip } from '../../main/zip-codec.js';
import { channelOf } from '../../shared/bridge/schema.js';
import type { AppState } from '../../shared/bridge/types.js';
import { readPng } from './png.js';
import { type TestWindow, openTestWindow } from './window-harness.js';

const COMMAND = '/opt/Warren/warren';

describe('the window against main and a real helper', () => {
  let helper: RealHelper;
  let controller: AppController;
  let win: TestWindow;
  let dir: string;
  const notices: Notice[] = [];
  const calls: string[] = [];
  let offState: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-window-main-'));
    const played = playedAccounts();
    helper = realHelper({ accounts: played.accounts });
    await helper.start();
    const root = await connectedTo(helper);
    await importFiles(root, [{ filename: 'office.conf', text: testConfig('10.7.0.9/32') }]);
    root.stop();
    played.playing = ALICE;
    controller = new AppController({
      helper: await connectedTo(helper),
      power: new (await import('node:events')).EventEmitter(),
      zip: fflateZip,
      preferencesPath: join(dir, 'preferences.json'),
      shell: {
        chooseImportPaths: async () => [],
        chooseExportPath: async (suggested) => join(dir, suggested),
        readFile: readImportFile,
        writeFile: writeExportFile,
        notify: (notice) => void notices.push(notice),
        setStartAtLogin: (enabled) =>
          setStartAtLogin(enabled, {
            platform: 'linux',
            setLoginItemSettings: () => {
              throw new Error('not on Linux');
            },
            command: COMMAND,
            env: { XDG_CONFIG_HOME: join(dir, 'config') },
          }),
        log: () => {},
        quit: () => {},
      },
    });
    await controller.start();
    await controller.handlers.importFiles([{ filename: 'home.conf', text: testConfig() }]);
    const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
    registerBridge(
      { handle: (channel, listener) => void handlers.set(channel, listener), on: () => undefined },
      controller.handlers,
      () => true,
    );
    win = await openTestWindow((name, args) => {
      calls.push(name);
      const handler = handlers.get(channelOf(name as never));
      if (!handler) throw new Error(`no bridge call ${name}`);
      return handler({} as IpcMainInvokeEvent, ...args);
    });
    const page = win.page;
    offState = controller.onState((state) => {
      if (!page.isClosed()) void win.emit('state', state).catch(() => undefined);
    });
  }, 60_000);

  afterAll(async () => {
    offState?.();
    await win?.close();
    controller?.stop();
    await helper?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const until = (test: (s: AppState) => boolean) =>
    expect.poll(() => test(controller.state), { timeout: 5000 }).toBe(true);

  /** The focused element's name: its aria-label, or its label's text, or its own. */
  const focused = () =>
    win.page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { activeElement: unknown } }).document;
      const el = doc.activeElement as {
        getAttribute(n: string): string | null;
        textContent: string | null;
        closest(s: string): { textContent: string | null } | null;
        labels?: ArrayLike<{ textContent: string | null }> | null;
        ownerDocument: { getElementById(id: string): { textContent: string | null } | null };
      } | null;
      const labelledBy = el?.getAttribute('aria-labelledby');
      const label =
        el?.getAttribute('aria-label') ??
        (labelledBy ? el?.ownerDocument.getElementById(labelledBy)?.textContent : null) ??
        (el?.labels?.[0]?.textContent || null) ??
        el?.textContent;
      return (label ?? '').trim();
    });

  async function open() {
    await win.page.goto(`${win.base}/index.html`);
    await win.page.locator('li[data-tunnel="home"]').waitFor();
  }

  it('opens the preferences from the header by keyboard: start at login writes and removes the autostart entry, each choice is kept', async () => {
    const { page } = win;
    await until((s) => s.tunnels.length === 2);
    await open();
    const entry = join(dir, 'config', 'autostart', 'warren.desktop');
    expect(existsSync(entry)).toBe(false);

    await page.getByRole('button', { name: 'Preferences' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#preferences-heading').waitFor();
    expect(await page.getByRole('button', { name: 'Preferences' }).getAttribute('aria-pressed')).toBe('true');
    const login = page.getByRole('switch', { name: 'Start at login' });
    await login.waitFor();
    // From the toolbar: the list's one tab stop, its switch, then the view's Close and the switch.
    for (let i = 0; i < 8 && (await focused()) !== 'Start at login'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Start at login');
    await page.keyboard.press('Space');
    await expect.poll(() => existsSync(entry)).toBe(true);
    expect(readFileSync(entry, 'utf8')).toBe(autostartEntry(COMMAND));
    expect(readFileSync(entry, 'utf8')).toContain(`Exec=${COMMAND} --hidden`);
    await expect.poll(() => login.getAttribute('aria-checked')).toBe('true');
    await page.emulateMedia({ colorScheme: 'light' });
    await win.shot('preferences-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await win.shot('preferences-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Notifications: a radio group; the arrow keys choose within it.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('When a tunnel connects, disconnects or fails');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => controller.preferences.notifications).toBe('failures');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Keeps Warren running in the tray');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => controller.preferences.closeWindow).toBe('quit');
    expect(JSON.parse(readFileSync(join(dir, 'preferences.json'), 'utf8'))).toEqual({
      startAtLogin: true,
      notifications: 'failures',
      closeWindow: 'quit',
    });

    // Read back as main has them when the view opens again; start at login off removes the entry.
    await page.reload();
    await page.getByRole('button', { name: 'Preferences' }).click();
    expect(await page.getByRole('radio', { name: 'Only when a tunnel fails' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Quits Warren' }).isChecked()).toBe(true);
    await page.getByRole('switch', { name: 'Start at login' }).click();
    await expect.poll(() => existsSync(entry)).toBe(false);
    await page.getByRole('radio', { name: 'When a tunnel connects, disconnects or fails' }).check();
    await page.getByRole('radio', { name: 'Keeps Warren running in the tray' }).check();
    await expect
      .poll(() => controller.preferences)
      .toEqual({
        startAtLogin: false,
        notifications: 'all',
        closeWindow: 'tray',
      });
    await page.getByRole('button', { name: 'Close' }).click();
    await page.locator('#detail-heading').waitFor();
  });

  it("shows the views main asks for: the tray's Preferences… and a notification's Show", async () => {
    const { page } = win;
    await open();
    await win.emit('show', { view: 'preferences' });
    await page.locator('#preferences-heading').waitFor();
    await win.emit('show', { view: 'tunnel', name: 'office' });
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('office');
  });

  it("exports every tunnel alice may read into one zip, keys included, and names root's as left out", async () => {
    const { page } = win;
    await open();
    await page.getByRole('button', { name: 'Export all…' }).click();
    const notice = page.locator('section[aria-label="Export"]');
    const path = join(dir, 'warren-tunnels.zip');
    await expect
      .poll(() => notice.innerText())
      .toContain(`Exported home to ${path}. The file holds their private keys: keep it safe.`);
    expect(await notice.innerText()).toContain(
      'Left out: office (an administrator’s); only its owner or an administrator may export it.',
    );
    const entries = fflateZip.unzip(new Uint8Array(readFileSync(path)), {
      wanted: () => true,
      maxEntryBytes: 1 << 20,
      budget: new ImportBudget(),
    });
    expect(entries.map((e) => e.name)).toEqual(['home.conf']);
    expect(new TextDecoder().decode(entries[0]!.data!)).toContain(`PrivateKey = ${TEST_KEY}`);
    await win.shot('export-all-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await win.shot('export-all-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => notice.count()).toBe(0);
  });

  it('shows a tunnel as a QR code only after a confirmation; read back from the screen it is the exported file', async () => {
    const { page } = win;
    await open();
    await page.locator('li[data-tunnel="home"] .pick').click();
    const button = page.getByRole('button', { name: 'Show QR code…' });
    await button.click();
    const ask = page.getByRole('dialog', { name: 'Show home as a QR code?' });
    await ask.waitFor();
    expect(await ask.innerText()).toContain('holds this tunnel’s private key');
    await win.shot('qr-confirm');
    const before = calls.filter((c) => c === 'getTunnelQr').length;
    await page.keyboard.press('Escape');
    await expect.poll(() => ask.isVisible()).toBe(false);
    expect(calls.filter((c) => c === 'getTunnelQr').length).toBe(before);

    await button.click();
    await ask.getByRole('button', { name: 'Show QR code' }).click();
    const dialog = page.getByRole('dialog', { name: 'home for your phone' });
    const code = dialog.getByRole('img', { name: 'QR code of the tunnel home, with its private key' });
    await code.waitFor();
    expect(await focused()).toBe('Close');
    const exported = join(dir, 'home.conf');
    expect(await controller.handlers.exportTunnel('home')).toBe(exported);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const { width, height, rgba } = readPng(await code.screenshot({ animations: 'disabled' }));
      const read = decodeQrPixels(rgba, width, height);
      expect(read, `no QR code found on the screen (${scheme})`).not.toBeNull();
      expect(Buffer.from(read!).equals(readFileSync(exported))).toBe(true);
      await win.shot(`qr-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.locator('svg.qr').count()).toBe(0);
    expect(await focused()).toBe('Show QR code…');

    // Root's tunnel: the button is there, disabled, and asks for nothing.
    await page.locator('li[data-tunnel="office"] .pick').click();
    expect(await button.getAttribute('aria-disabled')).toBe('true');
    await button.click({ force: true });
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('says, instead of drawing one, when a tunnel is too large for a QR code', async () => {
    const { page } = win;
    const peers = Array.from({ length: 40 }, (_, i) =>
      [
        '[Peer]',
        `PublicKey = ${Buffer.alloc(32, i + 20).toString('base64')}`,
        `AllowedIPs = 10.8.${i}.0/24`,
        `Endpoint = 192.0.2.${i + 1}:51820`,
      ].join('\n'),
    );
    const text = `[Interface]\nPrivateKey = ${TEST_KEY}\nAddress = 10.7.0.3/32\n\n${peers.join('\n\n')}\n`;
    expect(await controller.handlers.importFiles([{ filename: 'big.conf', text }])).toMatchObject([{ ok: true }]);
    await until((s) => s.tunnels.some((t) => t.name === 'big'));
    await open();
    await page.locator('li[data-tunnel="big"] .pick').click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('big');
    await page.getByRole('button', { name: 'Show QR code…' }).click();
    await page
      .getByRole('dialog', { name: 'Show big as a QR code?' })
      .getByRole('button', { name: 'Show QR code' })
      .click();
    const dialog = page.getByRole('dialog', { name: 'big for your phone' });
    await expect
      .poll(() => dialog.getByRole('alert').innerText())
      .toMatch(/^This configuration is too large for a QR code \(\d+ bytes; one holds at most 2953\)/);
    expect(await dialog.locator('svg').count()).toBe(0);
    await win.shot('qr-too-large');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await controller.handlers.deleteTunnel('big');
  });

  it('opens a configuration pasted outside any field in the editor, and saves it as a tunnel; pasted into a field it stays there', async () => {
    const { page } = win;
    await open();
    const text = testConfig('10.7.0.4/32');
    await page.evaluate(
      (t) =>
        (
          globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }
        ).navigator.clipboard.writeText(t),
      text,
    );
    // Into a field (the log's filter has none; the rename box is one): nothing else happens.
    await page.getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('textbox', { name: 'New name for home' });
    await rename.press('Control+A');
    await rename.press('Control+V');
    expect(await page.locator('#editor-heading').count()).toBe(0);
    await rename.press('Escape');

    // Anywhere else: the editor opens with the text.
    await page.locator('#detail-heading').click();
    await page.keyboard.press('Control+V');
    await expect.poll(() => page.locator('#editor-heading').innerText()).toBe('New tunnel');
    const lines = page.locator('.cm-content .cm-line');
    await expect.poll(() => lines.allInnerTexts()).toContain('Address = 10.7.0.4/32');
    // An empty line's text is its <br>'s newline.
    expect((await lines.allInnerTexts()).map((l) => l.replace(/\n$/, '')).join('\n')).toBe(text);
    await page.getByRole('textbox', { name: 'Name' }).fill('pasted');
    await page.getByRole('button', { name: 'Save' }).click();
    await until((s) => s.tunnels.some((t) => t.name === 'pasted'));
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('pasted');
    expect((await controller.handlers.getTunnel('pasted')).text).toContain('Address = 10.7.0.4/32');
    expect(win.consoleErrors).toEqual([]);
    expect(await win.cspViolations()).toEqual([]);
  });
});
