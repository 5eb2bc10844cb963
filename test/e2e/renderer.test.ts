/*
 * The built window (window-harness.ts: renderer/dist or WARREN_RENDERER_DIST, in Debian's Chromium, served over
 * HTTP with main's CSP) against a fake main written here: every call is answered below (imports judged by
 * shared/config's parser, as the helper does; a running tunnel's counters grow with each read), events are
 * pushed into the page. Screenshots go to test/artifacts/renderer/. The editor's own behaviour is in
 * editor.test.ts; this suite covers the window around it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  AppState,
  NetworkView,
  ImportFile,
  ImportOutcome,
  LogLine,
  TunnelDetails,
  TunnelSettings,
  TunnelView,
} from '../../shared/bridge/types.js';
import { formatDiagnostic, parseConfig } from '../../shared/config/index.js';
import { notAllowedMessage } from '../../shared/ipc/access.js';
import { START_HELPER_HINT } from '../../main/connection-state.js';
import { type PageGlobals, type TestWindow, openTestWindow } from './window-harness.js';
import { readImportData } from '../../main/import-export.js';
import { fflateZip } from '../../main/zip-codec.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const PEER = Buffer.alloc(32, 9).toString('base64');
const SILENT_PEER = Buffer.alloc(32, 11).toString('base64');
const PUBLIC = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const GOOD = `[Interface]\nPrivateKey = ${KEY}\nAddress = 10.7.0.2/32\n\n[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 10.7.0.0/24\nEndpoint = 192.0.2.1:51820\n`;
const BROKEN = GOOD.replace('AllowedIPs = 10.7.0.0/24', 'AllowedIPs = 10.7.0.0/99');

const STATE: AppState = {
  connection: { kind: 'connected', helperVersion: '0.1.0' },
  tunnels: [
    { name: 'home', phase: 'on', stored: true, owner: 'ann', canChange: true },
    { name: 'work', phase: 'off', stored: true, owner: 'ann', canChange: true },
    { name: 'lab', phase: 'error', stored: false, error: 'the endpoint lab.example did not resolve', canChange: false },
  ],
};
/** A tunnel alice stored: ann (the window's user) may switch it, nothing more. */
const TEAM: TunnelView = { name: 'team', phase: 'on', stored: true, owner: 'alice', canChange: false };
const TEAM_REFUSAL = 'team belongs to alice; only alice or an administrator may read it';
const SETTINGS: TunnelSettings = {
  startWithSystem: false,
  blockUntunneled: false,
  allowBridges: false,
  allowScripts: false,
  excludePrivateIps: false,
  onDemand: { ethernet: false, wifi: 'never', ssids: [] },
};

const LOGS: LogLine[] = [
  { time: Date.UTC(2026, 0, 1, 9, 0, 0), level: 'info', message: 'helper 0.1.0 started' },
  { time: Date.UTC(2026, 0, 1, 9, 0, 1), level: 'debug', message: 'sent handshake initiation', tunnel: 'home' },
  { time: Date.UTC(2026, 0, 1, 9, 0, 2), level: 'info', message: 'up', tunnel: 'home' },
  { time: Date.UTC(2026, 0, 1, 9, 0, 3), level: 'warn', message: 'no handshake after 15 s', tunnel: 'work' },
  {
    time: Date.UTC(2026, 0, 1, 9, 0, 4),
    level: 'error',
    message: 'the endpoint lab.example did not resolve',
    tunnel: 'lab',
  },
];

