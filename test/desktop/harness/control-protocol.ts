// The messages between a DesktopApp (the test process) and the fake `electron` inside the app's
// process, one JSON object per line on the child's fd 3, and the state snapshot the fake reports.
// Both sides import this file; it holds types and constants only.

/** The child's file descriptor the control channel uses (stdin, stdout and stderr stay the app's). */
export const CONTROL_FD = 3;

/** Environment variable that carries the harness's options into the app's process (JSON). */
export const OPTIONS_ENV = 'AIRLOCK_ELECTRON_HARNESS';

export type HarnessPlatform = 'linux' | 'darwin' | 'win32';

/** What the DesktopApp tells the fake before the app's code runs. */
export interface HarnessOptions {
  /** process.platform as the app sees it (default: the real one). Node's own APIs do not follow. */
  platform?: HarnessPlatform;
  /** app.isPackaged. */
  isPackaged?: boolean;
  /** Notification.isSupported(). */
  notificationsSupported?: boolean;
  /** Answers for message boxes, used in order as they open (see DialogAnswer). */
  dialogAnswers?: DialogAnswer[];
  /** Where the Chromium profile goes (a folder the DesktopApp removes). */
  scratchDir: string;
  /** The Chromium to run and its arguments (test/helpers/chromium.ts). */
  chromiumPath: string;
  chromiumArgs: string[];
}

export interface DialogAnswer {
  response: number;
  checkboxChecked?: boolean;
}

/** JSON-safe copy of a value the app passed in (functions, images and windows are described). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ImageState {
  /** The path given to createFromPath or to a Tray, if any. */
  path?: string;
  /** Whether that path named an existing file when the image was made. */
  exists: boolean;
  /** True when Electron would have no picture: a missing file, or one it cannot decode. */
  empty: boolean;
  template: boolean;
  width: number;
  height: number;
}

export interface MenuItemState {
  label: string;
  type: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio' | 'header' | 'palette';
  role?: string;
  id?: string;
  checked: boolean;
  enabled: boolean;
  visible: boolean;
  accelerator?: string;
  sublabel?: string;
  toolTip?: string;
  /** Whether a click listener is attached (or the role does something). */
  clickable: boolean;
  submenu?: MenuState;
}

export interface MenuState {
  items: MenuItemState[];
}

export interface WindowState {
  /** BrowserWindow.id */
  id: number;
  webContentsId: number;
  /** The constructor options, made JSON-safe. */
  options: Json;
  /** webContents.getURL(), as the app sees it (app:// and file:// URLs, not the harness's). */
  url: string;
  title: string;
  visible: boolean;
  focused: boolean;
  minimized: boolean;
  maximized: boolean;
  fullScreen: boolean;
  destroyed: boolean;
  devToolsOpened: boolean;
  /** Every URL given to loadURL / loadFile, in order. */
  loads: string[];
  /** How many times the app called show() / focus() on it. */
  shows: number;
  focuses: number;
  /** Chromium's target id of its page, once it has one (DesktopApp.page uses it). */
  targetId?: string;
  /** Whether the app set a window open handler / a will-navigate listener. */
  windowOpenHandler: boolean;
  /** URLs the page tried to open or navigate to, with what the app decided. */
  navigations: { url: string; kind: 'navigate' | 'open'; allowed: boolean }[];
}

export interface NotificationState {
  /** The harness's number for it, in creation order from 0. */
  id: number;
  options: Json;
  title: string;
  subtitle: string;
  body: string;
  silent: boolean;
  actions: { type: string; text?: string }[];
  hasReply: boolean;
  /** show() was called and it was not closed since. */
  shown: boolean;
  /** close() was called, or the person dismissed it. */
  closed: boolean;
  /** Events the app listens to on it. */
  listeners: string[];
}

export interface TrayState {
  id: number;
  image: ImageState;
  pressedImage?: ImageState;
  toolTip: string;
  title: string;
  menu: MenuState | null;
  destroyed: boolean;
  listeners: string[];
}

export interface DialogState {
  id: number;
  kind: 'errorBox' | 'messageBox' | 'messageBoxSync';
  /** The window it is modal to, if any. */
  window?: number;
  title: string;
  message: string;
  detail: string;
  buttons: string[];
  options: Json;
  /** How it was answered; undefined while it is open (an unanswered showMessageBox). */
  answer?: DialogAnswer;
}

export interface HarnessState {
  platform: HarnessPlatform;
  ready: boolean;
  /** App events the fake emitted, in order ('ready', 'before-quit', ...), with windows' closes. */
  appEvents: string[];
  app: {
    name: string;
    version: string;
    isPackaged: boolean;
    appUserModelId?: string;
    userData: string;
    /** The last setLoginItemSettings, as getLoginItemSettings reports it (all false on Linux). */
    loginItem: Json;
    loginItemCalls: Json[];
    singleInstance: 'not requested' | 'held' | 'refused' | 'released';
    badgeCount: number;
  };
  windows: WindowState[];
  notifications: NotificationState[];
  trays: TrayState[];
  applicationMenu: MenuState | null;
  dialogs: DialogState[];
  shell: { method: string; args: Json[] }[];
  protocol: { privileged: Json[]; handled: string[] };
  session: { permissionRequestHandler: boolean; permissionCheckHandler: boolean };
  ipcMain: { handlers: string[]; listeners: string[] };
  /** The Chromium the windows are pages of, once the first window made it start. */
  browser?: { cdpUrl: string };
  /**
   * What went wrong that the app may not have noticed: renderer console errors and page errors,
   * preloads that failed, unhandled rejections in the main process, protocol handler failures.
   */
  problems: string[];
}

/** Where a menu is: the application menu, a tray's context menu, or a menu popped up last. */
export type MenuTarget = 'application' | { tray: number } | 'popup';

export type Request =
  | { op: 'state' }
  | { op: 'quit' }
  | { op: 'clickMenuItem'; menu: MenuTarget; path: string[] }
  | { op: 'notification'; id: number; event: 'click' | 'close' }
  | { op: 'notificationAction'; id: number; index: number }
  | { op: 'notificationReply'; id: number; reply: string }
  | { op: 'tray'; id: number; event: 'click' | 'right-click' | 'double-click' | 'middle-click' }
  | { op: 'activate' }
  | { op: 'closeWindow'; id: number }
  | { op: 'answerDialog'; id: number; answer: DialogAnswer }
  | { op: 'queueDialogAnswers'; answers: DialogAnswer[] }
  | {
      op: 'permission';
      kind: 'request' | 'check';
      window: number;
      permission: string;
      details?: Json;
    };

export type ChildMessage =
  | { type: 'hello'; pid: number }
  | { type: 'changed' }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'exit'; code: number; state: HarnessState };

export type ParentMessage = { type: 'request'; id: number; request: Request };
