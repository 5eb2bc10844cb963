/*
 * The built window (renderer/dist, made by `npm run build`) in Debian's Chromium, served over HTTP with the
 * CSP main gives it. `window.warren` is a fake bridge from this test: every call travels to Node through one
 * exposed binding and is answered here (imports are judged by shared/config's parser, as the helper does);
 * events are pushed into the page. Screenshots go to test/artifacts/renderer/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppState, ImportFile, ImportOutcome } from '../../shared/bridge/types.js';
import { formatDiagnostic, parseConfig } from '../../shared/config/index.js';
import { notAllowedMessage } from '../../shared/ipc/access.js';
import { START_HELPER_HINT } from '../../main/connection-state.js';
import { CONTENT_SECURITY_POLICY } from '../../main/security.js';

const DIST = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../artifacts/renderer/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const KEY = Buffer.alloc(32, 7).toString('base64');
const PEER = Buffer.alloc(32, 9).toString('base64');
const GOOD = `[Interface]\nPrivateKey = ${KEY}\nAddress = 10.7.0.2/32\n\n[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 10.7.0.0/24\nEndpoint = 192.0.2.1:51820\n`;
const BROKEN = GOOD.replace('AllowedIPs = 10.7.0.0/24', 'AllowedIPs = 10.7.0.0/99');

const STATE: AppState = {
  connection: { kind: 'connected', helperVersion: '0.1.0' },
  tunnels: [
    { name: 'home', phase: 'on', stored: true },
    { name: 'work', phase: 'off', stored: true },
    { name: 'lab', phase: 'error', stored: false, error: 'the endpoint lab.example did not resolve' },
  ],
};

/** What the fake main answers and what it was asked. */
const main = {
  state: STATE,
  calls: [] as { name: string; args: unknown[] }[],
  importFiles(files: ImportFile[]): ImportOutcome[] {
    return files.map((file) => {
      const result = parseConfig(file.text);
      const name = file.name ?? file.filename.replace(/\.conf$/, '');
      return {
        filename: file.filename,
        ok: result.ok,
        ...(result.ok ? { name } : {}),
        errors: result.ok ? [] : result.errors.map((d) => formatDiagnostic(file.filename, d)),
        warnings: result.warnings.map((d) => formatDiagnostic(file.filename, d)),
      };
    });
  },
  answer(name: string, args: unknown[]): unknown {
    this.calls.push({ name, args });
    switch (name) {
      case 'getState':
        return this.state;
      case 'importFiles':
        return this.importFiles(args[0] as ImportFile[]);
      case 'importWithDialog':
        return [];
      default:
        return undefined;
    }
  },
};

/** The page's globals this test touches (the root tsconfig has no DOM types; the functions below run in the page). */
interface PageGlobals {
  warrenCall(name: string, args: unknown[]): Promise<unknown>;
  warrenEmit(event: string, payload: unknown): void;
  cspViolations: string[];
  document: { addEventListener(type: 'securitypolicyviolation', listener: (e: { violatedDirective: string; blockedURI: string }) => void): void };
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: string[], name: string) => unknown;
  DragEvent: new (type: string, init: { dataTransfer: unknown; bubbles: boolean; cancelable: boolean }) => unknown;
  dispatchEvent(event: unknown): boolean;
}

/** The page's side of the fake bridge: WarrenApi's shape over one binding, and a hook for events. */
function installBridge() {
  const page = globalThis as unknown as PageGlobals;
  const listeners: Record<string, Set<(payload: unknown) => void>> = { state: new Set(), imported: new Set() };
  const call =
    (name: string) =>
    (...args: unknown[]) =>
      page.warrenCall(name, args);
  const on = (event: string) => (listener: (payload: unknown) => void) => {
    listeners[event].add(listener);
    return () => listeners[event].delete(listener);
  };
  const names = ['getState', 'setTunnel', 'importFiles', 'importWithDialog', 'exportAll', 'getPreferences', 'setPreferences', 'reconnect'];
  Object.assign(page, {
    warren: { ...Object.fromEntries(names.map((n) => [n, call(n)])), onState: on('state'), onImported: on('imported') },
    warrenEmit: (event: string, payload: unknown) => listeners[event].forEach((l) => l(payload)),
    cspViolations: [] as string[],
  });
  page.document.addEventListener('securitypolicyviolation', (e) => page.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
}

let server: Server;
let base: string;
let profile: string;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

async function emit(event: 'state' | 'imported', payload: unknown) {
  await page.evaluate(([e, p]) => (globalThis as unknown as PageGlobals).warrenEmit(e as string, p), [event, payload] as const);
}

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled' });
}

async function open() {
  await page.goto(`${base}/index.html`);
  await page.locator('li[data-tunnel="home"]').waitFor();
}

