// The Electron entry point: runs the same core as `airlock serve` inside the app and opens a
// locked-down window. Tray, notifications and IPC arrive with the app API.
import { join } from 'node:path';
import { app, BrowserWindow, shell } from 'electron';
import { resolveDataDir } from './adapters/files/data-dir';
import { streamLogger } from './adapters/log/stream-logger';
import { startRuntime, type Runtime } from './runtime';

export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 720,
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // The window shows only Airlock's own pages: navigation away and new windows are refused.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.once('ready-to-show', () => window.show());
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void window.loadFile(join(__dirname, '../renderer/index.html'));
  return window;
}

let runtime: Runtime | undefined;

async function main(): Promise<void> {
  await app.whenReady();
  const logger = streamLogger(process.stderr);
  runtime = await startRuntime({ dataDir: resolveDataDir({ env: process.env }), logger });
  logger.info(`Airlock listening on ${runtime.url}`);
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
}

app.on('window-all-closed', () => {
  // A tray app keeps guarding calls with no window open; only quitting stops the proxy.
});
app.on('before-quit', () => void runtime?.close());

void main();