/** What the fake main answers and what it was asked. */
const main = {
  state: STATE,
  settings: { ...SETTINGS },
  reads: 0,
  /** When home's answering peer last shook hands: 12 s before the test starts, so the view's count goes up. */
  handshakeAt: 0,
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
  /**
   * home runs: one peer answering (counters growing 24 KiB in, 8 KiB out a read), one that never has. team is
   * alice's: as main reads it for ann, from the running tunnel alone (its config unread).
   */
  details(name: string): TunnelDetails {
    const running = this.state.tunnels.find((t) => t.name === name)?.phase === 'on';
    const n = ++this.reads;
    if (name === TEAM.name) {
      return {
        name,
        publicKey: running ? PUBLIC : null,
        addresses: [],
        dns: [],
        listenPort: running ? 51821 : null,
        mtu: null,
        running,
        configReadable: false,
        peers: running
          ? [
              {
                publicKey: PEER,
                endpoint: '203.0.113.5:51820',
                allowedIps: ['10.20.0.0/16'],
                latestHandshake: this.handshakeAt,
                rxBytes: n * 4096,
                txBytes: n * 2048,
                persistentKeepalive: 25,
              },
            ]
          : [],
        warnings: [],
        sampledAt: this.handshakeAt + n * 1000,
      };
    }
    return {
      name,
      publicKey: PUBLIC,
      addresses: ['10.7.0.2/32', 'fd07::2/128'],
      dns: ['10.7.0.1'],
      listenPort: running ? 51820 : null,
      mtu: 1420,
      running,
      configReadable: true,
      peers: [
        {
          publicKey: PEER,
          endpoint: '192.0.2.1:51820',
          allowedIps: ['10.7.0.0/24'],
          latestHandshake: this.handshakeAt,
          rxBytes: n * 24 * 1024,
          txBytes: n * 8 * 1024,
          persistentKeepalive: 25,
        },
        {
          publicKey: SILENT_PEER,
          endpoint: '198.51.100.7:51820',
          allowedIps: ['10.9.0.0/24'],
          latestHandshake: null,
          rxBytes: 0,
          txBytes: n * 148,
          persistentKeepalive: 0,
          diagnosis: {
            kind: 'no-reply',
            summary: 'The peer has not answered any of 4 handshakes.',
            hints: ['Check the Endpoint address and port.', `The peer must list this tunnel's public key ${PUBLIC}.`],
          },
        },
      ],
      warnings: [],
      // A read a second apart on main's clock, so the rates are exact.
      sampledAt: this.handshakeAt + n * 1000,
    };
  },
  answer(name: string, args: unknown[]): unknown {
    this.calls.push({ name, args });
    switch (name) {
      case 'getState':
        return this.state;
      case 'importFiles':
        return this.importFiles(args[0] as ImportFile[]);
      case 'importArchives': {
        // Main's own unpacking (bounded, fflate) of the bytes the page sent, then the fake helper's judgement.
        const { files, failures } = readImportData(args[0] as { filename: string; data: Uint8Array }[], fflateZip);
        return [...failures, ...this.importFiles(files)];
      }
      case 'importWithDialog':
        return [];
      case 'getTunnelDetails':
        return this.details(args[0] as string);
      case 'getTunnel':
        if (args[0] === TEAM.name) throw new Error(TEAM_REFUSAL);
        return { name: args[0], text: GOOD.replace(KEY, '(hidden)'), publicKey: PUBLIC, settings: this.settings };
      case 'getTunnelSettings':
        return this.settings;
      case 'setTunnelSettings':
        this.settings = { ...this.settings, ...(args[1] as Partial<TunnelSettings>) };
        return this.settings;
      case 'renameTunnel':
        this.state = {
          ...this.state,
          tunnels: this.state.tunnels.map((t) => (t.name === args[0] ? { ...t, name: args[1] as string } : t)),
        };
        return args[1];
      case 'deleteTunnel':
        this.state = { ...this.state, tunnels: this.state.tunnels.filter((t) => t.name !== args[0]) };
        return undefined;
      case 'exportTunnel':
        if (args[0] === TEAM.name) throw new Error(TEAM_REFUSAL);
        return `/home/ann/${args[0]}.conf`;
      case 'getLogs':
        return LOGS;
      // Main sends the state with the hole before it answers the call, as the real one does.
      case 'openPortalHole':
      case 'closePortalHole': {
        const network: NetworkView = {
          ...this.state.network!,
          portalHole: name === 'openPortalHole' ? { until: Date.now() + 300_000, openedBy: 'ann' } : null,
        };
        this.state = { ...this.state, network };
        void win.emit('state', this.state);
        return network;
      }
      default:
        return undefined;
    }
  },
  called(name: string) {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  },
};

let win: TestWindow;

/**
 * Every visible piece of text in the page whose contrast with what is behind it is under WCAG AA (4.5:1, 3:1 for
 * large text), as "text: ratio". Backgrounds are composed up the tree from the computed styles; text of disabled
 * controls (which WCAG exempts) is skipped.
 */
