// The Electron entry point: runs the same core as `airlock serve` inside the app and opens the
// window. Tray, notifications and IPC arrive with the app API.
import { app, BrowserWindow } from 'electron';
import { resolveDataDir } from './adapters/files/data-dir';
import { createMainWindow } from './adapters/electron/main-window';
import { streamLogger } from './adapters/log/stream-logger';
import { startRuntime, type Runtime } from './runtime';

let runtime: Runtime | undefined;
const windowOptions = { mainDir: __dirname, rendererUrl: process.env.ELECTRON_RENDERER_URL };

async function main(): Promise<void> {
  await app.whenReady();
  const logger = streamLogger(process.stderr);
  runtime = await startRuntime({ dataDir: resolveDataDir({ env: process.env }), logger });
  logger.info(`Airlock listening on ${runtime.url}`);
  createMainWindow(windowOptions);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(windowOptions);
  });
}

app.on('window-all-closed', () => {
  // A tray app keeps guarding calls with no window open; only quitting stops the proxy.
});
app.on('before-quit', () => void runtime?.close());

void main();
