/*
 * The one window's life: made on first show (unless its page fails the CSP check: then it says why and stays
 * shut), shown and focused again later, and what closing it does, as the preferences say: hidden, the app staying
 * in the tray, or the app quits (Quit, from the tray or the window, always quits). A view asked for (a
 * notification's Show, the tray's Preferences…) reaches the page once it has loaded: a window made for it gets
 * it after its first load, the latest request winning. Electron's BrowserWindow comes in through `create`, so
 * this runs under Node in tests; index.ts wires it.
 */
import type { CloseAction, ShowRequest } from '../shared/bridge/types.js';
import type { EventName, EventPayload } from '../shared/bridge/schema.js';
import { sendEvent } from './bridge-main.js';

/** The part of a BrowserWindow's webContents used here. */
export interface WindowContents {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'did-finish-load', listener: () => void): unknown;
}

/** The part of a BrowserWindow used here. */
export interface WindowLike {
  readonly webContents: WindowContents;
  show(): void;
  focus(): void;
  hide(): void;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  loadFile(path: string): Promise<void>;
}

export interface MainWindowOptions {
  /** A new window (Electron: new BrowserWindow(windowOptions(PRELOAD))). */
  create(): WindowLike;
  /** The page it loads (renderer/dist/index.html). */
  page: string;
  /** What is wrong with the page, if anything (security.ts's rendererCspProblems of its text). */
  pageProblems(): string[];
  /** Says why the window cannot open (Electron: dialog.showErrorBox). */
  refuse(problems: string[]): void;
  /** What closing the window does now (the preferences'). */
  closeAction(): CloseAction;
  /** The app's quit (Electron: app.quit, whose before-quit calls quitting()). */
  quit(): void;
  log(message: string): void;
}

export class MainWindow {
  private readonly options: MainWindowOptions;
  private window: WindowLike | null = null;
  private loaded = false;
  /** A view asked for before the page could take it. */
  private pending: ShowRequest | null = null;
  private exiting = false;

  constructor(options: MainWindowOptions) {
    this.options = options;
  }

  /** The page's webContents while the window exists: for the bridge's sender check and events. */
  get contents(): WindowContents | null {
    return this.window?.webContents ?? null;
  }

  /** The app quits: closing no longer hides. */
  quitting(): void {
    this.exiting = true;
  }

  /** Shows the window (made when there is none), then the view asked for. */
  show(request?: ShowRequest): void {
    if (request) this.pending = request;
    if (this.window) {
      this.window.show();
      this.window.focus();
      this.deliver();
      return;
    }
    const problems = this.options.pageProblems();
    if (problems.length > 0) {
      this.options.refuse(problems);
      return;
    }
    const window = this.options.create();
    this.window = window;
    this.loaded = false;
    window.once('ready-to-show', () => window.show());
    window.webContents.once('did-finish-load', () => {
      if (this.window !== window) return;
      this.loaded = true;
      this.deliver();
    });
    window.on('close', (event) => {
      if (this.exiting) return;
      if (this.options.closeAction() === 'quit') {
        this.exiting = true;
        this.options.quit();
        return;
      }
      // To the tray; the tunnels stay as they are either way (the helper runs them).
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    window.loadFile(this.options.page).catch((error: Error) => this.options.log(`the window's page: ${error.message}`));
  }

  /** An event for the page (nothing while there is no window). */
  send<K extends EventName>(name: K, payload: EventPayload<K>): void {
    sendEvent(this.contents, name, payload);
  }

  private deliver(): void {
    if (!this.loaded || this.pending === null) return;
    const request = this.pending;
    this.pending = null;
    this.send('show', request);
  }
}
