// DesktopApp: runs a *built* Electron main process (out/main/index.js) in a child Node process
// under the harness's fake `electron`, and drives it as a person and a desktop would.
//
// How it works
//   node --unhandled-rejections=warn --import register-electron.mjs out/main/index.js
// register-electron.mjs loads the fake (electron/*.ts) and a module.register hook that resolves
// `electron` to it. Each BrowserWindow is a page of one real Chromium (the system's, per
// test/helpers/chromium.ts) that the fake starts with the first window; the window's preload
// (webPreferences.preload, e.g. out/preload/index.cjs) runs before the page's scripts as a
// sandboxed classic script with Electron's sandboxed `require` (contextBridge and ipcRenderer,
// nothing of Node), and IPC both ways crosses a real structured clone (Chromium's in the page,
// V8's in the app). Tray, Menu, Notification, dialog, shell, protocol, session and app record
// what the app does; the test reads that as a HarnessState (control-protocol.ts) and acts on it.
// The DesktopApp talks to the fake over the child's fd 3 (JSON lines) and reaches the windows'
// pages with Playwright over the Chromium's DevTools port.
//
// What is faithful
// - The quit sequence: before-quit (preventable) → each window's 'close' (preventable, which
//   cancels the quit) → 'closed' → will-quit (preventable) → quit → the process ends at once:
//   work the app started and did not await is lost, as in Electron. SIGINT/SIGTERM/SIGHUP quit
//   the same way; app.exit(code) skips the events. Without a 'window-all-closed' listener the
//   app quits when its last window closes. Uncaught exceptions show Electron's error box and the
//   app keeps running; unhandled rejections only warn (Electron's --unhandled-rejections=warn).
// - Ready comes after the app's main script has run; Tray, BrowserWindow, Notification, screen,
//   protocol.handle and session need it, and protocol.registerSchemesAsPrivileged must precede it.
// - Windows refuse webPreferences the harness cannot run (nodeIntegration, contextIsolation
//   false, sandbox false, webSecurity false...): "not emulated". The sender of every IPC message
//   is Electron's event.sender / event.senderFrame (null once its document is gone), with the
//   URL the app loaded (file:// as is, app:// mapped back), so the app's sender checks run.
// - A handled, privileged-standard custom scheme (protocol.handle) serves the window: its page is
//   really at http://<host>.<scheme>.scheme.localhost/ (intercepted, never on the network), each
//   request goes to the app's handler as a Request for the app:// URL, and the handler's Response
//   (status, headers such as a CSP, body) is what the page gets. net.fetch reads file:// URLs.
// - A navigation the page starts (not the app's loadURL, not a reload) asks 'will-navigate' and
//   is aborted if prevented; window.open and target=_blank links ask the window open handler
//   (an allowed one is reported as a problem: the harness opens no child windows).
// - The single-instance lock holds across processes on the same userData (a second DesktopApp
//   with the same `home`): the second gets false, the first gets 'second-instance'.
// - Without a default application menu of its own, the app gets Electron's default one at ready.
// - Login items are recorded, but take effect (getLoginItemSettings) on macOS and Windows only;
//   notification buttons and replies can only be pressed on macOS and Windows (`platform`).
// - Anything of Electron the fake does not have throws "not emulated: <what>", including
//   listening for an event the fake never emits.
//
// What is NOT verified
// - Chromium's context isolation: the preload runs in the page's own JavaScript world (what it
//   exposes is still copied, functions wrapped, as the context bridge does), and the harness's
//   delivery hook is a hidden property of the page's window.
// - The custom scheme's origin: the page's location.origin is the mapped http origin, not
//   app://host, and an absolute app:// URL written in the page does not load. Responses are
//   buffered, not streamed.
// - Native look and behaviour: window state (shown, focused, minimized) is bookkeeping, a hidden
//   window's page still renders, no tray icon or notification is drawn, edit-menu roles, tray
//   quirks of Linux desktops and garbage collection of unreferenced Tray/Notification objects
//   are not emulated. The platform option changes only what the app and the fake see.
// - Storage does not persist across app starts (each start has a fresh Chromium profile).
// - The process is Node, not Electron: process.versions.electron is undefined and native modules
//   load for Node's ABI, so an app that picks an Electron build of a native module by that
//   version picks Node's here, which is the one that can load.
//
// Use (vitest; run `npm run build` first, as `npm test` does; test/desktop/airlock-desktop.ts
// starts Airlock itself on a throwaway data folder and is the place to begin)
//   const desktop = await DesktopApp.start({ dataDir, env: { ... }, platform: 'darwin' });
//   const [, url] = await desktop.waitForOutput(/Airlock listening on (\S+)/);
//   const page = await desktop.page();              // the first open window's Playwright Page
//   const n = await desktop.waitFor('a notification', (s) => s.notifications.find((x) => x.shown));
//   await desktop.clickNotification(n.id);          // or pressNotificationButton(n.id, 0)
//   await desktop.clickMenuItem({ tray: 0 }, 'Pause Airlock');   // a tray's context menu
//   await desktop.clickMenuItem('application', 'View', 'Reload'); // the application menu
//   await desktop.clickTray(0);                     // the tray icon itself
//   await desktop.closeWindow(id);                  // the window's close button
//   await desktop.activate();                       // the dock icon (macOS 'activate')
//   await desktop.answerDialog(id, { response: 1 }); // or dialogAnswers at start
//   await desktop.requestPermission(id, 'notifications'); // what the session handler grants
//   await desktop.screenshot('docs/screenshots/x.png');
//   const { code, state } = await desktop.quit();   // resolves when the process has ended
//   await desktop.kill('SIGTERM');                  // a real signal (Electron quits on it)
//   await desktop.close();                          // in afterAll: always safe
// A second instance: DesktopApp.start({ home: first.home, dataDir }) shares the first's userData.
// state() is the HarnessState now (windows, notifications, trays, applicationMenu, dialogs,
// shell, protocol, session, ipcMain, app, appEvents, problems); after the exit it is the state
// the fake sent as the process ended. Assert `problems` is empty to catch renderer console
// errors, failed preloads and unhandled rejections. Every wait is woken by the app's reports,
// not a timer, and fails after `timeoutMs` (default 15 s) with what it waited for and the
// app's output (AIRLOCK_TEST_LOG=1 echoes that output live).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/chromium';
import {
  CONTROL_FD,
  OPTIONS_ENV,
  type ChildMessage,
  type DialogAnswer,
  type HarnessOptions,
  type HarnessPlatform,
  type HarnessState,
  type Json,
  type MenuTarget,
  type Request,
  type WindowState,
} from './control-protocol';

