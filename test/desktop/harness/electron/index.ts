// The fake `electron` module the harness's loader hands the app (see ../register-electron.mjs):
// every name Electron 45's main process exports, the emulated ones from their modules and the
// rest as objects whose every use throws "not emulated: electron.<name>.<property>".
import { strictApp, app } from './app';
import { strictBrowserWindow } from './browser-window';
import { connectControl } from './control';
import { dialog } from './dialog';
import { strictIpcMain } from './ipc-main';
import { strictMenu, strictMenuItem } from './menu';
import { nativeImage } from './native-image';
import { strictNotification } from './notification';
import { net, protocol, session } from './protocol';
import { screen, shell } from './shell';
import { missingModule } from './strict';
import { strictTray } from './tray';
import { webContents } from './browser-window';

const NOT_EMULATED = [
  'autoUpdater',
  'BaseWindow',
  'BrowserView',
  'clipboard',
  'ClipboardItem',
  'contentTracing',
  'crashReporter',
  'desktopCapturer',
  'globalShortcut',
  'ImageView',
  'inAppPurchase',
  'IpcMainServiceWorker',
  'MessageChannelMain',
  'nativeTheme',
  'netLog',
  'powerMonitor',
  'powerSaveBlocker',
  'pushNotifications',
  'safeStorage',
  'ShareMenu',
  'sharedTexture',
  'systemPreferences',
  'TouchBar',
  'utilityProcess',
  'View',
  'WebContentsView',
  'webFrameMain',
  'WebSocket',
] as const;

const electron: Record<string, unknown> = {
  app: strictApp,
  BrowserWindow: strictBrowserWindow,
  dialog,
  ipcMain: strictIpcMain,
  Menu: strictMenu,
  MenuItem: strictMenuItem,
  nativeImage,
  net,
  Notification: strictNotification,
  protocol,
  screen,
  session,
  shell,
  Tray: strictTray,
  webContents,
};
for (const name of NOT_EMULATED) electron[name] = missingModule(name);

/** Every export name, for the loader's module source. */
export const exportNames = Object.keys(electron);

/** Called by the loader's module when the app imports electron: ready follows its main script. */
export function appImported(): void {
  app._scheduleReady();
}

// The test process going away is the end of the app, as if its launcher killed it.
connectControl(() => process.exit(1));

export default electron;
