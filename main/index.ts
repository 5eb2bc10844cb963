// Electron main process entry: deliberately thin. The logic behind it lives in plain modules that take the
// Electron APIs they need as parameters, so it is tested under Node without Electron's binary.
import { BrowserWindow, app } from 'electron';
import { fileURLToPath } from 'node:url';

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.whenReady().then(() => {
    const window = new BrowserWindow({
      width: 900,
      height: 640,
      minWidth: 800,
      minHeight: 600,
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
    });
    window.loadFile(fileURLToPath(new URL('../../renderer/dist/index.html', import.meta.url)));
  });
}
