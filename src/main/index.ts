// The Electron entry point: runs the same core as `airlock serve` inside the app, serves the app
// API to its window over IPC, opens the window and notifies the person of held calls. The tray is
// still to come.
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, Notification } from 'electron';
import { resolveDataDir } from './adapters/files/data-dir';
import { mountIpcApi, trustedRendererCheck } from './adapters/electron/ipc-api';
import { notifyHeldCalls } from './adapters/electron/held-call-notifier';
import { createMainWindow } from './adapters/electron/main-window';
import { streamLogger } from './adapters/log/stream-logger';
import { startRuntime, type Runtime } from './runtime';

let runtime: Runtime | undefined;
let unmountIpcApi: (() => void) | undefined;
let stopNotifier: (() => void) | undefined;
const windowOptions = { mainDir: __dirname, rendererUrl: process.env.ELECTRON_RENDERER_URL };

async function main(): Promise<void> {
  await app.whenReady();
  runtime = await startRuntime({
    dataDir: resolveDataDir({ env: process.env }),
    logger: streamLogger(process.stderr),
  });
  // The runtime's logger redacts every line; the IPC adapter logs failed commands' errors.
  const { logger } = runtime;
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
  const started = runtime;
  stopNotifier = notifyHeldCalls({
    Notification,
    subscribe: (listener) => started.api.subscribe(listener),
    enabled: () => started.settings().notifications,
    openPending: showWindow,
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(windowOptions);
  });
}

/** Brings the window up (making it again if it was closed); it opens on Pending. */
function showWindow(): void {
  const window = BrowserWindow.getAllWindows()[0] ?? createMainWindow(windowOptions);
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

app.on('window-all-closed', () => {
  // A tray app keeps guarding calls with no window open; only quitting stops the proxy.
});
app.on('before-quit', () => {
  unmountIpcApi?.();
  unmountIpcApi = undefined;
  stopNotifier?.();
  stopNotifier = undefined;
  void runtime?.close();
});

void main();
