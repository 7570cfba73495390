// The Electron entry point: runs the same core as `airlock serve` inside the app, and around it
// the desktop: the window (over IPC, its pages from app://airlock/), the tray, notifications for
// held calls, the app menu and the log file. One instance per machine; a failure to start shows
// a dialog instead of leaving an invisible process; quitting waits for the core to close, so held
// calls are refused and told why and the history is on disk before the process ends.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  protocol,
  session,
  shell,
  Tray,
} from 'electron';
import { resolveDataDir } from './adapters/files/data-dir';
import { appCommands } from './adapters/electron/app-commands';
import { appMenuTemplate } from './adapters/electron/app-menu';
import { registerAppScheme, serveRenderer } from './adapters/electron/app-protocol';
import { notifyHeldCalls } from './adapters/electron/held-call-notifier';
import { mountIpcApi, trustedRendererCheck } from './adapters/electron/ipc-api';
import { HIDDEN_FLAG, loginItem, xdgAutostartDir } from './adapters/electron/login-item';
import { adoptLoginShellPath } from './adapters/electron/login-shell-path';
import {
  createMainWindow,
  refusePermissions,
  showOnScreen,
  type Screen,
} from './adapters/electron/main-window';
import { explainStartupFailure } from './adapters/electron/startup-failure';
import { startTray, type TrayState } from './adapters/electron/tray';
import { fileLogger, LOG_FILE } from './adapters/log/file-logger';
import { redactingLogger } from './adapters/log/redacting-logger';
import { systemTimers, type Logger } from './core/ports';
import { createRedactor } from './core/redaction/redactor';
import { errorMessage } from '../shared/error-message';
import { startRuntime, type Runtime } from './runtime';

/** Windows shows notifications only for an app with an AppUserModelID (electron-builder's appId). */
const APP_USER_MODEL_ID = 'dev.airlock.app';

// A privileged scheme must be registered before the app is ready.
registerAppScheme(protocol);

/** Started at login: guard from the tray, without a window, until the person opens one. */
const startHidden = process.argv.includes(HIDDEN_FLAG);
/** The dev server, under `electron-vite dev` only: a packaged app loads nothing but its own files. */
const devUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL || undefined;

let runtime: Runtime | undefined;
/** Undoes what the desktop set up around the core, newest first, on the way out. */
const stops: (() => void)[] = [];
let quitting: 'no' | 'closing' | 'done' = 'no';

if (!app.requestSingleInstanceLock()) {
  // Another Airlock app runs: it brings its window up ('second-instance'); this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => showWindow('pending'));
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  // A tray app keeps guarding calls with no window open; only quitting stops the proxy.
  app.on('window-all-closed', () => {});
  app.on('activate', () => showWindow('pending'));
  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    // Electron would end the process without waiting for anything started here: hold the quit
    // until the core has closed, then quit again.
    event.preventDefault();
    if (quitting === 'closing') return;
    quitting = 'closing';
    void shutDown().finally(() => {
      quitting = 'done';
      app.quit();
    });
  });
  void main();
}

