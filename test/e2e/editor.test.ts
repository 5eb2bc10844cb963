/*
 * The tunnel editor (CodeMirror 6) in the built window (window-harness.ts: renderer/dist or WARREN_RENDERER_DIST,
 * in Debian's Chromium, served over HTTP with main's CSP) against a fake main written here; saves are judged by
 * shared/config's parser, as the helper judges them. Screenshots go to test/artifacts/editor/.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  AppState,
  EditableTunnel,
  SaveOutcome,
  TunnelDetails,
  TunnelSettings,
} from '../../shared/bridge/types.js';
import {
  decodeKey,
  encodeKey,
  formatDiagnostic,
  insertPrivateKey,
  parseConfig,
  withStandInKey,
} from '../../shared/config/index.js';
import { type TestWindow, openTestWindow } from './window-harness.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/editor/', import.meta.url));

const PEER = Buffer.alloc(32, 9).toString('base64');
const STORED_PUBLIC = encodeKey(x25519.getPublicKey(new Uint8Array(32).fill(5)));
/** A new tunnel as typed: no PrivateKey (the helper would make one; here the test generates one). */
const KEYLESS = `[Interface]\nAddress = 10.7.0.2/32\nDNS = 10.7.0.1\n\n[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 10.7.0.0/24\nEndpoint = 192.0.2.1:51820\n`;
const HIDDEN = `[Interface]\nPrivateKey = (hidden)\nAddress = 10.9.0.2/32\n\n[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 10.9.0.0/24\nEndpoint = 198.51.100.4:51820\n`;

const STATE: AppState = {
  connection: { kind: 'connected', helperVersion: '0.1.0' },
  tunnels: [
    { name: 'home', phase: 'off', stored: true, owner: 'ann', canChange: true },
    { name: 'work', phase: 'off', stored: true, owner: 'ann', canChange: true },
  ],
};

/** How the helper judges a save: the text as given (a missing key made, a hidden one kept), FILE:LINE errors. */
function judged(name: string, text: string): SaveOutcome {
  const inserted = insertPrivateKey(text, encodeKey(new Uint8Array(32).fill(3)));
  const result = parseConfig(withStandInKey(inserted.ok ? inserted.text : text));
  const file = `${name}.conf`;
  return result.ok
    ? { ok: true, name, warnings: result.warnings.map((d) => formatDiagnostic(file, d)) }
    : { ok: false, errors: result.errors.map((d) => formatDiagnostic(file, d)) };
}

function details(name: string): TunnelDetails {
  return {
    name,
    publicKey: STORED_PUBLIC,
    addresses: ['10.9.0.2/32'],
    dns: [],
    listenPort: null,
    mtu: null,
    running: false,
    configReadable: true,
    peers: [],
    warnings: [],
    sampledAt: 0,
  };
}

const SETTINGS: TunnelSettings = {
  startWithSystem: false,
  blockUntunneled: false,
  allowBridges: false,
  allowScripts: false,
  excludePrivateIps: false,
  onDemand: { ethernet: false, wifi: 'never', ssids: [] },
};

/** What the fake main answers and what it was asked. */
const main = {
  calls: [] as { name: string; args: unknown[] }[],
  answer(name: string, args: unknown[]): unknown {
    this.calls.push({ name, args });
    switch (name) {
      case 'getState':
        return STATE;
      case 'getTunnel':
        return {
          name: args[0] as string,
          text: HIDDEN,
          publicKey: STORED_PUBLIC,
          settings: SETTINGS,
        } satisfies EditableTunnel;
      case 'getTunnelSettings':
        return SETTINGS;
      case 'getTunnelDetails':
        return details(args[0] as string);
      case 'createTunnel':
      case 'updateTunnel':
        return judged(args[0] as string, args[1] as string);
      case 'getPreferences':
        return { startAtLogin: false, notifications: 'all', closeWindow: 'tray' };
      case 'getLogs':
      case 'importWithDialog':
        return [];
      default:
        return null;
    }
  },
  saved(name: 'createTunnel' | 'updateTunnel'): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  },
};

/** The page's globals this suite reads (the root tsconfig has no DOM types; these functions run in the page). */
interface PageGlobals {
  document: { activeElement: { shadowRoot: { activeElement: { className: string } | null } | null } | null };
  getComputedStyle(element: unknown): { display: string; outlineStyle: string };
}

let win: TestWindow;
let page: Page;

/** A screenshot into test/artifacts/editor/NAME.png. */
async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled', caret: 'hide' });
}

async function open() {
  await page.goto(`${win.base}/index.html`);
  await page.locator('li[data-tunnel="home"]').waitFor();
}

