// The app window, locked down as DESIGN.md's security invariants ask: an isolated, sandboxed
// renderer without Node, showing only Airlock's own pages.
import { join } from 'node:path';
import { BrowserWindow, shell } from 'electron';

export interface MainWindowOptions {
  /** Folder of the built main process; the preload and renderer sit beside it. */
  mainDir: string;
  /** The dev server's address under `electron-vite dev`; undefined in a packaged build. */
  rendererUrl?: string;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 720,
    show: false,
    webPreferences: {
      preload: join(options.mainDir, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // Navigation away from the app and new windows are refused; https links open in the browser.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.once('ready-to-show', () => window.show());
  if (options.rendererUrl) void window.loadURL(options.rendererUrl);
  else void window.loadFile(join(options.mainDir, '../renderer/index.html'));
  return window;
}