function lowContrast(): string[] {
  type El = {
    parentElement: El | null;
    childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
    closest(s: string): unknown;
    getClientRects(): ArrayLike<unknown>;
    textContent: string | null;
  };
  const w = globalThis as unknown as {
    document: { querySelectorAll(s: string): ArrayLike<El> };
    getComputedStyle(e: El): {
      color: string;
      backgroundColor: string;
      opacity: string;
      fontSize: string;
      fontWeight: string;
      visibility: string;
    };
  };
  const parse = (c: string): number[] | null => {
    const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(c);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
  };
  const over = (top: number[], bottom: number[]) =>
    [0, 1, 2].map((i) => top[i]! * top[3]! + bottom[i]! * (1 - top[3]!)).concat(1);
  const luminance = (c: number[]) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const background = (el: El | null): number[] => {
    const layers: number[][] = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(w.getComputedStyle(e).backgroundColor);
      if (bg && bg[3]! > 0) layers.push(bg);
      if (bg && bg[3] === 1) break;
    }
    return layers.reverse().reduce((acc, layer) => over(layer, acc), [255, 255, 255, 1]);
  };
  const faded = (el: El | null) => {
    for (let e = el; e; e = e.parentElement) if (Number(w.getComputedStyle(e).opacity) < 1) return true;
    return false;
  };
  const problems: string[] = [];
  for (const el of Array.from(w.document.querySelectorAll('body *'))) {
    const text = Array.from(el.childNodes)
      .filter((n) => n.nodeType === 3)
      .map((n) => n.textContent ?? '')
      .join('')
      .trim();
    if (
      !text ||
      el.getClientRects().length === 0 ||
      el.closest('[aria-hidden="true"], :disabled, [aria-disabled="true"], .visually-hidden, option')
    )
      continue;
    const style = w.getComputedStyle(el);
    if (style.visibility === 'hidden' || faded(el)) continue;
    const bg = background(el);
    const fg = parse(style.color);
    if (!fg) {
      problems.push(`${text}: unreadable color ${style.color}`);
      continue;
    }
    const [l1, l2] = [luminance(over(fg, bg)), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1! + 0.05) / (l2! + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push(`${text.slice(0, 40)}: ${ratio.toFixed(2)}`);
  }
  return problems;
}

async function open() {
  await win.page.goto(`${win.base}/index.html`);
  await win.page.locator('li[data-tunnel="home"]').waitFor();
}

