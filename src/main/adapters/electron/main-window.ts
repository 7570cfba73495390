// The app window, locked down as DESIGN.md's security invariants ask: an isolated, sandboxed
// renderer without Node, showing only Airlock's own pages (app://airlock/, or the dev server under
// `electron-vite dev`), never navigating away, opening no windows and granting no permission.
import { join } from 'node:path';
import type { BrowserWindow, Session } from 'electron';
import { APP_INDEX_URL } from './app-protocol';

export type Screen = 'pending' | 'activity' | 'policies' | 'servers' | 'clients' | 'settings';

export interface MainWindowOptions {
  BrowserWindow: typeof BrowserWindow;
  /** Folder of the built main process; the preload sits beside it. */
  mainDir: string;
  /** The dev server's address under `electron-vite dev`; the caller passes none when packaged. */
  devUrl?: string;
  /** Opens https links in the person's browser. */
  openExternal(url: string): void;
  /** Left hidden (started at login): the tray shows it later. */
  hidden?: boolean;
  screen?: Screen;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new options.BrowserWindow({
    width: 1100,
    height: 720,
    show: false,
    title: 'Airlock',
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
    if (url.startsWith('https://')) options.openExternal(url);
    return { action: 'deny' };
  });
  if (!options.hidden) window.once('ready-to-show', () => window.show());
  const hash = `#/${options.screen ?? 'pending'}`;
  void window.loadURL(`${options.devUrl ?? APP_INDEX_URL}${hash}`);
  return window;
}

/** Brings a window up on a screen, without reloading it (a policy being edited stays). */
export function showOnScreen(window: BrowserWindow, screen: Screen): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  // The renderer follows the address (popstate); a constant script, never text from outside.
  void window.webContents.executeJavaScript(
    `if (location.hash !== '#/${screen}') { location.hash = '#/${screen}'; }`,
  );
}

/**
 * No permission (camera, notifications, clipboard, geolocation…) for any page in the app: the UI
 * needs none, and a page that asks is not one of Airlock's.
 */
export function refusePermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