export type * from './control-protocol';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../../..');
const REGISTER = join(HERE, 'register-electron.mjs');
export const BUILT_MAIN = join(REPO_ROOT, 'out/main/index.js');
const OUTPUT_TAIL = 64_000;
const KILL_AFTER_MS = 5_000;

export interface DesktopAppOptions {
  /** The main process to run; default out/main/index.js. */
  entry?: string;
  /** Arguments after the entry (the app's process.argv.slice(2)). */
  args?: string[];
  /** Sets AIRLOCK_DATA_DIR for the app. */
  dataDir?: string;
  /**
   * The app's home folder (HOME, and so userData). Default: a new temporary one, removed by
   * close(). Pass another app's `home` to start a second instance of the same app.
   */
  home?: string;
  /** More environment for the app (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** process.platform as the app sees it; default the real one. */
  platform?: HarnessPlatform;
  isPackaged?: boolean;
  notificationsSupported?: boolean;
  /** Answers for the app's message boxes, in the order they open. */
  dialogAnswers?: DialogAnswer[];
  /** How long a wait waits before it fails; default 15 s. */
  timeoutMs?: number;
}

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The state the fake sent as the process exited (absent when a signal killed it outright). */
  state?: HarnessState;
}

export class DesktopApp {
  readonly home: string;
  /** Resolves when the app's process has ended. */
  readonly exited: Promise<AppExit>;
  private exit: AppExit | undefined;
  private finalState: HarnessState | undefined;
  private readonly control: Socket;
  private nextRequestId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private changes = 0;
  private readonly changeWaiters = new Set<() => void>();
  private outputText = '';
  private browser: Promise<Browser> | undefined;
  private readonly targetIds = new WeakMap<Page, string>();
  private readonly timeoutMs: number;

