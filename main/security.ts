/*
 * The window's security, following Electron's checklist (https://www.electronjs.org/docs/latest/tutorial/security;
 * security.test.ts walks it point by point): the page is our own file only, isolated and sandboxed, without
 * Node; it cannot navigate, open windows, attach webviews or get any permission; its Content-Security-Policy
 * allows nothing but its own files; and main answers IPC only from that page in that window.
 */
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { pathToFileURL } from 'node:url';

/** No remote anything: scripts, styles, fonts and images from the app's own files (and data: images). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The meta tag the renderer's index.html carries (a file:// page has no response headers to carry it). */
export const CSP_META_TAG = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 900,
    height: 640,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'Warren',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** Problems with the renderer page's CSP meta tag (none when it carries exactly CONTENT_SECURITY_POLICY). */
export function rendererCspProblems(html: string): string[] {
  const tag = /<meta\s[^>]*http-equiv\s*=\s*["']?Content-Security-Policy["']?[^>]*>/i.exec(html)?.[0];
  if (tag === undefined) return [`the page has no Content-Security-Policy meta tag; add ${CSP_META_TAG} to its <head>`];
  const content = /content\s*=\s*"([^"]*)"/i.exec(tag)?.[1] ?? /content\s*=\s*'([^']*)'/i.exec(tag)?.[1];
  const normalize = (policy: string) =>
    policy
      .split(';')
      .map((d) => d.trim().replace(/\s+/g, ' '))
      .filter(Boolean)
      .sort()
      .join('; ');
  if (content === undefined || normalize(content) !== normalize(CONTENT_SECURITY_POLICY)) {
    return [`the page's Content-Security-Policy is not Warren's; it must be: ${CONTENT_SECURITY_POLICY}`];
  }
  return [];
}

/** Every permission request and check is refused, and any response carrying headers gets our CSP too. */
export function hardenSession(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'webRequest'>,
): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

/** No navigation away from the page, no new windows, no webviews. */
export function hardenWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** The URL our page has when loaded with loadFile(path). */
export function pageUrl(htmlPath: string): string {
  return pathToFileURL(htmlPath).href;
}

/**
 * An IPC message is answered only when it comes from our window's webContents, from its top frame, showing our
 * page (file://, that exact file).
 */
export function trustedSender(getContents: () => unknown, htmlPath: string) {
  const expected = pageUrl(htmlPath);
  return (event: { sender: unknown; senderFrame: { url: string; parent?: unknown } | null }): boolean => {
    const contents = getContents();
    if (!contents || event.sender !== contents) return false;
    const frame = event.senderFrame;
    if (!frame || (frame.parent !== undefined && frame.parent !== null)) return false;
    let url: URL;
    try {
      url = new URL(frame.url);
    } catch {
      return false;
    }
    return url.protocol === 'file:' && url.host === '' && `file://${url.pathname}` === expected;
  };
}
