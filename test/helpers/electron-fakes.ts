// Fakes of the parts of Electron that the shell's modules use, kept in one place (Electron's
// binary cannot run here): each records what the module did with it for the test to check. The
// desktop end-to-end tests use the fuller emulation under test/desktop/harness/electron instead.
import { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import { vi } from 'vitest';
import type {
  NotificationLike,
  NotificationOptions,
} from '../../src/main/adapters/electron/held-call-notifier';
import type { TrayState } from '../../src/main/adapters/electron/tray';

/** Electron's Tray, recording its image, tooltip and menu; `item` finds a menu item by label. */
export class FakeTray {
  /** Every tray made, as the entry point makes its own. */
  static all: FakeTray[] = [];
  image?: string;
  tooltip = '';
  menu: MenuItemConstructorOptions[] = [];
  destroyed = false;
  clicked?: () => void;
  constructor() {
    FakeTray.all.push(this);
  }
  setImage(image: NativeImage) {
    this.image = (image as unknown as { state: TrayState }).state;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setContextMenu(menu: unknown) {
    this.menu = menu as MenuItemConstructorOptions[];
  }
  on(_event: 'click', listener: () => void) {
    this.clicked = listener;
    return this;
  }
  destroy() {
    this.destroyed = true;
  }
  item(label: string | RegExp): MenuItemConstructorOptions {
    const found = this.menu.find((item) =>
      typeof label === 'string' ? item.label === label : label.test(item.label ?? ''),
    );
    if (!found) throw new Error(`no menu item ${label}: ${this.labels().join(' | ')}`);
    return found;
  }
  labels(): string[] {
    return this.menu.map((item) => item.label ?? `(${item.type})`);
  }
}

/** Electron's Notification, recording what would be on the desktop; `click` and `action` act as the person. */
export class FakeNotification implements NotificationLike {
  static supported = true;
  static all: FakeNotification[] = [];
  static isSupported() {
    return FakeNotification.supported;
  }
  visible = false;
  private readonly listeners = new Map<string, (...args: never[]) => void>();
  constructor(readonly options: NotificationOptions) {
    FakeNotification.all.push(this);
  }
  show() {
    this.visible = true;
  }
  close() {
    this.visible = false;
  }
  on(event: string, listener: (...args: never[]) => void) {
    this.listeners.set(event, listener);
    return this;
  }
  click() {
    (this.listeners.get('click') as () => void)?.();
  }
  /** As Electron 45 reports a button: its index in the event's details. */
  action(index: number) {
    (this.listeners.get('action') as (details: unknown, index: number) => void)?.(
      { actionIndex: index },
      index,
    );
  }
}

type Listener = (...args: unknown[]) => unknown;

/** Electron's ipcMain: one handler per channel, as Electron enforces. */
export class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

let nextId = 1;

/** A window's webContents: what was sent to it, and whether it is destroyed. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  destroyed = false;
  readonly sent: unknown[][] = [];
  constructor(public mainFrame: FakeFrame) {
    super();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push(args);
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export function topFrame(url: string): FakeFrame {
  return { url, parent: null };
}

/** Electron's BrowserWindow, recording its options, what it loads and its handlers. */
export class FakeWindow {
  /** Every window made since the last `FakeWindow.created.length = 0`. */
  static created: FakeWindow[] = [];
  static getAllWindows() {
    return FakeWindow.created;
  }
  readonly handlers = new Map<string, (...args: unknown[]) => void>();
  readonly once = vi.fn();
  windowOpenHandler?: (details: { url: string }) => { action: string };
  loaded?: string;
  scripts: string[] = [];
  shown = 0;
  focused = 0;
  constructor(readonly options: Record<string, unknown>) {
    FakeWindow.created.push(this);
  }
  webContents = {
    on: (event: string, handler: (...args: unknown[]) => void) => this.handlers.set(event, handler),
    setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => {
      this.windowOpenHandler = handler;
    },
    executeJavaScript: async (code: string) => this.scripts.push(code),
  };
  loadURL(url: string) {
    this.loaded = url;
    return Promise.resolve();
  }
  isMinimized = () => false;
  restore() {}
  show() {
    this.shown++;
  }
  focus() {
    this.focused++;
  }
}

/** Electron's app, as far as the login item uses it: its login-item settings. */
export function fakeApp() {
  const set: unknown[] = [];
  let openAtLogin = false;
  return {
    set,
    app: {
      getLoginItemSettings: () => ({ openAtLogin }) as never,
      setLoginItemSettings: (settings: { openAtLogin?: boolean }) => {
        set.push(settings);
        openAtLogin = settings.openAtLogin ?? false;
      },
    },
  };
}