describe('the window in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('renderer/dist is missing: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    server = createServer((req, res) => {
      // Chromium asks for a favicon over HTTP; Electron's file:// page does not.
      if (req.url === '/favicon.ico') return void res.writeHead(204).end();
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      try {
        const body = readFileSync(join(DIST, path));
        res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    profile = mkdtempSync(join(tmpdir(), 'warren-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 800, height: 600 },
    });
    await context.exposeBinding('warrenCall', (_source, name: string, args: unknown[]) => main.answer(name, args));
    await context.addInitScript(installBridge);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      // Main's policy names frame-ancestors, which only a header can carry (the server sends it too).
      if (m.type() === 'error' && !m.text().includes("'frame-ancestors' is ignored when delivered via a <meta>")) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  beforeEach(async () => {
    main.state = STATE;
    main.calls = [];
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lists the tunnels with their states, and a switch turns one on through setTunnel', async () => {
    await open();
    const rows = page.locator('li[data-tunnel]');
    await expect.poll(() => rows.allInnerTexts()).toEqual(['home\nOn', 'work\nOff', 'lab\nthe endpoint lab.example did not resolve']);
    expect(await page.getByRole('switch', { name: 'Tunnel home' }).first().getAttribute('aria-checked')).toBe('true');
    await shot('tunnels-light');

    // Keyboard: focus work's switch in the list and press Space.
    const work = page.locator('li[data-tunnel="work"]').getByRole('switch', { name: 'Tunnel work' });
    expect(await work.getAttribute('aria-checked')).toBe('false');
    await work.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => main.calls.filter((c) => c.name === 'setTunnel')).toEqual([{ name: 'setTunnel', args: ['work', true] }]);
    await emit('state', { ...STATE, tunnels: STATE.tunnels.map((t) => (t.name === 'work' ? { ...t, phase: 'on' } : t)) });
    await expect.poll(() => work.getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => page.locator('li[data-tunnel="work"] .status').innerText()).toBe('On');

    // Choosing a tunnel shows it in the detail pane.
    await page.locator('li[data-tunnel="lab"] .pick').click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('lab');
    await expect.poll(() => page.getByRole('alert').first().innerText()).toContain('did not resolve');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('tunnels-dark');
  });

  it('imports dropped files: the good one is imported, the broken one shows its error at its line', async () => {
    await open();
    await page.evaluate(
      ([good, broken]) => {
        const w = globalThis as unknown as PageGlobals;
        const data = new w.DataTransfer();
        data.items.add(new w.File([good], 'good.conf'));
        data.items.add(new w.File([broken], 'broken.conf'));
        for (const type of ['dragenter', 'dragover', 'drop']) w.dispatchEvent(new w.DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      },
      [GOOD, BROKEN],
    );
    await expect.poll(() => main.calls.filter((c) => c.name === 'importFiles').length).toBe(1);
    const sent = main.calls.find((c) => c.name === 'importFiles')!.args[0] as ImportFile[];
    expect(sent).toEqual([
      { filename: 'good.conf', text: GOOD },
      { filename: 'broken.conf', text: BROKEN },
    ]);
    const broken = page.locator('li[data-file="broken.conf"]');
    await expect.poll(() => broken.locator('.problem .where').innerText()).toBe('Line 7');
    expect(await broken.locator('.problem .source').innerText()).toBe('AllowedIPs = 10.7.0.0/99');
    await expect.poll(() => page.locator('section[aria-label="Import results"] h2').innerText()).toBe('Imported 1 of 2 files');
    await shot('import-results');
  });

  it('checks a new tunnel as it is typed, with errors at their lines, and saves it through importFiles', async () => {
    await open();
    await page.getByRole('button', { name: 'New tunnel' }).click();
    const area = page.getByRole('textbox', { name: 'Configuration' });
    await area.fill(BROKEN);
    await expect.poll(() => page.locator('#editor-findings li.error').first().innerText()).toMatch(/^Line 7\n?/);
    expect(await page.locator('.gutter .ln.error').allInnerTexts()).toEqual(['7']);
    await page.getByRole('textbox', { name: 'Name' }).fill('office');
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await shot('editor-error');
    await area.fill(GOOD);
    await expect.poll(() => page.locator('#editor-findings').innerText()).toContain('No problems found.');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => main.calls.filter((c) => c.name === 'importFiles').map((c) => c.args)).toEqual([[[{ filename: 'office.conf', text: GOOD, name: 'office' }]]]);
  });

  it('says how to start a missing helper, and which group to join when not allowed', async () => {
    main.state = { connection: { kind: 'helper-missing', message: 'The Warren helper is not running.', hint: START_HELPER_HINT }, tunnels: [] };
    await page.goto(`${base}/index.html`);
    const banner = page.locator('[data-connection="helper-missing"]');
    await expect.poll(() => banner.innerText()).toContain('The Warren helper is not running.');
    expect(await banner.locator('code').innerText()).toBe('sudo systemctl start warren');
    await shot('helper-missing');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => main.calls.some((c) => c.name === 'reconnect')).toBe(true);

    await emit('state', { connection: { kind: 'not-allowed', message: notAllowedMessage('ann', 'warren') }, tunnels: [] });
    const refused = page.locator('[data-connection="not-allowed"]');
    await expect.poll(() => refused.locator('code').innerText()).toBe('sudo usermod -aG warren ann');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('not-allowed-dark');
  });

  it('runs under the CSP without violations or errors', async () => {
    await open();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).cspViolations)).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