  private constructor(
    private readonly child: ChildProcess,
    home: string,
    private readonly ownsHome: boolean,
    timeoutMs: number,
  ) {
    this.home = home;
    this.timeoutMs = timeoutMs;
    this.control = child.stdio[CONTROL_FD] as Socket;
    const echo = Boolean(process.env.AIRLOCK_TEST_LOG);
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        this.outputText = (this.outputText + chunk).slice(-OUTPUT_TAIL);
        if (echo) process.stderr.write(chunk);
        this.notifyChange();
      });
    }
    let buffered = '';
    this.control.setEncoding('utf8');
    this.control.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.onMessage(JSON.parse(line) as ChildMessage);
      }
    });
    this.control.on('error', () => {});
    this.exited = new Promise<AppExit>((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal, ...(this.finalState ? { state: this.finalState } : {}) };
        for (const { reject } of this.pending.values())
          reject(new Error(`the app exited (${describeExit(this.exit)})`));
        this.pending.clear();
        this.notifyChange();
        resolveExit(this.exit);
      });
    });
  }

  /** Starts the app and waits until the fake electron is loaded in it. */
  static async start(options: DesktopAppOptions = {}): Promise<DesktopApp> {
    const ownsHome = options.home === undefined;
    const home = options.home ?? mkdtempSync(join(tmpdir(), 'airlock-desktop-'));
    const scratchDir = mkdtempSync(join(home, '.harness-'));
    const harness: HarnessOptions = {
      scratchDir,
      chromiumPath: CHROMIUM_PATH,
      chromiumArgs: CHROMIUM_ARGS,
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.isPackaged !== undefined ? { isPackaged: options.isPackaged } : {}),
      ...(options.notificationsSupported !== undefined
        ? { notificationsSupported: options.notificationsSupported }
        : {}),
      ...(options.dialogAnswers ? { dialogAnswers: options.dialogAnswers } : {}),
    };
    const env: Record<string, string | undefined> = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      APPDATA: join(home, 'AppData', 'Roaming'),
      [OPTIONS_ENV]: JSON.stringify(harness),
      ...(options.dataDir !== undefined ? { AIRLOCK_DATA_DIR: options.dataDir } : {}),
    };
    // A hardened Electron ignores NODE_OPTIONS; the test runner's own must not reach the app either.
    delete env.NODE_OPTIONS;
    delete env.ELECTRON_RUN_AS_NODE;
    delete env.ELECTRON_RENDERER_URL;
    Object.assign(env, options.env ?? {});
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];

    const child = spawn(
      process.execPath,
      [
        '--unhandled-rejections=warn',
        '--import',
        REGISTER,
        options.entry ?? BUILT_MAIN,
        ...(options.args ?? []),
      ],
      { cwd: REPO_ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const app = new DesktopApp(child, home, ownsHome, options.timeoutMs ?? 15_000);
    try {
      await app.until('the fake electron to load', () => app.hello || undefined);
    } catch (error) {
      await app.close();
      throw error;
    }
    return app;
  }

  private hello = false;

  get pid(): number {
    return this.child.pid!;
  }

  /** The app's stdout and stderr so far (the last 64 kB). */
  output(): string {
    return this.outputText;
  }

  /** Waits for a line of the app's output to match; returns the match. */
  waitForOutput(pattern: RegExp): Promise<RegExpExecArray> {
    return this.until(
      `output matching ${pattern}`,
      () => pattern.exec(this.outputText) ?? undefined,
    );
  }

  /** The fake's recorded state now (or as the app ended). */
  async state(): Promise<HarnessState> {
    if (this.exit) {
      if (this.finalState) return this.finalState;
      throw new Error(`the app exited (${describeExit(this.exit)}) without reporting its state`);
    }
    return (await this.request({ op: 'state' })) as HarnessState;
  }

  /**
   * Waits until `check` returns something truthy for the recorded state, and returns it. It is
   * checked again each time the app reports a change, not on a timer.
   */
  async waitFor<T>(
    description: string,
    check: (state: HarnessState) => T | undefined | null | false,
  ): Promise<T> {
    let last: HarnessState | undefined;
    try {
      return await this.untilAsync(description, async () => {
        last = await this.state();
        return check(last) || undefined;
      });
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\nlast state: ${JSON.stringify(last, null, 1)?.slice(0, 4000)}`,
        { cause: error },
      );
    }
  }

  /** A window's state (default: the first window that is not destroyed), once it has a page. */
  window(id?: number): Promise<WindowState> {
    return this.waitFor(id === undefined ? 'a window' : `window ${id}`, (state) =>
      state.windows.find(
        (window) => (id === undefined ? !window.destroyed : window.id === id) && window.targetId,
      ),
    );
  }

  /** The Playwright Page of a window (default: the first open one), to read and click the UI. */
  async page(id?: number): Promise<Page> {
    const window = await this.window(id);
    const { browser: info } = await this.state();
    if (!info) throw new Error('the app has windows but reported no browser');
    this.browser ??= chromium.connectOverCDP(info.cdpUrl).then((browser) => {
      // A page this side has not seen yet arrives as an event: wake the waits.
      browser.contexts()[0]?.on('page', () => this.notifyChange());
      return browser;
    });
    const context = (await this.browser).contexts()[0]!;
    return this.untilAsync(`the page of window ${window.id}`, async () => {
      for (const page of context.pages()) {
        if ((await this.targetIdOf(page)) === window.targetId) return page;
      }
      return undefined;
    });
  }

  /** Writes a PNG of a window's page (default: the first open window) to `path`. */
  async screenshot(path: string, id?: number): Promise<void> {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    await (await this.page(id)).screenshot({ path });
  }

  /** Clicks a menu item by its labels from the top (or `role:<role>` for an unlabelled role item). */
  clickMenuItem(menu: MenuTarget, ...path: string[]): Promise<void> {
    return this.act({ op: 'clickMenuItem', menu, path });
  }

  clickTray(
    id = 0,
    event: 'click' | 'right-click' | 'double-click' | 'middle-click' = 'click',
  ): Promise<void> {
    return this.act({ op: 'tray', id, event });
  }

  /** Clicks a notification that is on screen (ids are NotificationState.id). */
  clickNotification(id: number): Promise<void> {
    return this.act({ op: 'notification', id, event: 'click' });
  }

  /** Dismisses a notification that is on screen (its 'close' event, reason userCanceled). */
  dismissNotification(id: number): Promise<void> {
    return this.act({ op: 'notification', id, event: 'close' });
  }

  /** Presses a notification's button (macOS and Windows only). */
  pressNotificationButton(id: number, index: number): Promise<void> {
    return this.act({ op: 'notificationAction', id, index });
  }

  replyToNotification(id: number, reply: string): Promise<void> {
    return this.act({ op: 'notificationReply', id, reply });
  }

  /** The dock icon was clicked or the app launched again while running (macOS 'activate'). */
  activate(): Promise<void> {
    return this.act({ op: 'activate' });
  }

  /** The person closes a window (its close button): 'close', which the app may prevent. */
  closeWindow(id: number): Promise<void> {
    return this.act({ op: 'closeWindow', id });
  }

  /** Answers an open (async) message box. */
  answerDialog(id: number, answer: DialogAnswer): Promise<void> {
    return this.act({ op: 'answerDialog', id, answer });
  }

  /** Queues answers for the next message boxes. */
  queueDialogAnswers(...answers: DialogAnswer[]): Promise<void> {
    return this.act({ op: 'queueDialogAnswers', answers });
  }

  /** A window's page asks for a permission; resolves with what the app's session granted. */
  async requestPermission(
    windowId: number,
    permission: string,
    details: Json = {},
  ): Promise<boolean> {
    return (await this.request({
      op: 'permission',
      kind: 'request',
      window: windowId,
      permission,
      details,
    })) as boolean;
  }

  /** Chromium checks a permission for a window's page (the session's permission check handler). */
  async checkPermission(
    windowId: number,
    permission: string,
    details: Json = {},
  ): Promise<boolean> {
    return (await this.request({
      op: 'permission',
      kind: 'check',
      window: windowId,
      permission,
      details,
    })) as boolean;
  }

  /** Quits as the person would (Quit in a menu, Cmd+Q) and resolves once the process has ended. */
  async quit(): Promise<AppExit> {
    await this.act({ op: 'quit' });
    return this.untilAsync('the app to exit after quit', async () => this.exit);
  }

  /** Sends the process a real signal and resolves once it has ended. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<AppExit> {
    this.child.kill(signal);
    return this.untilAsync(`the app to exit after ${signal}`, async () => this.exit);
  }

  /** Ends the app (quit, then SIGKILL if it does not end) and removes its temporary home. */
  async close(): Promise<void> {
    if (!this.exit) {
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), KILL_AFTER_MS))),
      ]);
      clearTimeout(timer);
      if (!ended) {
        // Killed outright, the app cannot take its Chromium down: do it over DevTools.
        const browser = await this.browser?.catch(() => undefined);
        await browser
          ?.newBrowserCDPSession()
          .then((cdp) => cdp.send('Browser.close'))
          .catch(() => {});
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    const browser = await this.browser?.catch(() => undefined);
    await browser?.close().catch(() => {});
    // Chromium's helper processes may still be writing to its profile for a moment after it was
    // killed with the app: retry while the folder is not yet empty.
    if (this.ownsHome)
      rmSync(this.home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }

  // --- the control channel ---

  private onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'hello':
        this.hello = true;
        break;
      case 'changed':
        break;
      case 'exit':
        this.finalState = message.state;
        break;
      case 'reply': {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(message.error));
        break;
      }
    }
    this.notifyChange();
  }

  private request(request: Request): Promise<unknown> {
    if (this.exit) return Promise.reject(new Error(`the app exited (${describeExit(this.exit)})`));
    const id = this.nextRequestId++;
    return new Promise((resolveReply, reject) => {
      this.pending.set(id, { resolve: resolveReply, reject });
      this.control.write(JSON.stringify({ type: 'request', id, request }) + '\n');
    });
  }

  private async act(request: Request): Promise<void> {
    await this.request(request);
  }

  private notifyChange(): void {
    this.changes++;
    for (const wake of [...this.changeWaiters]) wake();
  }

  /** Re-checks on every change (message, output, exit) until `check` gives a value. */
  private async untilAsync<T>(
    description: string,
    check: () => Promise<T | undefined>,
  ): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const seen = this.changes;
      const value = await check();
      if (value !== undefined) return value;
      if (this.exit && this.changes === seen) {
        throw new Error(
          `the app exited (${describeExit(this.exit)}) while waiting for ${description}; its output:\n${this.outputText}`,
        );
      }
      if (this.changes !== seen) continue;
      const woke = await new Promise<boolean>((wake) => {
        const timer = setTimeout(
          () => {
            this.changeWaiters.delete(onChange);
            wake(false);
          },
          Math.max(0, deadline - Date.now()),
        );
        const onChange = () => {
          clearTimeout(timer);
          this.changeWaiters.delete(onChange);
          wake(true);
        };
        this.changeWaiters.add(onChange);
      });
      if (!woke) {
        throw new Error(
          `timed out after ${this.timeoutMs} ms waiting for ${description}; the app's output:\n${this.outputText}`,
        );
      }
    }
  }

  private until<T>(description: string, check: () => T | undefined): Promise<T> {
    return this.untilAsync(description, async () => check());
  }

  private async targetIdOf(page: Page): Promise<string | undefined> {
    const known = this.targetIds.get(page);
    if (known) return known;
    try {
      const session = await page.context().newCDPSession(page);
      const { targetInfo } = (await session.send('Target.getTargetInfo')) as {
        targetInfo: { targetId: string };
      };
      await session.detach();
      this.targetIds.set(page, targetInfo.targetId);
      return targetInfo.targetId;
    } catch {
      return undefined; // a page that closed meanwhile
    }
  }
}

function describeExit(exit: AppExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