/** The editor's text area (CodeMirror's content element, in the pane's shadow root). */
const content = (name: string) => page.getByRole('textbox', { name: `Configuration of ${name}`, exact: true });
/** The text the editor shows (every line is drawn: the texts here are short). */
const editorText = async () => (await page.locator('.cm-content .cm-line').allTextContents()).join('\n');
const markedLines = (severity: 'error' | 'warning') =>
  page.locator(`.cm-lineNumbers .cm-gutterElement.cm-line-${severity}`).allInnerTexts();

/** Moves the cursor to the end of 1-based `line` with the keyboard. */
async function endOfLine(line: number) {
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
}

describe('the tunnel editor in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    win = await openTestWindow((name, args) => main.answer(name, args));
    page = win.page;
  }, 60_000);

  afterAll(async () => {
    await win?.close();
  });

  // Each test loads the page afresh: whatever it did must not have tripped the CSP.
  afterEach(async () => {
    expect(await win.cspViolations()).toEqual([]);
  });

  beforeEach(async () => {
    main.calls = [];
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('checks a new tunnel as it is typed: an error at its line in the gutter and the list, fixed, a key pair made, saved', async () => {
    await open();
    await page.getByRole('button', { name: 'New tunnel' }).click();
    const text = content('the new tunnel');
    await text.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(KEYLESS);
    await expect.poll(editorText).toBe(KEYLESS);
    await expect.poll(() => page.locator('#editor-findings .summary').innerText()).toBe('No problems found.');
    expect(await page.locator('.keybar').innerText()).toContain('No PrivateKey: one is made when you save');
    // Nothing moves as findings come and go or the text grows past nine lines (measured again below).
    const box = async () => ({
      code: await page.locator('.code').boundingBox(),
      text: (await page.locator('.cm-content').boundingBox())?.x,
    });
    const layout = await box();

    // Break line 7 with the keyboard: /24 becomes /99.
    await endOfLine(7);
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('99');
    await expect.poll(() => markedLines('error')).toEqual(['7']);
    expect(await page.locator('.cm-lint-marker-error').count()).toBe(1);
    expect(await page.locator('.cm-lintRange-error').allInnerTexts()).toEqual(['AllowedIPs = 10.7.0.0/99']);
    const finding = page.locator('#editor-findings li.error button[data-line="7"]');
    expect(await finding.innerText()).toMatch(/^Line 7\s+Error: AllowedIPs/);
    expect(await page.locator('#editor-findings .summary').innerText()).toBe('1 error');
    expect(await box()).toEqual(layout);
    await page.getByRole('textbox', { name: 'Name' }).fill('office');
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await shot('new-error-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('new-error-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // The finding moves the cursor to its line; fix it there.
    await page.keyboard.press('Control+Home');
    await finding.click();
    expect(await page.locator('.cm-activeLine').innerText()).toBe('AllowedIPs = 10.7.0.0/99');
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('24');
    await expect.poll(() => page.locator('#editor-findings .summary').innerText()).toBe('No problems found.');
    expect(await markedLines('error')).toEqual([]);

    // A key pair: its private key goes into the text, its public key is shown.
    await page.getByRole('button', { name: 'Generate keypair' }).click();
    const withKey = await editorText();
    const keyLine = withKey.split('\n')[1];
    expect(keyLine).toMatch(/^PrivateKey = [A-Za-z0-9+/]{43}=$/);
    const shownPublic = await page.locator('[data-public-key]').innerText();
    expect(shownPublic).toBe(encodeKey(x25519.getPublicKey(decodeKey(keyLine!.slice('PrivateKey = '.length))!)));
    expect(await page.locator('.keybar').innerText()).toContain('Public key, to give to the peer');
    expect(withKey.split('\n')).toHaveLength(10);
    expect(await box()).toEqual(layout);
    await shot('new-keypair-light');

    // Saved from the keyboard (Ctrl+S in the text, now named after the tunnel) through createTunnel.
    await content('office').focus();
    await page.keyboard.press('Control+s');
    await expect.poll(() => main.saved('createTunnel')).toEqual([['office', withKey]]);
    expect(main.saved('createTunnel')[0]![1]).toBe(withKey);
  });

  it('opens a stored tunnel with its key hidden, guards unsaved changes, and saves through updateTunnel', async () => {
    await open();
    await page.locator('li[data-tunnel="home"] .pick').click();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const text = content('home');
    await text.waitFor();
    await expect.poll(editorText).toBe(HIDDEN);
    expect(main.saved('updateTunnel')).toEqual([]);
    expect(main.calls.filter((c) => c.name === 'getTunnel').map((c) => c.args)).toContainEqual(['home']);
    expect(await page.locator('#editor-heading').innerText()).toBe('Edit home');
    expect(await page.getByRole('textbox', { name: 'Name' }).count()).toBe(0);
    expect(await page.locator('[data-public-key]').innerText()).toBe(STORED_PUBLIC);
    expect(await page.locator('#editor-findings .summary').innerText()).toBe('No problems found.');

    // Endpoint on line 8 becomes another address.
    await text.click();
    await endOfLine(8);
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('Endpoint = 198.51.100.9:51820');
    const edited = HIDDEN.replace('198.51.100.4', '198.51.100.9');
    await expect.poll(editorText).toBe(edited);

    // Leaving with unsaved changes asks first.
    await page.locator('li[data-tunnel="work"] .pick').click();
    const discard = page.getByRole('dialog', { name: 'Discard your changes?' });
    await discard.waitFor();
    await discard.getByRole('button', { name: 'Keep editing' }).click();
    await expect.poll(editorText).toBe(edited);
    await shot('edit-light');

    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => main.saved('updateTunnel')).toEqual([['home', edited]]);
  });

  it('warns, for a stored tunnel, that the peer must be given the public key of a new key pair', async () => {
    await open();
    await page.locator('li[data-tunnel="work"] .pick').click();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await content('work').waitFor();
    await expect.poll(editorText).toBe(HIDDEN);
    await page.getByRole('button', { name: 'Generate keypair' }).click();
    await expect.poll(() => page.locator('.keybar').innerText()).toContain('New public key: the peer must get it');
    const text = await editorText();
    expect(text).not.toContain('(hidden)');
    const key = decodeKey(text.split('\n')[1]!.slice('PrivateKey = '.length))!;
    expect(await page.locator('[data-public-key]').innerText()).toBe(encodeKey(x25519.getPublicKey(key)));
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('edit-keypair-dark');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => main.saved('updateTunnel')).toEqual([['work', text]]);
  });

  it('can be used from the keyboard alone: Tab goes in and out of the text, which keeps no tab; keys are proposed', async () => {
    await open();
    await page.getByRole('button', { name: 'New tunnel' }).click();
    await content('the new tunnel').waitFor();
    await page.getByRole('button', { name: 'Generate keypair' }).focus();
    await page.keyboard.press('Tab');
    // Focus is in the text (in the pane's shadow root), which is outlined.
    const focusedInEditor = () =>
      page.evaluate(
        () => (globalThis as unknown as PageGlobals).document.activeElement?.shadowRoot?.activeElement?.className ?? '',
      );
    await expect.poll(focusedInEditor).toContain('cm-content');
    // CodeMirror marks itself focused when it has handled the focus event, a moment after the element has focus.
    await expect
      .poll(() => page.locator('.cm-editor').evaluate((el) => el.classList.contains('cm-focused')))
      .toBe(true);
    expect(
      await page
        .locator('.cm-editor')
        .evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).outlineStyle),
    ).toBe('solid');
    await page.keyboard.type('# typed');
    // A key of [Peer] proposed while typed at the end, taken with Enter.
    await page.keyboard.press('Control+End');
    await page.keyboard.type('Persis');
    const proposed = page.getByRole('option', { name: 'PersistentKeepalive' });
    await proposed.waitFor();
    expect(await proposed.getAttribute('aria-selected')).toBe('true');
    await shot('completion-light');
    await page.keyboard.press('Enter');
    await page.keyboard.type('25');
    await expect.poll(editorText).toMatch(/\nPersistentKeepalive = 25$/);
    // Search and the list of findings open from the keyboard and close with Escape, back in the text.
    await page.keyboard.press('Control+f');
    await page.getByRole('textbox', { name: 'Find' }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(focusedInEditor).toContain('cm-content');
    await page.keyboard.press('Control+Shift+M');
    await expect.poll(() => page.locator('.cm-panel-lint li').count()).toBeGreaterThan(0);
    await page.keyboard.press('Escape');
    await expect.poll(focusedInEditor).toContain('cm-content');
    await expect.poll(() => page.locator('.cm-panel-lint').count()).toBe(0);
    await page.keyboard.press('Tab');
    await expect.poll(focusedInEditor).toBe('');
    expect(await editorText()).toMatch(/^# typed\[Interface\]/);
    expect(await editorText()).not.toContain('\t');
    await page.keyboard.press('Shift+Tab');
    await expect.poll(focusedInEditor).toContain('cm-content');
  });

  it('runs under the CSP with CodeMirror styled, and no errors in any test', async () => {
    await open();
    await page.getByRole('button', { name: 'New tunnel' }).click();
    await content('the new tunnel').waitFor();
    // CodeMirror's own stylesheet applies (it lays the editor out as a flex box, the gutter beside the text).
    expect(
      await page
        .locator('.cm-editor')
        .evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).display),
    ).toBe('flex');
    expect(win.consoleErrors).toEqual([]);
  });
});
