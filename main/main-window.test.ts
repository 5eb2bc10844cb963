// The window's life with a stand-in BrowserWindow that records what is done to it.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { channelOf } from '../shared/bridge/schema.js';
import type { CloseAction } from '../shared/bridge/types.js';
import { MainWindow, type WindowLike } from './main-window.js';

class FakeWindow extends EventEmitter implements WindowLike {
  readonly done: string[] = [];
  readonly sent: unknown[][] = [];
  readonly contentsEvents = new EventEmitter();
  readonly webContents = {
    send: (...args: unknown[]) => void this.sent.push(args),
    isDestroyed: () => false,
    once: (event: 'did-finish-load', listener: () => void) => this.contentsEvents.once(event, listener),
  };
  show() {
    this.done.push('show');
  }
  focus() {
    this.done.push('focus');
  }
  hide() {
    this.done.push('hide');
  }
  async loadFile(path: string) {
    this.done.push(`load ${path}`);
  }
  /** The user closes it: whether it really closes. */
  close(): boolean {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) this.emit('closed');
    return !prevented;
  }
}

function setUp(problems: string[] = []) {
  const windows: FakeWindow[] = [];
  const refused: string[][] = [];
  let quits = 0;
  let closeAction: CloseAction = 'tray';
  const main = new MainWindow({
    create: () => {
      const w = new FakeWindow();
      windows.push(w);
      return w;
    },
    page: '/app/renderer/dist/index.html',
    pageProblems: () => problems,
    refuse: (p) => void refused.push(p),
    closeAction: () => closeAction,
    quit: () => void quits++,
    log: () => {},
  });
  return {
    main,
    windows,
    refused,
    quits: () => quits,
    setClose: (a: CloseAction) => (closeAction = a),
  };
}

describe('MainWindow', () => {
  it('makes the window once, shows it when ready, and shows and focuses it again later', () => {
    const { main, windows } = setUp();
    expect(main.contents).toBeNull();
    main.show();
    expect(windows).toHaveLength(1);
    const w = windows[0]!;
    expect(w.done).toEqual(['load /app/renderer/dist/index.html']);
    w.emit('ready-to-show');
    main.show();
    expect(windows).toHaveLength(1);
    expect(w.done).toEqual(['load /app/renderer/dist/index.html', 'show', 'show', 'focus']);
    expect(main.contents).toBe(w.webContents);
  });

  it('hides on close by default, quits when the preference says so, and closes for real when quitting', () => {
    const { main, windows, quits, setClose } = setUp();
    main.show();
    const w = windows[0]!;
    expect(w.close()).toBe(false);
    expect(w.done.at(-1)).toBe('hide');
    expect(quits()).toBe(0);
    setClose('quit');
    expect(w.close()).toBe(true);
    expect(quits()).toBe(1);
    expect(main.contents).toBeNull();

    // The app's Quit: the next window closes without hiding.
    main.show();
    setClose('tray');
    main.quitting();
    expect(windows[1]!.close()).toBe(true);
    expect(quits()).toBe(1);
  });

  it('delivers a view asked for once the page has loaded, the latest winning, and at once after that', () => {
    const { main, windows } = setUp();
    main.show({ view: 'tunnel', name: 'home' });
    main.show({ view: 'preferences' });
    const w = windows[0]!;
    expect(w.sent).toEqual([]);
    w.contentsEvents.emit('did-finish-load');
    expect(w.sent).toEqual([[channelOf('show'), { view: 'preferences' }]]);
    main.show({ view: 'tunnel', name: 'work' });
    expect(w.sent.at(-1)).toEqual([channelOf('show'), { view: 'tunnel', name: 'work' }]);
    main.send('imported', []);
    expect(w.sent.at(-1)).toEqual([channelOf('imported'), []]);
  });

  it('does not open a page that fails the CSP check, and says why', () => {
    const { main, windows, refused } = setUp(['the page has no Content-Security-Policy meta tag']);
    main.show();
    expect(windows).toEqual([]);
    expect(refused).toEqual([['the page has no Content-Security-Policy meta tag']]);
    main.send('state', { connection: { kind: 'connecting' }, tunnels: [] });
  });
});