/** The focused element's accessible name-ish: its text, else its aria-label. */
const focused = () =>
  win.page.evaluate(() => {
    const el = (
      globalThis as unknown as {
        document: { activeElement: { textContent: string | null; getAttribute(n: string): string | null } | null };
      }
    ).document.activeElement;
    return (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim();
  });

describe('the window in Chromium', () => {
  beforeAll(async () => {
    win = await openTestWindow((name, args) => main.answer(name, args));
  }, 60_000);

  afterAll(async () => {
    await win?.close();
  });

  beforeEach(async () => {
    main.state = STATE;
    main.settings = { ...SETTINGS };
    main.calls = [];
    main.reads = 0;
    main.handshakeAt = Date.now() - 12_000;
    await win.page.setViewportSize({ width: 800, height: 600 });
    await win.page.emulateMedia({ colorScheme: 'light' });
  });

  it('lists the tunnels with their states, and a switch turns one on through setTunnel', async () => {
    const { page } = win;
    await open();
    const rows = page.locator('li[data-tunnel]');
    await expect
      .poll(() => rows.allInnerTexts())
      .toEqual(['home\nOn', 'work\nOff', 'lab\nthe endpoint lab.example did not resolve']);
    expect(await page.getByRole('switch', { name: 'Tunnel home' }).first().getAttribute('aria-checked')).toBe('true');
    await win.shot('tunnels-light');

    // Keyboard: focus work's switch in the list and press Space.
    const work = page.locator('li[data-tunnel="work"]').getByRole('switch', { name: 'Tunnel work' });
    expect(await work.getAttribute('aria-checked')).toBe('false');
    await work.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => main.called('setTunnel')).toEqual([['work', true]]);
    await win.emit('state', {
      ...STATE,
      tunnels: STATE.tunnels.map((t) => (t.name === 'work' ? { ...t, phase: 'on' } : t)),
    });
    await expect.poll(() => work.getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => page.locator('li[data-tunnel="work"] .status').innerText()).toBe('On');

    // Choosing a tunnel shows it in the detail pane.
    await page.locator('li[data-tunnel="lab"] .pick').click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('lab');
    await expect.poll(() => page.getByRole('alert').first().innerText()).toContain('did not resolve');
    await page.emulateMedia({ colorScheme: 'dark' });
    await win.shot('tunnels-dark');
  });

  it("shows a running tunnel live: interface, each peer's handshake ticking, transfer, throughput and why a peer is silent", async () => {
    const { page } = win;
    await open();
    await expect.poll(() => page.locator('[data-field="public-key"]').innerText()).toBe(PUBLIC);
    const interfaceText = await page.locator('section[aria-labelledby="interface-heading"]').innerText();
    for (const part of ['10.7.0.2/32, fd07::2/128', '51820', '10.7.0.1', '1420']) expect(interfaceText).toContain(part);

    const copy = page.getByRole('button', { name: 'Copy the public key' });
    await copy.click();
    await expect.poll(() => copy.innerText()).toBe('Copied');
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
    ).toBe(PUBLIC);

    const answering = page.locator(`[data-peer="${PEER}"]`);
    await expect.poll(() => answering.locator('[data-field="handshake"]').innerText()).toMatch(/^1[2-4] s ago$/);
    const first = await answering.locator('[data-field="handshake"]').innerText();
    // Reads repeat each second while the tunnel is on: the counters grow and the graph fills.
    await expect.poll(() => main.called('getTunnelDetails').length, { timeout: 5000 }).toBeGreaterThanOrEqual(4);
    expect(await answering.locator('[data-field="handshake"]').innerText()).not.toBe(first);
    await expect
      .poll(() => answering.locator('[data-field="transfer"]').innerText())
      .toMatch(/KiB received, \d+(\.\d)? KiB sent$/);
    const points = await answering.locator('polyline.rx').getAttribute('points');
    expect(points?.split(' ').length).toBeGreaterThanOrEqual(2);
    expect(await answering.getByRole('img').getAttribute('aria-label')).toMatch(
      /receiving 24\.0 KiB\/s, sending 8\.0 KiB\/s/,
    );

    const silent = page.locator(`[data-peer="${SILENT_PEER}"]`);
    expect(await silent.locator('[data-field="handshake"]').innerText()).toBe('Never');
    expect(await silent.locator('[data-diagnosis="no-reply"]').innerText()).toContain(
      'Check the Endpoint address and port.',
    );

    // The layout does not move as the numbers tick.
    const box = () => answering.boundingBox();
    const before = await box();
    await page.waitForTimeout(1500);
    expect(await box()).toEqual(before);
    await win.shot('detail-800-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await win.shot('detail-800-dark');
    await page.setViewportSize({ width: 1280, height: 800 });
    await win.shot('detail-1280-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await win.shot('detail-1280-light');

    // Leaving the view (for the log) stops the reads; an off tunnel is read once.
    await page.getByRole('button', { name: 'Logs' }).click();
    await page.locator('#logs-heading').waitFor();
    const reads = main.called('getTunnelDetails').length;
    await page.waitForTimeout(1500);
    expect(main.called('getTunnelDetails').length).toBe(reads);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.locator('li[data-tunnel="work"] .pick').click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('work');
    await page.waitForTimeout(1500);
    // State events that leave it as it is (another tunnel changing, say) read nothing again.
    for (let i = 0; i < 3; i++) await win.emit('state', { ...main.state, tunnels: [...main.state.tunnels] });
    await page.waitForTimeout(300);
    expect(main.called('getTunnelDetails').filter(([n]) => n === 'work')).toHaveLength(1);
    expect(main.called('getTunnelSettings').filter(([n]) => n === 'work')).toHaveLength(1);
  });

  it('renames inline with the name checked as it is typed, exports, and deletes after a confirmation that keeps focus sane', async () => {
    const { page } = win;
    await open();
    await page.locator('li[data-tunnel="work"] .pick').click();
    await page.getByRole('button', { name: 'Rename' }).click();
    const input = page.getByRole('textbox', { name: 'New name for work' });
    await expect.poll(() => focused()).toBe('');
    await input.fill('home');
    await expect.poll(() => page.locator('#rename-problem').innerText()).toBe('There is already a tunnel named home.');
    await win.shot('rename-refused');
    expect(await page.getByRole('button', { name: 'Rename', exact: true }).first().isDisabled()).toBe(true);
    await input.fill('office');
    await input.press('Enter');
    await expect.poll(() => main.called('renameTunnel')).toEqual([['work', 'office']]);
    await win.emit('state', main.state);
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('office');

    await page.getByRole('button', { name: 'Export…' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Exported' }).innerText())
      .toContain('/home/ann/office.conf');

    // Delete: the dialog takes focus (on Cancel), Escape closes it and focus goes back to Delete.
    const remove = page.getByRole('button', { name: 'Delete…' });
    await remove.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete office?' });
    await dialog.waitFor();
    expect(await focused()).toBe('Cancel');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Delete');
    await page.keyboard.press('Tab');
    // Focus stays in the modal dialog (Chromium may visit its own UI between, never the page behind).
    await page.keyboard.press('Tab');
    expect(['Cancel', 'Delete']).toContain(await focused());
    await win.shot('delete-confirm');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await focused()).toBe('Delete…');
    expect(main.called('deleteTunnel')).toEqual([]);

    await remove.click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => main.called('deleteTunnel')).toEqual([['office']]);
    await win.emit('state', main.state);
    await expect.poll(() => page.locator('li[data-tunnel]').count()).toBe(2);
    await expect.poll(() => focused()).toMatch(/^home/);
  });

  it('changes settings through setTunnelSettings, and allows scripts only after a warning', async () => {
    const { page } = win;
    await open();
    const block = page.getByRole('switch', { name: 'Block untunneled traffic' });
    const bridges = page.getByRole('switch', { name: 'Let VMs and containers through' });
    await block.waitFor();
    expect(await bridges.getAttribute('aria-disabled')).toBe('true');
    await block.click();
    await expect.poll(() => block.getAttribute('aria-checked')).toBe('true');
    expect(await bridges.getAttribute('aria-disabled')).toBe('false');
    await bridges.click();
    await page.getByRole('switch', { name: 'Exclude private IPs' }).click();
    await page.getByRole('switch', { name: 'Start with the system' }).click();
    await expect.poll(() => main.called('setTunnelSettings').length).toBe(4);

    const scripts = page.getByRole('switch', { name: 'Allow scripts' });
    await scripts.click();
    const warning = page.getByRole('dialog', { name: 'Allow this tunnel’s scripts?' });
    await warning.waitFor();
    expect(await warning.innerText()).toContain('as root');
    expect(await warning.innerText()).toContain('an administrator’s password will be asked for');
    await win.shot('scripts-confirm');
    await page.keyboard.press('Escape');
    expect(await scripts.getAttribute('aria-checked')).toBe('false');
    await scripts.click();
    await warning.getByRole('button', { name: 'Allow scripts' }).click();
    await expect.poll(() => scripts.getAttribute('aria-checked')).toBe('true');
    expect(main.called('setTunnelSettings')).toEqual([
      ['home', { blockUntunneled: true }],
      ['home', { allowBridges: true }],
      ['home', { excludePrivateIps: true }],
      ['home', { startWithSystem: true }],
      ['home', { allowScripts: true }],
    ]);
    await page.locator('section[aria-labelledby="settings-heading"]').scrollIntoViewIfNeeded();
    await win.shot('settings');
  });

  it('sets on-demand rules with the current network one click away, and offers to sign in to a captive portal', async () => {
    const { page } = win;
    const network: NetworkView = {
      networkManager: true,
      primary: { kind: 'wifi', name: 'Corner Cafe', ssid: 'Corner Cafe' },
      signInNeeded: true,
      portalHole: null,
    };
    main.state = {
      ...STATE,
      network,
      tunnels: STATE.tunnels.map((t) =>
        t.name === 'home'
          ? { ...t, onDemand: { reason: 'on: Wi-Fi Corner Cafe is not a trusted network', overridden: false } }
          : t,
      ),
    };
    await open();
    await page.getByText('On-demand is in charge: on: Wi-Fi Corner Cafe is not a trusted network').waitFor();

    // The rules: Ethernet on, then Wi-Fi everywhere but this network, added with one click.
    await page.getByRole('switch', { name: 'On Ethernet' }).click();
    await expect.poll(() => main.called('setTunnelSettings').length).toBe(1);
    await page.getByRole('radio', { name: 'On all but these networks' }).check();
    await page.getByRole('button', { name: 'Add Corner Cafe' }).click();
    await expect.poll(() => main.called('setTunnelSettings').length).toBe(2);
    expect(main.called('setTunnelSettings')).toEqual([
      ['home', { onDemand: { ethernet: true, wifi: 'never', ssids: [] } }],
      ['home', { onDemand: { ethernet: true, wifi: 'except', ssids: ['Corner Cafe'] } }],
    ]);
    await page.locator('[data-setting="on-demand"]').scrollIntoViewIfNeeded();
    await win.shot('on-demand-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await win.shot('on-demand-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Signing in: offered, opened (the time left counts down), closed with Done.
    const banner = page.getByRole('region', { name: 'Sign in to this network' });
    await banner.getByRole('button', { name: 'Sign in to this network' }).click();
    await expect.poll(() => banner.getAttribute('data-sign-in')).toBe('open');
    await expect.poll(() => banner.innerText()).toMatch(/open for 4:[45]\d more\./);
    expect(await banner.innerText()).toContain('Opened by ann.');
    await win.shot('sign-in-open');
    await banner.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => main.called('closePortalHole').length).toBe(1);
    await expect.poll(() => banner.getAttribute('data-sign-in')).toBe('offered');
    expect(main.called('openPortalHole')).toEqual([[]]);
  });

  it("shows another owner's tunnel with its actions and settings disabled, says why, and switches it as any", async () => {
    const { page } = win;
    main.state = { ...STATE, tunnels: [...STATE.tunnels, TEAM] };
    await open();
    await page.locator('li[data-tunnel="team"] .pick').click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('team');
    const note = page.locator('#owner-note');
    expect(await note.innerText()).toBe(
      'Owned by alice: only alice or an administrator can change it. You can switch it on and off.',
    );

    // Each action is in view and reachable, disabled, and described by the note; none reaches main.
    const names = ['Edit', 'Rename', 'Export…', 'Show QR code…', 'Delete…'];
    for (const name of names) {
      const button = page.locator('.actions').getByRole('button', { name, exact: true });
      expect(await button.getAttribute('aria-disabled'), name).toBe('true');
      expect(await button.getAttribute('aria-describedby'), name).toBe('owner-note');
      await button.click({ force: true });
    }
    await page.locator('.actions').getByRole('button', { name: 'Edit' }).focus();
    for (const name of names.slice(1)) {
      await page.keyboard.press('Tab');
      expect(await focused()).toBe(name);
      await page.keyboard.press('Enter');
    }
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.locator('#editor-heading').count()).toBe(0);
    expect(await page.locator('#rename-input').count()).toBe(0);
    for (const call of ['getTunnel', 'exportTunnel', 'getTunnelQr', 'renameTunnel', 'deleteTunnel'])
      expect(main.called(call), call).toEqual([]);

    // The interface: what the running tunnel reports, and why the rest is not shown.
    const iface = page.locator('section[aria-labelledby="interface-heading"]');
    await expect.poll(() => iface.innerText()).toContain('51821');
    expect(await iface.innerText()).toContain('Not shown');
    expect(await iface.innerText()).toContain(
      'Its configuration belongs to alice: its addresses, DNS and MTU show only to alice and administrators.',
    );
    await page.locator(`[data-peer="${PEER}"]`).waitFor();

    // Settings: shown as they are, every switch disabled and described by why.
    const block = page.getByRole('switch', { name: 'Block untunneled traffic' });
    await block.waitFor();
    expect(await page.locator('#settings-locked').innerText()).toBe(
      'Only alice or an administrator can change these settings.',
    );
    for (const name of [
      'Block untunneled traffic',
      'Let VMs and containers through',
      'Exclude private IPs',
      'Start with the system',
      'Allow scripts',
    ]) {
      const toggle = page.getByRole('switch', { name });
      expect(await toggle.getAttribute('aria-disabled'), name).toBe('true');
      expect(await toggle.getAttribute('aria-describedby'), name).toContain('settings-locked');
    }
    await block.click({ force: true });
    await page.getByRole('switch', { name: 'Allow scripts' }).click({ force: true });
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(main.called('setTunnelSettings')).toEqual([]);

    expect(await page.evaluate(lowContrast)).toEqual([]);
    await page.locator('#detail-heading').scrollIntoViewIfNeeded();
    await win.shot('not-owner-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(lowContrast)).toEqual([]);
    await win.shot('not-owner-dark');
    await page.locator('section[aria-labelledby="settings-heading"]').scrollIntoViewIfNeeded();
    await win.shot('not-owner-settings-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await win.shot('not-owner-settings-light');

    // Its switch works as any tunnel's.
    const toggle = page.locator('article.detail').getByRole('switch', { name: 'Tunnel team' });
    await toggle.click();
    await expect.poll(() => main.called('setTunnel')).toEqual([['team', false]]);
    main.state = {
      ...main.state,
      tunnels: main.state.tunnels.map((t) => (t.name === 'team' ? { ...t, phase: 'off' } : t)),
    };
    await win.emit('state', main.state);
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await expect.poll(() => page.locator('article.detail').innerText()).toContain('Its peers show while it is on.');
    expect(await iface.innerText()).not.toContain('51821');
  });

  it("shows the helper's log, filtered by level and tunnel", async () => {
    const { page } = win;
    await open();
    await page.getByRole('button', { name: 'Logs' }).click();
    const rows = page.locator('tr[data-level]');
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByLabel('Level').selectOption('warn');
    await expect.poll(() => rows.allInnerTexts()).toHaveLength(2);
    await page.getByLabel('Level').selectOption('debug');
    await page.getByLabel('Tunnel', { exact: true }).selectOption('home');
    await expect.poll(() => rows.locator('.message').allInnerTexts()).toEqual(['sent handshake initiation', 'up']);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => main.called('getLogs').length).toBe(2);
    await page.emulateMedia({ colorScheme: 'dark' });
    await win.shot('logs-dark');
  });

  it('works from the keyboard: arrows move along the list with one tab stop, Enter shows a tunnel', async () => {
    const { page } = win;
    await open();
    // From the toolbar's last button, Tab reaches the list at the selected tunnel.
    await page.getByRole('button', { name: 'Quit' }).focus();
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^home/);
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatch(/^work/);
    await page.keyboard.press('End');
    expect(await focused()).toMatch(/^lab/);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('lab');
    // Tab goes to lab's switch, then out of the list (not through every row).
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Tunnel lab');
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('Tunnel work');
    await page.keyboard.press('Tab');
    const inList = () =>
      win.page.evaluate(
        () =>
          (
            globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } }
          ).document.activeElement?.closest('nav') != null,
      );
    expect(await inList()).toBe(false);
    expect(await page.locator('.pick[tabindex="0"]').count()).toBe(1);
  });

  it('asks before leaving an editor with unsaved changes', async () => {
    const { page } = win;
    await open();
    await page.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => page.locator('#editor-heading').innerText()).toBe('Edit home');
    expect(main.called('getTunnel').some(([n]) => n === 'home')).toBe(true);
    // Unchanged: leaving needs no answer.
    await page.locator('li[data-tunnel="work"] .pick').click();
    await expect.poll(() => page.locator('#detail-heading').innerText()).toBe('work');

    await page.getByRole('button', { name: 'New tunnel' }).click();
    await page.locator('.cm-content').click();
    await page.keyboard.type('# a change');
    await page.locator('li[data-tunnel="home"] .pick').click();
    const ask = page.getByRole('dialog', { name: 'Discard your changes?' });
    await ask.waitFor();
    await win.shot('discard-confirm');
    await ask.getByRole('button', { name: 'Keep editing' }).click();
    await expect.poll(() => page.locator('#editor-heading').innerText()).toBe('New tunnel');
    await page.getByRole('button', { name: 'Logs' }).click();
    await ask.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => page.locator('#logs-heading').isVisible()).toBe(true);
  });

  it('imports dropped files: the good one is imported, the broken one shows its error at its line', async () => {
    const { page } = win;
    await open();
    await page.evaluate(
      ([good, broken]) => {
        const w = globalThis as unknown as PageGlobals;
        const data = new w.DataTransfer();
        data.items.add(new w.File([good], 'good.conf'));
        data.items.add(new w.File([broken], 'broken.conf'));
        for (const type of ['dragenter', 'dragover', 'drop'])
          w.dispatchEvent(new w.DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      },
      [GOOD, BROKEN] as const,
    );
    await expect.poll(() => main.called('importFiles').length).toBe(1);
    expect(main.called('importFiles')[0]![0]).toEqual([
      { filename: 'good.conf', text: GOOD },
      { filename: 'broken.conf', text: BROKEN },
    ]);
    const broken = page.locator('li[data-file="broken.conf"]');
    await expect.poll(() => broken.locator('.problem .where').innerText()).toBe('Line 7');
    expect(await broken.locator('.problem .source').innerText()).toBe('AllowedIPs = 10.7.0.0/99');
    await expect
      .poll(() => page.locator('section[aria-label="Import results"] h2').innerText())
      .toBe('Imported 1 of 2 files');
    await win.shot('import-results');
  });

  it('imports a dropped .zip: main unpacks the bytes the page sent, and each file inside gets its result', async () => {
    const { page } = win;
    await open();
    const archive = fflateZip.zip([
      { name: 'tunnels/office.conf', data: new TextEncoder().encode(GOOD) },
      { name: 'tunnels/lab.conf', data: new TextEncoder().encode(BROKEN) },
    ]);
    await page.evaluate(
      (bytes) => {
        const w = globalThis as unknown as PageGlobals;
        const data = new w.DataTransfer();
        data.items.add(new w.File([new Uint8Array(bytes)], 'office-and-lab.zip'));
        for (const type of ['dragenter', 'dragover', 'drop'])
          w.dispatchEvent(new w.DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      },
      [...archive],
    );
    await expect.poll(() => main.called('importArchives').length).toBe(1);
    expect(main.called('importFiles')).toEqual([]);
    const lab = page.locator('li[data-file="office-and-lab.zip/tunnels/lab.conf"]');
    await expect.poll(() => lab.locator('.problem .where').innerText()).toBe('Line 7');
    await expect
      .poll(() => page.locator('section[aria-label="Import results"] h2').innerText())
      .toBe('Imported 1 of 2 files');
  });

  it('quits from the window too (no tray under GNOME without AppIndicator), asking first about unsaved edits', async () => {
    const { page } = win;
    await open();
    await page.getByRole('button', { name: 'New tunnel' }).click();
    await page.locator('.cm-content').click();
    await page.keyboard.type('# a change');
    await page.getByRole('button', { name: 'Quit' }).click();
    const ask = page.getByRole('dialog');
    await ask.waitFor();
    expect(main.called('quit')).toEqual([]);
    await ask.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => main.called('quit')).toEqual([[]]);
  });

  it('says how to start a missing helper, and which group to join when not allowed', async () => {
    const { page } = win;
    main.state = {
      connection: { kind: 'helper-missing', message: 'The Warren helper is not running.', hint: START_HELPER_HINT },
      tunnels: [],
    };
    await page.goto(`${win.base}/index.html`);
    const banner = page.locator('[data-connection="helper-missing"]');
    await expect.poll(() => banner.innerText()).toContain('The Warren helper is not running.');
    expect(await banner.locator('code').innerText()).toBe('sudo systemctl start warren');
    await win.shot('helper-missing');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => main.calls.some((c) => c.name === 'reconnect')).toBe(true);

    await win.emit('state', {
      connection: { kind: 'not-allowed', message: notAllowedMessage('ann', 'warren') },
      tunnels: [],
    });
    const refused = page.locator('[data-connection="not-allowed"]');
    await expect.poll(() => refused.locator('code').innerText()).toBe('sudo usermod -aG warren ann');
    await page.emulateMedia({ colorScheme: 'dark' });
    await win.shot('not-allowed-dark');
  });

  it('keeps text readable (WCAG AA contrast) in light and dark, on every view', async () => {
    const { page } = win;
    await open();
    await page.locator(`[data-peer="${SILENT_PEER}"] [data-diagnosis]`).waitFor();
    const found: Record<string, string[]> = {};
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      found[`detail ${scheme}`] = await page.evaluate(lowContrast);
      await page.locator('li[data-tunnel="lab"] .pick').click();
      found[`failed tunnel ${scheme}`] = await page.evaluate(lowContrast);
      await page.getByRole('button', { name: 'Logs' }).click();
      await page.locator('tr[data-level]').first().waitFor();
      await page.getByLabel('Level', { exact: true }).selectOption('debug');
      found[`logs ${scheme}`] = await page.evaluate(lowContrast);
      await page.getByRole('button', { name: 'Close' }).click();
      await page.locator('li[data-tunnel="home"] .pick').click();
      await page.getByRole('button', { name: 'Delete…' }).click();
      found[`dialog ${scheme}`] = await page.evaluate(lowContrast);
      await page.keyboard.press('Escape');
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });

  it('runs under the CSP without violations or errors', async () => {
    await open();
    expect(await win.cspViolations()).toEqual([]);
    expect(win.consoleErrors).toEqual([]);
  });
});
