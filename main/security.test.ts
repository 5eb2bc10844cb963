// Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security), point by point,
// against main's window options and hardening functions.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  CSP_META_TAG,
  hardenSession,
  hardenWebContents,
  rendererCspProblems,
  windowOptions,
} from './security.js';

const prefs = windowOptions('/app/build/main/preload.cjs').webPreferences!;

function hardenedContents() {
  const contents = Object.assign(new EventEmitter(), {
    openHandler: undefined as undefined | (() => unknown),
    setWindowOpenHandler(handler: () => unknown) {
      this.openHandler = handler;
    },
  });
  hardenWebContents(contents as never);
  const prevented = (event: string) => {
    let done = false;
    contents.emit(event, { preventDefault: () => (done = true) }, 'https://example.com/');
    return done;
  };
  return { contents, prevented };
}

describe('Electron security checklist', () => {
  it('1. only our own content: the window loads a local file (main-window.ts: loadFile), never a URL', () => {
    const window = readFileSync(new URL('./main-window.ts', import.meta.url), 'utf8');
    expect(window).toMatch(/\.loadFile\(this\.options\.page\)/);
    for (const file of ['./index.ts', './main-window.ts'])
      expect(readFileSync(new URL(file, import.meta.url), 'utf8')).not.toMatch(/\.loadURL\(/);
  });
  it('2. no Node.js integration, in the page, workers or subframes', () => {
    expect(prefs).toMatchObject({
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    });
  });
  it('3. context isolation', () => expect(prefs.contextIsolation).toBe(true));
  it('4. process sandboxing, with a CommonJS preload (main/preload.cts)', () => {
    expect(prefs.sandbox).toBe(true);
    expect(prefs.preload).toMatch(/preload\.cjs$/);
  });
  it('5. every permission request and check is denied', () => {
    let requestHandler: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let checkHandler: (() => boolean) | undefined;
    let headers:
      ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | undefined;
    hardenSession({
      setPermissionRequestHandler: (h: never) => (requestHandler = h),
      setPermissionCheckHandler: (h: never) => (checkHandler = h),
      webRequest: { onHeadersReceived: (h: never) => (headers = h) },
    } as never);
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      let granted: boolean | undefined;
      requestHandler!({}, permission, (ok) => (granted = ok));
      expect(granted).toBe(false);
    }
    expect(checkHandler!()).toBe(false);
    let response: unknown;
    headers!({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (response = r));
    expect(response).toEqual({
      responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  it('6. web security stays on', () => expect(prefs.webSecurity).toBe(true));
  it('7. a Content-Security-Policy that allows only our own files, checked in the page before it loads', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(rendererCspProblems(`<html><head>${CSP_META_TAG}</head></html>`)).toEqual([]);
    expect(rendererCspProblems('<html><head></head></html>')[0]).toMatch(/no Content-Security-Policy meta tag/);
    expect(rendererCspProblems(`<meta http-equiv="Content-Security-Policy" content="default-src *">`)[0]).toMatch(
      /not Warren's/,
    );
  });
  it('8. no insecure content', () => expect(prefs.allowRunningInsecureContent).toBe(false));
  it('9. no experimental features', () => expect(prefs.experimentalFeatures).toBe(false));
  it('10. no enableBlinkFeatures', () => expect(prefs.enableBlinkFeatures).toBeUndefined());
  it('11. no <webview> (so no allowpopups)', () => expect(prefs.webviewTag).toBe(false));
  it('12. a webview could not be attached anyway', () =>
    expect(hardenedContents().prevented('will-attach-webview')).toBe(true));
  it('13. navigation is denied (and redirects, and dropping a file on the window)', () => {
    const { prevented } = hardenedContents();
    expect(prevented('will-navigate')).toBe(true);
    expect(prevented('will-redirect')).toBe(true);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });
  it('14. new windows are denied', () => {
    const { contents } = hardenedContents();
    expect(contents.openHandler!()).toEqual({ action: 'deny' });
  });
  it('15. shell.openExternal is not used', () => {
    expect(readFileSync(new URL('./index.ts', import.meta.url), 'utf8')).not.toMatch(/openExternal/);
  });
  it('16. a current Electron (the devDependency major is a supported one)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(Number(/\d+/.exec(pkg.devDependencies.electron!)![0])).toBeGreaterThanOrEqual(38);
  });
  // 17. IPC senders are validated: bridge-main.test.ts ("refuses other senders").
  // 18. file:// instead of a custom protocol: a deliberate choice (loadFile only, the page is one local file,
  //     and trustedSender pins that exact file); a custom protocol would be a later step.
  // 19. fuses: set at packaging time (electron-builder), not by main.
  it('20. no Electron API reaches the page: the preload exposes only the bridge functions', () => {
    const preload = readFileSync(new URL('./preload.cts', import.meta.url), 'utf8');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\('warren', createWarrenApi\(/);
  });
});
