// The fake `app`: ready, Electron's quit sequence (before-quit, windows close, will-quit, quit, and
// then the process ends at once, without waiting for anything the app started), paths under the
// DesktopApp's temporary home, the single-instance lock across processes, login items, and the
// app events a test emits (activate, second-instance).
import { EventEmitter } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  watch,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Json } from '../control-protocol';
import { changed, onRequest, options, platform, problem, reportState } from './control';
import { electronEvent, emitNative, onlyEmulatedEvents } from './events';
import { toJson } from './json';
import { strict, notEmulated, missingMethod } from './strict';
import { allWindows, allWindowsClosed } from './browser-window';
import { dialog } from './dialog';
import { installDefaultMenu, Menu } from './menu';

/** App events the fake emitted, in order, for the state snapshot. */
const appEvents: string[] = [];
export function recordAppEvent(name: string): void {
  appEvents.push(name);
  changed();
}

/** The app's package.json, found upward from its entry, as Electron finds the app's. */
function findPackage(): { dir: string; json: Record<string, unknown> } {
  let dir = dirname(resolve(process.argv[1] ?? '.'));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      return { dir, json: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
    }
    const parent = dirname(dir);
    if (parent === dir) return { dir: process.cwd(), json: {} };
    dir = parent;
  }
}

const appPackage = findPackage();

function appDataDir(): string {
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  if (platform === 'win32') return process.env.APPDATA || join(home, 'AppData', 'Roaming');
  const xdg = process.env.XDG_CONFIG_HOME;
  return xdg && isAbsolute(xdg) ? xdg : join(home, '.config');
}

const PATH_NAMES = new Set([
  'home',
  'appData',
  'assets',
  'userData',
  'sessionData',
  'temp',
  'exe',
  'module',
  'desktop',
  'documents',
  'downloads',
  'music',
  'pictures',
  'videos',
  'recent',
  'logs',
  'crashDumps',
]);

type LoginItem = Record<string, Json>;

/** The app events the fake emits ('child-process-gone' never happens: there are no such processes). */
const APP_EVENTS = [
  'will-finish-launching',
  'ready',
  'before-quit',
  'will-quit',
  'quit',
  'window-all-closed',
  'activate',
  'second-instance',
  'browser-window-created',
  'web-contents-created',
  'render-process-gone',
  'child-process-gone',
];

class FakeApp extends EventEmitter {
  private _ready = false;
  private _readyScheduled = false;
  private readonly _readyPromise: Promise<void>;
  private _resolveReady!: () => void;
  private _quitting = false;
  private readonly _paths = new Map<string, string>();
  private _name = String(appPackage.json['productName'] ?? appPackage.json['name'] ?? 'Electron');
  private _lock: SingleInstanceLock | undefined;
  private _lockState: 'not requested' | 'held' | 'refused' | 'released' = 'not requested';
  private readonly _pendingSecondInstances: SecondInstanceMessage[] = [];
  private _loginItem: LoginItem = {};
  private readonly _loginItemCalls: Json[] = [];
  private _appUserModelId: string | undefined;
  private _badge = 0;
  readonly commandLine = strict(
    {
      appendSwitch: (name: string, value?: string) => void this._switches.set(name, value ?? ''),
      appendArgument: () => {},
      hasSwitch: (name: string) => this._switches.has(name),
      getSwitchValue: (name: string) => this._switches.get(name) ?? '',
      removeSwitch: (name: string) => void this._switches.delete(name),
    },
    'app.commandLine',
  );
  private readonly _switches = new Map<string, string>();
  readonly dock = platform === 'darwin' ? makeDock() : undefined;
  readonly runningUnderARM64Translation = false;
  userAgentFallback = 'Mozilla/5.0 (harness)';
  accessibilitySupportEnabled = false;

  constructor() {
    super();
    onlyEmulatedEvents(this, 'app', APP_EVENTS);
    this._readyPromise = new Promise((resolveReady) => (this._resolveReady = resolveReady));
  }

  // --- ready ---

