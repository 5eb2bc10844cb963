/*
 * The built window (renderer/dist by default, or WARREN_RENDERER_DIST) in Debian's Chromium, served over HTTP
 * with the CSP main gives it, and `window.warren` provided by the test: every call travels to Node through one
 * exposed binding and is answered by `answer` (a fake main, or a real AppController); events are pushed into
 * the page with emit(). The page's API has exactly the calls and events of the bridge's manifest. Shared by the
 * fake-bridge suite (renderer.test.ts) and the real-backed one (test/netns/window-real-tunnel.test.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../main/security.js';
import { type BridgeManifest, bridgeManifest } from '../../shared/bridge/schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = resolve(ROOT, process.env.WARREN_RENDERER_DIST ?? 'renderer/dist');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts', 'renderer');
const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** The page's globals the tests touch (the root tsconfig has no DOM types; these functions run in the page). */
export interface PageGlobals {
  warrenCall(name: string, args: unknown[]): Promise<unknown>;
  warrenEmit(event: string, payload: unknown): void;
  cspViolations: string[];
  document: {
    addEventListener(
      type: 'securitypolicyviolation',
      listener: (e: { violatedDirective: string; blockedURI: string }) => void,
    ): void;
  };
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: (string | Uint8Array)[], name: string) => unknown;
  DragEvent: new (type: string, init: { dataTransfer: unknown; bubbles: boolean; cancelable: boolean }) => unknown;
  dispatchEvent(event: unknown): boolean;
}

/** The page's side: WarrenApi's shape from the manifest over one binding, and a hook for events. */
function installBridge(manifest: BridgeManifest) {
  const page = globalThis as unknown as PageGlobals;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const api: Record<string, unknown> = {};
  for (const { key } of manifest.calls) api[key] = (...args: unknown[]) => page.warrenCall(key, args);
  for (const { key } of manifest.events) {
    // onState → state
    const event = key[2]!.toLowerCase() + key.slice(3);
    listeners.set(event, new Set());
    api[key] = (listener: (payload: unknown) => void) => {
      listeners.get(event)!.add(listener);
      return () => listeners.get(event)!.delete(listener);
    };
  }
  Object.assign(page, {
    warren: api,
    warrenEmit: (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload)),
    cspViolations: [] as string[],
  });
  page.document.addEventListener('securitypolicyviolation', (e) =>
    page.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
  );
}

export interface TestWindow {
  readonly page: Page;
  readonly base: string;
  /** Console errors and uncaught exceptions in the page. */
  readonly consoleErrors: string[];
  emit(event: string, payload: unknown): Promise<void>;
  /** A screenshot into test/artifacts/renderer/NAME.png. */
  shot(name: string): Promise<void>;
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openTestWindow(
  answer: (name: string, args: unknown[]) => unknown,
  viewport = { width: 800, height: 600 },
): Promise<TestWindow> {
  if (!existsSync(join(DIST, 'index.html')))
    throw new Error(
      `${DIST} has no index.html: run \`npm run build\` first (or point WARREN_RENDERER_DIST at a build)`,
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  const server: Server = createServer((req, res) => {
    // Chromium asks for a favicon over HTTP; Electron's file:// page does not.
    if (req.url === '/favicon.ico') return void res.writeHead(204).end();
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    try {
      const body = readFileSync(join(DIST, path));
      res.writeHead(200, {
        'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const profile = mkdtempSync(join(tmpdir(), 'warren-chromium-'));
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await context.exposeBinding('warrenCall', (_source, name: string, args: unknown[]) => answer(name, args));
    await context.addInitScript(installBridge, bridgeManifest());
    const page = context.pages()[0] ?? (await context.newPage());
    // A step that cannot happen fails with its own message, well before the test's timeout.
    page.setDefaultTimeout(8000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      // Main's policy names frame-ancestors, which only a header can carry (the server sends it too).
      if (m.type() === 'error' && !m.text().includes("'frame-ancestors' is ignored when delivered via a <meta>"))
        consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    return {
      page,
      base,
      consoleErrors,
      emit: async (event, payload) => {
        await page.evaluate(([e, p]) => (globalThis as unknown as PageGlobals).warrenEmit(e as string, p), [
          event,
          payload,
        ] as const);
      },
      shot: async (name) => {
        await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled' });
      },
      cspViolations: () => page.evaluate(() => (globalThis as unknown as PageGlobals).cspViolations),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
