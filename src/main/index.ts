// The Electron entry point: runs the same core as `airlock serve` inside the app, serves the app
// API to its window over IPC and opens the window. Tray and notifications are still to come.
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { resolveDataDir } from './adapters/files/data-dir';
import { mountIpcApi, trustedRendererCheck } from './adapters/electron/ipc-api';
import { createMainWindow } from './adapters/electron/main-window';
import { streamLogger } from './adapters/log/stream-logger';
import { startRuntime, type Runtime } from './runtime';

let runtime: Runtime | undefined;
let unmountIpcApi: (() => void) | undefined;
const windowOptions = { mainDir: __dirname, rendererUrl: process.env.ELECTRON_RENDERER_URL };

async function main(): Promise<void> {
  await app.whenReady();
  const logger = streamLogger(process.stderr);
  runtime = await startRuntime({ dataDir: resolveDataDir({ env: process.env }), logger });
  logger.info(`Airlock listening on ${runtime.url}`);
  // Only what createMainWindow loads may call: its dev server, or else the built index.html.
  unmountIpcApi = mountIpcApi({
    ipcMain,
    dispatcher: runtime.api,
    isTrustedSender: trustedRendererCheck({
      rendererFile: join(windowOptions.mainDir, '../renderer/index.html'),
      devUrl: windowOptions.rendererUrl,
    }),
    logger,
  });
  createMainWindow(windowOptions);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(windowOptions);
  });
}

app.on('window-all-closed', () => {
  // A tray app keeps guarding calls with no window open; only quitting stops the proxy.
});
app.on('before-quit', () => {
  unmountIpcApi?.();
  unmountIpcApi = undefined;
  void runtime?.close();
});

void main();