  /** Called when the app first imports electron: ready comes once its main script has run. */
  _scheduleReady(): void {
    if (this._readyScheduled) return;
    this._readyScheduled = true;
    setImmediate(() => {
      emitNative(this, 'will-finish-launching');
      recordAppEvent('will-finish-launching');
      this._ready = true;
      installDefaultMenu();
      recordAppEvent('ready');
      emitNative(this, 'ready', electronEvent(), {});
      this._resolveReady();
      for (const message of this._pendingSecondInstances.splice(0))
        this._emitSecondInstance(message);
    });
  }

  isReady(): boolean {
    return this._ready;
  }

  whenReady(): Promise<void> {
    return this._readyPromise;
  }

  // --- quitting ---

  quit(): void {
    if (this._quitting) return;
    const beforeQuit = electronEvent();
    recordAppEvent('before-quit');
    emitNative(this, 'before-quit', beforeQuit);
    if (beforeQuit.defaultPrevented) return;
    this._quitting = true;
    void this._closeWindowsThenQuit();
  }

  _isQuitting(): boolean {
    return this._quitting;
  }

  private async _closeWindowsThenQuit(): Promise<void> {
    // Electron asks every window to close; one that refuses ('close' prevented) cancels the quit.
    for (const window of allWindows()) {
      if (window.isDestroyed()) continue;
      if (!window._requestClose()) {
        this._quitting = false;
        recordAppEvent(`quit cancelled by window ${window.id}`);
        return;
      }
    }
    await allWindowsClosed();
    const willQuit = electronEvent();
    recordAppEvent('will-quit');
    emitNative(this, 'will-quit', willQuit);
    if (willQuit.defaultPrevented) {
      this._quitting = false;
      return;
    }
    recordAppEvent('quit');
    emitNative(this, 'quit', electronEvent(), 0);
    this._end(0);
  }

  exit(exitCode = 0): void {
    // No before-quit, no will-quit: the windows go at once and so does the process.
    recordAppEvent(`exit ${exitCode}`);
    for (const window of allWindows()) if (!window.isDestroyed()) window.destroy();
    this._end(exitCode);
  }

  /**
   * Ends the process the way Electron's does once its message loop stops: the reactions already
   * queued run, then the process is gone. Nothing the app started and did not await is waited for.
   */
  private _end(code: number): void {
    queueMicrotask(() => process.exit(code));
  }

  relaunch = missingMethod('app.relaunch');

  // --- identity and paths ---

  get name(): string {
    return this._name;
  }
  set name(value: string) {
    this.setName(value);
  }
  getName(): string {
    return this._name;
  }
  setName(name: string): void {
    this._name = String(name);
    changed();
  }
  getVersion(): string {
    return String(appPackage.json['version'] ?? '0.0.0');
  }
  get isPackaged(): boolean {
    return options.isPackaged ?? false;
  }
  getAppPath(): string {
    return appPackage.dir;
  }
  getLocale(): string {
    return 'en-US';
  }
  getSystemLocale(): string {
    return 'en-US';
  }
  getPreferredSystemLanguages(): string[] {
    return ['en-US'];
  }

  getPath(name: string): string {
    const set = this._paths.get(name);
    if (set !== undefined) return set;
    if (!PATH_NAMES.has(name)) throw new Error(`Failed to get '${name}' path`);
    switch (name) {
      case 'home':
        return homedir();
      case 'appData':
        return appDataDir();
      case 'userData':
        return join(this.getPath('appData'), this._name);
      case 'sessionData':
        return this.getPath('userData');
      case 'temp':
        return tmpdir();
      case 'exe':
        return process.execPath;
      case 'module':
        return process.execPath;
      case 'logs':
        return platform === 'darwin'
          ? join(homedir(), 'Library', 'Logs', this._name)
          : join(this.getPath('userData'), 'logs');
      case 'crashDumps':
        return join(this.getPath('userData'), 'Crashpad');
      case 'assets':
        return appPackage.dir;
      case 'recent':
        if (platform !== 'win32') throw new Error(`Failed to get '${name}' path`);
        return join(this.getPath('appData'), 'Microsoft', 'Windows', 'Recent');
      default:
        return join(homedir(), name.charAt(0).toUpperCase() + name.slice(1));
    }
  }

