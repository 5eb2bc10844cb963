// Electron main process entry: deliberately thin. It wires Electron's objects to the plain modules beside it
// (app-controller, bridge-main, security, tray-menu, tray-icons, preferences), which take them as parameters
// and are tested under Node without Electron's binary. Runs as the user, unprivileged: the helper does the rest.
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
import { registerBridge, sendEvent } from './bridge-main.js';
import { HelperConnection } from './helper-connection.js';
import { HelperServiceOffer, stageAppDirectory, unstageAppDirectory } from './helper-service-offer.js';
import { runToEnd } from './pkexec.js';
import { importPathsFromArgv } from './import-export.js';
import { fflateZip } from './zip-codec.js';
import { readImportFile, writeExportFile } from './user-files.js';
import { HIDDEN_ARG, setStartAtLogin } from './preferences.js';
import { hardenSession, hardenWebContents, rendererCspProblems, trustedSender, windowOptions } from './security.js';
import { trayIconPng } from './tray-icons.js';
import { type TrayIcon, trayIcon, trayMenuTemplate, trayTooltip } from './tray-menu.js';

const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const PAGE = fileURLToPath(new URL('../../renderer/dist/index.html', import.meta.url));

let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;

const helper = new HelperConnection();
const controller = new AppController({
  helper,
  power: powerMonitor,
  zip: fflateZip,
  preferencesPath: join(app.getPath('userData'), 'preferences.json'),
  shell: {
    async chooseImportPaths() {
      const result = await dialog.showOpenDialog({
        title: 'Import tunnels',
        properties: ['openFile', 'multiSelections'],
        filters: [{ name: 'WireGuard configurations', extensions: ['conf', 'zip'] }],
      });
      return result.canceled ? [] : result.filePaths;
    },
    async chooseExportPath(suggested) {
      const zip = suggested.endsWith('.zip');
      const result = await dialog.showSaveDialog({
        title: zip ? 'Export all tunnels' : 'Export tunnel',
        defaultPath: suggested,
        filters: [
          zip
            ? { name: 'Zip archive', extensions: ['zip'] }
            : { name: 'WireGuard configuration', extensions: ['conf'] },
        ],
      });
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    readFile: readImportFile,
    writeFile: writeExportFile,
    notify(notice) {
      if (Notification.isSupported()) new Notification({ title: notice.title, body: notice.body, silent: true }).show();
    },
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
    await dialog.showMessageBox({ type: kind, title: 'Warren helper', message, detail });
  },
  stage: (directory) => stageAppDirectory(directory),
  unstage: unstageAppDirectory,
  run: runToEnd,
  retry: () => void helper.retryNow(),
});

function showWindow(): void {
  if (window) {
    window.show();
    window.focus();
    return;
  }
  const problems = rendererCspProblems(readPage());
  if (problems.length > 0) {
    dialog.showErrorBox('Warren cannot open its window', problems.join('\n'));
    return;
  }
  window = new BrowserWindow(windowOptions(PRELOAD));
  window.once('ready-to-show', () => window?.show());
  window.on('close', (event) => {
    // To the tray; Quit (tray menu, or the app's quit) really closes.
    if (quitting) return;
    event.preventDefault();
    window?.hide();
  });
  window.on('closed', () => (window = null));
  void window.loadFile(PAGE);
}

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
  showWindow();
  sendEvent(window?.webContents ?? null, 'imported', results);
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
        openWindow: showWindow,
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
    else showWindow();
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    void app.whenReady().then(() => importAndReport([path]));
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  // The tray stays when the window is gone.
  app.on('window-all-closed', () => {});
  app.on('before-quit', () => {
    quitting = true;
    controller.stop();
  });

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession);
    registerBridge(
      ipcMain,
      controller.handlers,
      trustedSender(() => window?.webContents, PAGE),
    );
    controller.onState((state) => {
      void serviceOffer.consider(state.connection);
      updateTray();
      sendEvent(window?.webContents ?? null, 'state', state);
    });
    tray = new Tray(iconFor('connecting'));
    updateTray();
    await controller.start();
    if (!process.argv.includes(HIDDEN_ARG)) showWindow();
    await importAndReport(importPathsFromArgv(process.argv.slice(1), process.cwd()));
  });
}
