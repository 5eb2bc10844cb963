/*
 * A stand-in for Electron's main-process module, for booting build/main/index.js under Node (main-entry.test.ts):
 * it records what the entry does with Electron (over the IPC channel of the forked process) and lets the test
 * emit app events, nothing more. `ready` is emitted when the test says so; requestSingleInstanceLock answers
 * as STAND_IN_LOCK says ('held' means another instance has it). It does no window, tray or notification.
 */
import { EventEmitter } from 'node:events';

const record = (what, ...args) => process.send?.({ what, args: JSON.parse(JSON.stringify(args ?? null)) });

let readyResolve;
const ready = new Promise((resolve) => (readyResolve = resolve));

class App extends EventEmitter {
  requestSingleInstanceLock() {
    const held = process.env.STAND_IN_LOCK !== 'held';
    record('app.requestSingleInstanceLock', held);
    return held;
  }
  whenReady() {
    return ready;
  }
  getPath(name) {
    record('app.getPath', name);
    return process.env.STAND_IN_USER_DATA;
  }
  getLocale() {
    return 'en-US';
  }
  setLoginItemSettings(settings) {
    record('app.setLoginItemSettings', settings);
  }
  quit() {
    record('app.quit');
    const event = { defaultPrevented: false, preventDefault() {} };
    this.emit('before-quit', event);
    for (const window of BrowserWindow.all) window.emit('close', { preventDefault() {} });
    this.emit('will-quit', event);
    record('app.quitted');
    // Electron would end the process here; the stand-in lets it end by itself, which it does only once nothing
    // of the app is left running (the helper connection closed, no timer pending).
    process.channel?.unref();
  }
}

export const app = new App();

export const ipcMain = {
  handle: (channel) => record('ipcMain.handle', channel),
  on: (channel) => record('ipcMain.on', channel),
};

class WebContents extends EventEmitter {
  send(channel, payload) {
    record('webContents.send', channel, payload);
  }
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler() {}
}

export class BrowserWindow extends EventEmitter {
  static all = [];
  constructor(options) {
    super();
    record('new BrowserWindow', options);
    this.webContents = new WebContents();
    BrowserWindow.all.push(this);
  }
  async loadFile(path) {
    record('window.loadFile', path);
    setImmediate(() => {
      this.emit('ready-to-show');
      this.webContents.emit('did-finish-load');
    });
  }
  show() {
    record('window.show');
  }
  focus() {}
  hide() {
    record('window.hide');
  }
}

export class Tray {
  constructor() {
    record('new Tray');
  }
  setImage() {}
  setToolTip(text) {
    record('tray.setToolTip', text);
  }
  setContextMenu(menu) {
    record(
      'tray.setContextMenu',
      menu.map((item) => item.label ?? `(${item.type})`),
    );
  }
}

export const Menu = { buildFromTemplate: (template) => template };
export const nativeImage = { createFromBuffer: () => ({}) };
export class Notification extends EventEmitter {
  static isSupported() {
    return false;
  }
}
export const powerMonitor = new EventEmitter();
export const dialog = {
  showErrorBox: (title, content) => record('dialog.showErrorBox', title, content),
  showMessageBox: async (options) => (record('dialog.showMessageBox', options.title), { response: 1 }),
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showSaveDialog: async () => ({ canceled: true }),
};
export const session = {
  defaultSession: {
    setPermissionRequestHandler: () => record('session.setPermissionRequestHandler'),
    setPermissionCheckHandler: () => record('session.setPermissionCheckHandler'),
    webRequest: { onHeadersReceived: () => record('session.onHeadersReceived') },
  },
};

// The test drives the app: ready, and Electron's events with their arguments.
process.on('message', (message) => {
  if (message.ready) readyResolve();
  if (message.emit === 'open-file') app.emit('open-file', { preventDefault() {} }, message.path);
  else if (message.emit === 'second-instance') app.emit('second-instance', {}, message.argv, message.cwd);
  else if (message.emit === 'quit') app.quit();
});

export default { app, ipcMain, BrowserWindow, Tray, Menu, nativeImage, Notification, powerMonitor, dialog, session };