  setPath(name: string, path: string): void {
    if (!isAbsolute(path)) throw new Error(`Path must be absolute: ${path}`);
    this._paths.set(name, path);
    changed();
  }

  setAppLogsPath(path?: string): void {
    this._paths.set('logs', path ?? join(this.getPath('userData'), 'logs'));
  }

  setAppUserModelId(id: string): void {
    this._appUserModelId = String(id);
    changed();
  }

  setDesktopName(): void {}

  // --- single instance ---

  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    if (this._lock) return true;
    const result = SingleInstanceLock.acquire(this.getPath('userData'), additionalData, (m) =>
      this._ready ? this._emitSecondInstance(m) : this._pendingSecondInstances.push(m),
    );
    if (result === 'refused') {
      this._lockState = 'refused';
      changed();
      return false;
    }
    this._lock = result;
    this._lockState = 'held';
    changed();
    return true;
  }

  hasSingleInstanceLock(): boolean {
    return this._lock !== undefined;
  }

  releaseSingleInstanceLock(): void {
    this._lock?.release();
    this._lock = undefined;
    if (this._lockState === 'held') this._lockState = 'released';
    changed();
  }

  private _emitSecondInstance(message: SecondInstanceMessage): void {
    recordAppEvent('second-instance');
    emitNative(
      this,
      'second-instance',
      electronEvent(),
      message.argv,
      message.cwd,
      message.additionalData ?? {},
    );
  }

  // --- login items (macOS and Windows only; Electron does nothing with them on Linux) ---

  setLoginItemSettings(settings: Record<string, unknown>): void {
    if (typeof settings !== 'object' || settings === null) {
      throw new TypeError('setLoginItemSettings needs an object');
    }
    this._loginItemCalls.push(toJson(settings));
    if (platform !== 'linux')
      this._loginItem = { ...this._loginItem, ...(toJson(settings) as LoginItem) };
    changed();
  }

  getLoginItemSettings(): Record<string, unknown> {
    const openAtLogin = this._loginItem['openAtLogin'] === true;
    return {
      openAtLogin,
      openAsHidden: false,
      wasOpenedAtLogin: false,
      wasOpenedAsHidden: false,
      restoreState: false,
      status: openAtLogin ? 'enabled' : 'not-registered',
      executableWillLaunchAtLogin: openAtLogin,
      launchItems: [],
    };
  }

  // --- the rest of what an app commonly calls ---

  focus(): void {}
  hide(): void {}
  show(): void {}
  isHidden(): boolean {
    return false;
  }
  isActive(): boolean {
    return true;
  }
  disableHardwareAcceleration(): void {
    if (this._ready) throw new Error('disableHardwareAcceleration must be called before ready');
  }
  isHardwareAccelerationEnabled(): boolean {
    return false;
  }
  enableSandbox(): void {}
  setAboutPanelOptions(): void {}
  get badgeCount(): number {
    return this._badge;
  }
  set badgeCount(count: number) {
    this.setBadgeCount(count);
  }
  setBadgeCount(count = 0): boolean {
    this._badge = count;
    changed();
    return platform !== 'win32';
  }
  getBadgeCount(): number {
    return this._badge;
  }
  setActivationPolicy(): void {
    if (platform !== 'darwin') notEmulated('app.setActivationPolicy', 'macOS only');
  }
  get applicationMenu(): unknown {
    return Menu.getApplicationMenu();
  }
  set applicationMenu(menu: unknown) {
    Menu.setApplicationMenu(menu as Menu | null);
  }

  _snapshot() {
    return {
      name: this._name,
      version: this.getVersion(),
      isPackaged: this.isPackaged,
      ...(this._appUserModelId !== undefined ? { appUserModelId: this._appUserModelId } : {}),
      userData: this.getPath('userData'),
      loginItem: toJson(this.getLoginItemSettings()),
      loginItemCalls: [...this._loginItemCalls],
      singleInstance: this._lockState,
      badgeCount: this._badge,
    };
  }
}

