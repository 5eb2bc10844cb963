// Electron main process entry: deliberately thin. It wires Electron's objects to the plain modules beside it
// (app-controller, main-window, notifier, bridge-main, security, tray-menu, tray-icons, preferences), which take
// them as parameters and are tested under Node without Electron's binary; test/e2e/main-entry.test.ts boots this
// file itself on a stand-in `electron`. Runs as the user, unprivileged: the helper does the rest.
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  ipcMain,
  nativeImage,
  powerMonitor,
  session,
} from 'electron';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppController } from './app-controller.js';
import { registerBridge } from './bridge-main.js';
import { HelperConnection } from './helper-connection.js';
import { HelperServiceOffer, stageAppDirectory, unstageAppDirectory } from './helper-service-offer.js';
import { runToEnd } from './pkexec.js';
import { importPathsFromArgv } from './import-export.js';
import { fflateZip } from './zip-codec.js';
import { readImportFile, writeExportFile } from './user-files.js';
import { MainWindow } from './main-window.js';
import { Notifier } from './notifier.js';
import { HIDDEN_ARG, setStartAtLogin } from './preferences.js';
import { hardenSession, hardenWebContents, rendererCspProblems, trustedSender, windowOptions } from './security.js';
import { strings } from './strings.js';
import { trayIconPng } from './tray-icons.js';
import { type TrayIcon, trayIcon, trayMenuTemplate, trayTooltip } from './tray-menu.js';

const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const PAGE = fileURLToPath(new URL('../../renderer/dist/index.html', import.meta.url));

let tray: Tray | null = null;

const window = new MainWindow({
  create: () => new BrowserWindow(windowOptions(PRELOAD)),
  page: PAGE,
  pageProblems: () => rendererCspProblems(readPage()),
  refuse: (problems) => dialog.showErrorBox(strings.dialog.windowFailed, problems.join('\n')),
  closeAction: () => controller.preferences.closeWindow,
  quit: () => app.quit(),
  log: (message) => console.error(`warren: ${message}`),
});

const notifier = new Notifier({
  create: (options) => (Notification.isSupported() ? new Notification(options) : null),
  show: (request) => window.show(request),
});

const helper = new HelperConnection();
const controller = new AppController({
  helper,
  power: powerMonitor,
  zip: fflateZip,
  preferencesPath: join(app.getPath('userData'), 'preferences.json'),
  shell: {
    async chooseImportPaths() {
      const result = await dialog.showOpenDialog({
        title: strings.dialog.importTitle,
        properties: ['openFile', 'multiSelections'],
        filters: [{ name: strings.dialog.importFilter, extensions: ['conf', 'zip'] }],
      });
      return result.canceled ? [] : result.filePaths;
    },
    async chooseExportPath(suggested) {
      const zip = suggested.endsWith('.zip');
      const result = await dialog.showSaveDialog({
        title: zip ? strings.dialog.exportAllTitle : strings.dialog.exportOneTitle,
        defaultPath: suggested,
        filters: [
          zip
            ? { name: strings.dialog.zipFilter, extensions: ['zip'] }
            : { name: strings.dialog.confFilter, extensions: ['conf'] },
        ],
      });
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    readFile: readImportFile,
    writeFile: writeExportFile,
    notify: (notice) => notifier.notify(notice),
    setStartAtLogin: (enabled) =>
      setStartAtLogin(enabled, {
        platform: process.platform,
        setLoginItemSettings: (settings) => app.setLoginItemSettings(settings),
        command: process.env.APPIMAGE || process.execPath,
      }),
    log: (message) => console.error(`warren: ${message}`),
    quit: () => app.quit(),
  },
});

// An AppImage has no maintainer scripts: when no helper answers, offer to install the service (pkexec).
const serviceOffer = new HelperServiceOffer({
  appImage: process.env.APPIMAGE,
  appDirectory: dirname(process.execPath),
  user: userInfo().username,
  ask: async (question) =>
    (
      await dialog.showMessageBox({
        type: 'question',
        title: question.title,
        message: question.message,
        detail: question.detail,
        buttons: question.buttons,
        defaultId: 0,
        cancelId: 1,
      })
    ).response === 0,
  inform: async (kind, message, detail) => {
    await dialog.showMessageBox({ type: kind, title: strings.dialog.helperTitle, message, detail });
  },
  stage: (directory) => stageAppDirectory(directory),
  unstage: unstageAppDirectory,
  run: runToEnd,
  retry: () => void helper.retryNow(),
});

function readPage(): string {
  try {
    return readFileSync(PAGE, 'utf8');
  } catch (error) {
    return `<!-- ${(error as Error).message} -->`;
  }
}

async function importAndReport(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const results = await controller.importPaths(paths);
  window.show();
  window.send('imported', results);
}

const icons = new Map<TrayIcon, Electron.NativeImage>();
function iconFor(icon: TrayIcon): Electron.NativeImage {
  let image = icons.get(icon);
  if (!image) icons.set(icon, (image = nativeImage.createFromBuffer(trayIconPng(icon))));
  return image;
}

function updateTray(): void {
  if (!tray) return;
  const state = controller.state;
  tray.setImage(iconFor(trayIcon(state)));
  tray.setToolTip(trayTooltip(state));
  tray.setContextMenu(
    Menu.buildFromTemplate(
      trayMenuTemplate(state, {
        setTunnel: (name, on) =>
          void controller
            .setTunnel(name, on)
            .catch((error: Error) => console.error(`warren: ${name}: ${error.message}`)),
        openWindow: () => window.show(),
        openPreferences: () => window.show({ view: 'preferences' }),
        exportAll: () => void controller.exportAllFromTray(),
        reconnect: () => void controller.handlers.reconnect(),
        quit: () => app.quit(),
      }),
    ),
  );
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const paths = importPathsFromArgv(argv.slice(1), workingDirectory);
    if (paths.length > 0) void importAndReport(paths);
    else window.show();
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    void app.whenReady().then(() => importAndReport([path]));
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  // The tray stays when the window is gone.
  app.on('window-all-closed', () => {});
  app.on('before-quit', () => {
    window.quitting();
    controller.stop();
  });

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession);
    registerBridge(
      ipcMain,
      controller.handlers,
      trustedSender(() => window.contents, PAGE),
    );
    controller.onState((state) => {
      void serviceOffer.consider(state.connection);
      updateTray();
      window.send('state', state);
    });
    tray = new Tray(iconFor('connecting'));
    updateTray();
    await controller.start();
    if (!process.argv.includes(HIDDEN_ARG)) window.show();
    await importAndReport(importPathsFromArgv(process.argv.slice(1), process.cwd()));
  });
}