async function main(): Promise<void> {
  await app.whenReady();
  const dataDir = resolveDataDir({ env: process.env });
  mkdirSync(dataDir, { recursive: true });
  const log = fileLogger(dataDir, { echo: (line) => process.stderr.write(line) });
  // Until the runtime's redaction (with the user's rules) is in place, the built-in rules.
  const earlyLog = redactingLogger(log, createRedactor());
  // Opened from Finder or a launcher, the app lacks the login shell's PATH, where npx and uvx are.
  await adoptLoginShellPath({ logger: earlyLog });
  try {
    runtime = await startRuntime({
      dataDir,
      logger: log,
      // Under Electron, history.sqlite opens through SQLite's Electron build (native-binding.ts).
      electronApp: {
        isPackaged: app.isPackaged,
        appPath: app.getAppPath(),
        ...(app.isPackaged ? { resourcesPath: process.resourcesPath } : {}),
      },
    });
  } catch (error) {
    return failToStart(error, dataDir, earlyLog);
  }
  const started = runtime;
  // The runtime's logger redacts every line; the adapters below log through it.
  const { logger } = started;
  logger.info(`Airlock listening on ${started.url}`);

  refusePermissions(session.defaultSession);
  stops.push(serveRenderer(protocol, join(__dirname, '../renderer'), logger));
  // Only the pages the window loads may call: app://airlock/, or the dev server in development.
  stops.push(
    mountIpcApi({
      ipcMain,
      dispatcher: started.api,
      isTrustedSender: trustedRendererCheck({ devUrl }),
      logger,
    }),
  );
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate({
        platform: process.platform,
        packaged: app.isPackaged,
        openDataFolder: () => void shell.openPath(dataDir),
        openLog: () => void shell.openPath(join(dataDir, LOG_FILE)),
      }),
    ),
  );
  if (!startHidden) showWindow('pending');

  const commands = appCommands(started.api);
  stops.push(
    notifyHeldCalls({
      Notification,
      subscribe: (listener) => started.api.subscribe(listener),
      enabled: () => started.settings().notifications,
      sound: () => started.settings().notificationSound,
      // Notification buttons exist on macOS and, for an app with an AppUserModelID, in Windows
      // toasts; elsewhere (Linux) a click opens Pending.
      actions: process.platform === 'darwin' || process.platform === 'win32',
      decide: (id, decision) => commands('approvals.decide', { id, decision }),
      openPending: () => showWindow('pending'),
      timers: systemTimers,
      logger,
    }),
  );
  const tray = await startTray({
    createTray: (image) => new Tray(image),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    icon: trayIcon,
    commands,
    subscribe: (listener) => started.api.subscribe(listener),
    loginItem: loginItem({
      app,
      platform: process.platform,
      execPath: process.env.APPIMAGE ?? process.execPath,
      autostartDir: xdgAutostartDir(process.env, homedir()),
    }),
    openPending: () => showWindow('pending'),
    openWindow: () => showWindow('pending'),
    quit: () => app.quit(),
    logger,
  });
  stops.push(() => tray.stop());
}

/** The window, brought up on a screen; made again if it was closed. Nothing before the core runs. */
function showWindow(screen: Screen): void {
  if (!runtime) return;
  const existing = BrowserWindow.getAllWindows()[0];
  if (existing) return showOnScreen(existing, screen);
  createMainWindow({
    BrowserWindow,
    mainDir: __dirname,
    devUrl,
    openExternal: (url) => void shell.openExternal(url),
    screen,
  });
}

/** resources/tray/<state>.png, or the template image macOS tints for light and dark menu bars. */
function trayIcon(state: TrayState) {
  const name = `${state}${process.platform === 'darwin' ? 'Template' : ''}.png`;
  return nativeImage.createFromPath(join(app.getAppPath(), 'resources', 'tray', name));
}

/** A dialog that says what went wrong and what to do, the same in the log, and a non-zero exit. */
function failToStart(error: unknown, dataDir: string, logger: Logger): void {
  const failure = explainStartupFailure(error, dataDir);
  logger.error(`${failure.title}: ${errorMessage(error)}`, {
    stack: error instanceof Error ? error.stack : undefined,
  });
  dialog.showErrorBox(failure.title, failure.message);
  app.exit(1);
}

async function shutDown(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) {
    try {
      stop();
    } catch (error) {
      runtime?.logger.warn('could not stop part of the desktop shell', {
        error: errorMessage(error),
      });
    }
  }
  try {
    // Held calls are refused ("Airlock stopped") while their agents can still hear it, and the
    // history's last batch is written.
    await runtime?.close();
  } catch (error) {
    runtime?.logger.error('could not close Airlock cleanly', { error: errorMessage(error) });
  }
}