function makeDock(): object {
  let badge = '';
  let visible = true;
  return strict(
    {
      bounce: () => 0,
      cancelBounce: () => {},
      setBadge: (text: string) => void ((badge = text), changed()),
      getBadge: () => badge,
      hide: () => void (visible = false),
      show: () => Promise.resolve(void (visible = true)),
      isVisible: () => visible,
      setMenu: () => {},
      getMenu: () => null,
      setIcon: () => {},
    },
    'app.dock',
  );
}

// --- the single-instance lock: a lock file in userData naming the holder's pid, and a mailbox
// folder the holder watches, so a second instance can hand over its argv synchronously, as
// Electron's does, before it quits. ---

interface SecondInstanceMessage {
  argv: string[];
  cwd: string;
  additionalData?: Record<string, unknown>;
}

class SingleInstanceLock {
  private constructor(
    private readonly file: string,
    private readonly stopWatching: () => void,
  ) {}

  static acquire(
    userData: string,
    additionalData: Record<string, unknown> | undefined,
    onMessage: (message: SecondInstanceMessage) => void,
  ): SingleInstanceLock | 'refused' {
    mkdirSync(userData, { recursive: true });
    const file = join(userData, 'SingletonLock');
    const mailbox = join(userData, 'SingletonMailbox');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(readFileSync(file, 'utf8'));
        if (holder > 0 && isAlive(holder)) {
          mkdirSync(mailbox, { recursive: true });
          const message: SecondInstanceMessage = {
            argv: process.argv,
            cwd: process.cwd(),
            ...(additionalData !== undefined ? { additionalData } : {}),
          };
          const name = `${process.pid}-${Date.now()}.json`;
          writeFileSync(join(mailbox, `.${name}`), JSON.stringify(message));
          renameSync(join(mailbox, `.${name}`), join(mailbox, name));
          return 'refused';
        }
        rmSync(file, { force: true }); // left by a process that died
        continue;
      }
      mkdirSync(mailbox, { recursive: true });
      const read = () => {
        for (const name of readdirSync(mailbox)) {
          if (name.startsWith('.')) continue;
          const path = join(mailbox, name);
          try {
            const message = JSON.parse(readFileSync(path, 'utf8')) as SecondInstanceMessage;
            rmSync(path, { force: true });
            onMessage(message);
          } catch (error) {
            problem(`second-instance message ${name} unreadable: ${String(error)}`);
          }
        }
      };
      const watcher = watch(mailbox, () => read());
      read();
      return new SingleInstanceLock(file, () => watcher.close());
    }
    throw new Error(`could not take the single-instance lock ${file}`);
  }

  release(): void {
    this.stopWatching();
    rmSync(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const app = new FakeApp();
export const strictApp = strict(app, 'app');

reportState(() => ({
  platform,
  ready: app.isReady(),
  appEvents: [...appEvents],
  app: app._snapshot(),
}));

onRequest('quit', () => app.quit());
onRequest('activate', () => {
  const hasVisibleWindows = allWindows().some((window) => window.isVisible());
  recordAppEvent('activate');
  emitNative(app, 'activate', electronEvent(), hasVisibleWindows);
});

// However the process ends (app.quit, app.exit, or the app's own process.exit), the lock goes
// and the DesktopApp gets the final state.
process.on('exit', () => app.releaseSingleInstanceLock());

/** Electron quits on SIGINT, SIGTERM and SIGHUP the way app.quit() does. */
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => app.quit());
}

/** Electron shows uncaught exceptions in an error box and keeps running. */
process.on('uncaughtException', (error) => {
  if (process.listenerCount('uncaughtException') > 1) return;
  const stack = error?.stack ?? `${error?.name}: ${error?.message}`;
  problem(`uncaught exception in the main process: ${stack}`);
  dialog.showErrorBox(
    'A JavaScript error occurred in the main process',
    `Uncaught Exception:\n${stack}`,
  );
});
/** Electron runs Node with --unhandled-rejections=warn (so does the harness); record them too. */
process.on('unhandledRejection', (reason) => {
  const cause = (reason as Error)?.cause;
  problem(
    `unhandled rejection in the main process: ${(reason as Error)?.stack ?? String(reason)}` +
      (cause ? `\n  cause: ${(cause as Error)?.message ?? String(cause)}` : ''),
  );
});
