// The fake `BrowserWindow` and its `webContents`: each window is a real Chromium page (see
// chromium.ts) that loads what the app loads (file:// as is, a handled app:// scheme through
// protocol.ts), with the window's preload run before the page's scripts (renderer/preamble.ts).
// Window state (shown, focused, minimized...) is bookkeeping: a headless page is always drawn.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import type { Frame, Page, Route } from 'playwright-core';
import type { WindowState } from '../control-protocol';
import { app } from './app';
import { BINDING, browserContext, setBindingHandler, type BindingSource } from './chromium';
import { changed, onRequest, platform, problem, reportState } from './control';
import { electronEvent, emitNative, onlyEmulatedEvents } from './events';
import { ipcMain } from './ipc-main';
import { DESCRIBE, toJson } from './json';
import { imageFrom } from './native-image';
import {
  defaultSession,
  isMappedUrl,
  registerPermissionOp,
  serveMapped,
  toAppUrl,
  toPageUrl,
} from './protocol';
import { rendererPreamble, type PreambleConfig } from './renderer/preamble';
import { notEmulated, strict } from './strict';
import { decodeClone, encodeClone } from './structured-clone';

const windows: BrowserWindow[] = [];
const contentsById = new Map<number, WebContents>();
const contentsByPage = new WeakMap<Page, WebContents>();
let nextWindowId = 1;
let nextContentsId = 1;
const windowClosed = new EventEmitter();

const WINDOW_EVENTS = [
  'close',
  'closed',
  'ready-to-show',
  'show',
  'hide',
  'focus',
  'blur',
  'minimize',
  'restore',
  'maximize',
  'unmaximize',
  'enter-full-screen',
  'leave-full-screen',
  'resize',
  'move',
] as const;

const CONTENTS_EVENTS = [
  'did-finish-load',
  'did-fail-load',
  'dom-ready',
  'will-navigate',
  'will-frame-navigate',
  'destroyed',
  'console-message',
  'render-process-gone',
  'did-start-loading',
  'did-stop-loading',
] as const;

/** Settings the harness cannot emulate: it only runs isolated, sandboxed renderers without Node. */
function checkWebPreferences(prefs: Record<string, unknown>): void {
  const refuse = (setting: string) =>
    notEmulated(
      `webPreferences.${setting}`,
      'the harness runs only sandboxed, isolated renderers without Node',
    );
  if (prefs['nodeIntegration'] === true) refuse('nodeIntegration: true');
  if (prefs['nodeIntegrationInWorker'] === true) refuse('nodeIntegrationInWorker: true');
  if (prefs['nodeIntegrationInSubFrames'] === true) refuse('nodeIntegrationInSubFrames: true');
  if (prefs['contextIsolation'] === false) refuse('contextIsolation: false');
  if (prefs['sandbox'] === false) refuse('sandbox: false');
  if (prefs['webSecurity'] === false) refuse('webSecurity: false');
  if (prefs['allowRunningInsecureContent'] === true) refuse('allowRunningInsecureContent: true');
  if (prefs['webviewTag'] === true) refuse('webviewTag: true');
  if (prefs['experimentalFeatures'] === true) refuse('experimentalFeatures: true');
  if (prefs['partition'] !== undefined || prefs['session'] !== undefined) {
    notEmulated('webPreferences.partition / session', 'the harness has only the default session');
  }
}

/** The script each window's page runs first: the preamble, given the preload wrapped as Electron wraps it. */
function rendererScript(preloadPath: string | null, deliver: string): string {
  let source = '';
  let preloadError: string | null = null;
  if (preloadPath !== null) {
    try {
      if (!isAbsolute(preloadPath)) throw new Error('the preload path must be absolute');
      source = readFileSync(preloadPath, 'utf8');
      new Script(`(function () {\n${source}\n})`, { filename: preloadPath }); // syntax check only
    } catch (error) {
      preloadError = String(error);
      source = '';
    }
  }
  const config: PreambleConfig = { binding: BINDING, deliver, preloadPath, preloadError, platform };
  const preload = `function (require, module, exports, process, global, Buffer, setImmediate, clearImmediate) {\n${source}\n}`;
  // tsx compiles with keepNames, which calls __name(); the injected source needs a stand-in.
  return [
    '(() => {',
    'const __name = (target) => target;',
    `(${rendererPreamble.toString()})(${JSON.stringify(config)}, ${encodeClone.toString()}, ${decodeClone.toString()}, ${preload});`,
    '})();',
    preloadPath ? `//# sourceURL=${pathToFileURL(preloadPath).href}` : '',
  ].join('\n');
}

// --- WebFrameMain ---

const frames = new WeakMap<Frame, WebFrameMain>();

export class WebFrameMain extends EventEmitter {
  private constructor(
    private readonly _frame: Frame,
    private readonly _contents: WebContents,
  ) {
    super();
  }

  static of(frame: Frame, contents: WebContents): WebFrameMain {
    let known = frames.get(frame);
    if (!known) {
      known = strict(new WebFrameMain(frame, contents), 'WebFrameMain');
      frames.set(frame, known);
    }
    return known;
  }

  get url(): string {
    return toAppUrl(this._frame.url());
  }
  get origin(): string {
    const url = this.url;
    if (url.startsWith('file:')) return 'file://';
    try {
      const parsed = new URL(url);
      return parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
    } catch {
      return 'null';
    }
  }
  get parent(): WebFrameMain | null {
    const parent = this._frame.parentFrame();
    return parent ? WebFrameMain.of(parent, this._contents) : null;
  }
  get top(): WebFrameMain | null {
    return WebFrameMain.of(this._frame.page().mainFrame(), this._contents);
  }
  get frames(): WebFrameMain[] {
    return this._frame.childFrames().map((child) => WebFrameMain.of(child, this._contents));
  }
  get framesInSubtree(): WebFrameMain[] {
    const all: WebFrameMain[] = [this];
    for (const child of this.frames) all.push(...child.framesInSubtree);
    return all;
  }
  get name(): string {
    return this._frame.name();
  }
  get detached(): boolean {
    return this._frame.isDetached();
  }
  get processId(): number {
    return this._contents.getProcessId();
  }
  get osProcessId(): number {
    return this._contents.getOSProcessId();
  }
  get routingId(): number {
    return 1;
  }
  get frameTreeNodeId(): number {
    return 1;
  }
  get visibilityState(): string {
    return this._contents._window.isVisible() ? 'visible' : 'hidden';
  }
  isDestroyed(): boolean {
    return this._frame.isDetached() || this._contents.isDestroyed();
  }
  executeJavaScript(code: string): Promise<unknown> {
    return this._frame.evaluate(code);
  }
  send(channel: string, ...args: unknown[]): void {
    if (this._frame.parentFrame()) notEmulated('WebFrameMain.send to a subframe');
    this._contents.send(channel, ...args);
  }
}

// --- WebContents ---

type WindowOpenHandler = (
  details: Record<string, unknown>,
) => { action: 'allow' | 'deny' } | unknown;

export class WebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly session = defaultSession;
  private _page: Page | undefined;
  private readonly _pageReady: Promise<Page>;
  private readonly _deliver = `__electronHarnessDeliver_${Math.random().toString(36).slice(2)}`;
  private _documentId: string | undefined;
  private _sending: Promise<void> = Promise.resolve();
  /** Navigations the app started (loadURL, reload); any other is the page's, and asks will-navigate. */
  private readonly _ownNavigations = new Set<string>();
  private _windowOpenHandler: WindowOpenHandler | undefined;
  private _devTools = false;
  private _zoomLevel = 0;
  private _destroyed = false;
  private _loading = false;
  private _readyToShowSent = false;
  private _pageTitle = '';
  _targetId: string | undefined;
  readonly _navigations: WindowState['navigations'] = [];

  constructor(
    readonly _window: BrowserWindow,
    private readonly _preloadPath: string | null,
    private readonly _size: { width: number; height: number },
  ) {
    super();
    onlyEmulatedEvents(this, 'webContents', CONTENTS_EVENTS);
    const self = strict(this, 'WebContents');
    contentsById.set(this.id, self);
    this._pageReady = this._openPage(self);
    // A failed start is reported when the app loads something; the rejection is not left unhandled.
    this._pageReady.catch((error: unknown) =>
      problem(`window ${_window.id}'s page did not open: ${String(error)}`),
    );
    return self;
  }

  private async _openPage(self: WebContents): Promise<Page> {
    const context = await browserContext();
    const page = await context.newPage();
    this._page = page;
    contentsByPage.set(page, self);
    await page.setViewportSize(this._size);
    await page.addInitScript({ content: rendererScript(this._preloadPath, this._deliver) });
    await page.route('**/*', (route) => this._route(route));
    page.on('console', (message) => {
      const levels = { debug: 0, log: 1, info: 1, warning: 2, error: 3 } as Record<string, number>;
      const type = message.type();
      const level = levels[type] ?? 1;
      const { url, lineNumber } = message.location();
      const text = message.text();
      if (level === 3)
        problem(
          `renderer console error (window ${this._window.id}): ${text}${url ? ` at ${toAppUrl(url)}:${lineNumber}` : ''}`,
        );
      const levelName = ['debug', 'info', 'warning', 'error'][level];
      emitNative(
        this,
        'console-message',
        electronEvent({ level: levelName, message: text, lineNumber, sourceId: toAppUrl(url) }),
        level,
        text,
        lineNumber,
        toAppUrl(url),
      );
    });
    page.on('pageerror', (error) =>
      problem(`renderer page error (window ${this._window.id}): ${error.stack ?? error.message}`),
    );
    page.on('crash', () => {
      problem(`renderer of window ${this._window.id} crashed`);
      const details = { reason: 'crashed', exitCode: 0 };
      emitNative(this, 'render-process-gone', electronEvent(), details);
      emitNative(app, 'render-process-gone', electronEvent(), contentsById.get(this.id), details);
    });
    page.on('domcontentloaded', () => emitNative(this, 'dom-ready', electronEvent()));
    page.on('load', () => {
      void page.title().then(
        (title) => (this._pageTitle = title),
        () => {},
      );
      this._loading = false;
      emitNative(this, 'did-finish-load', electronEvent());
      emitNative(this, 'did-stop-loading', electronEvent());
      if (!this._readyToShowSent) {
        this._readyToShowSent = true;
        emitNative(this._window, 'ready-to-show', electronEvent());
      }
      changed();
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) changed();
    });
    const session = await context.newCDPSession(page);
    const { targetInfo } = (await session.send('Target.getTargetInfo')) as {
      targetInfo: { targetId: string };
    };
    await session.detach();
    this._targetId = targetInfo.targetId;
    changed();
    return page;
  }

  /** Every request of the page: the page's own navigations ask will-navigate; app:// goes to the app. */
  private async _route(route: Route): Promise<void> {
    const request = route.request();
    const page = this._page!;
    const url = request.url();
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      const withoutHash = url.split('#')[0]!;
      const current = page.url().split('#')[0];
      // The app's own loads go ahead; so does a reload (same address), which Electron does not ask about.
      if (!this._ownNavigations.delete(withoutHash) && withoutHash !== current) {
        const appUrl = toAppUrl(url);
        const event = electronEvent({
          url: appUrl,
          isMainFrame: true,
          isSameDocument: false,
          frame: this.mainFrame,
        });
        emitNative(this, 'will-frame-navigate', event);
        if (!event.defaultPrevented) emitNative(this, 'will-navigate', event, appUrl);
        this._navigations.push({ url: appUrl, kind: 'navigate', allowed: !event.defaultPrevented });
        changed();
        if (event.defaultPrevented) return route.abort('aborted');
      }
      this._loading = true;
      emitNative(this, 'did-start-loading', electronEvent());
    }
    if (!isMappedUrl(url)) return route.fallback();
    const served = await serveMapped(url, {
      method: request.method(),
      headers: await request.allHeaders(),
      body: request.postDataBuffer(),
    });
    if (!served) return route.abort('failed');
    return route.fulfill({ status: served.status, headers: served.headers, body: served.body });
  }

  /** The binding's calls from this window's page. */
  async _fromPage(
    source: BindingSource,
    kind: string,
    channel: string,
    payload: unknown,
    documentId: string,
  ): Promise<unknown> {
    if (this._destroyed) return { error: 'Error: the window is destroyed' };
    if (kind === 'hello') {
      this._documentId = documentId;
      return null;
    }
    // Electron gives the sending frame, or null once that document is gone (navigated or destroyed).
    const frame = () =>
      this._destroyed || source.frame.isDetached() || documentId !== this._documentId
        ? null
        : WebFrameMain.of(source.frame, this);
    const self = contentsById.get(this.id)!;
    if (kind === 'send') return ipcMain._received(self, frame, channel, payload);
    if (kind === 'invoke') return ipcMain._invoked(self, frame, channel, payload);
    if (kind === 'open') return this._askToOpen(decodeClone(payload) as Record<string, unknown>);
    return { error: `unknown binding call ${kind}` };
  }

  private _askToOpen(request: Record<string, unknown>): void {
    const url = toAppUrl(String(request['url']));
    const details = {
      url,
      frameName: request['frameName'],
      features: request['features'],
      disposition: request['disposition'],
      referrer: { url: this.getURL(), policy: 'strict-origin-when-cross-origin' },
    };
    let allowed = true;
    if (this._windowOpenHandler) {
      const decision = this._windowOpenHandler(details) as { action?: string } | undefined;
      if (decision?.action !== 'allow' && decision?.action !== 'deny') {
        problem(
          `the window open handler answered ${JSON.stringify(toJson(decision))}, not { action: 'allow' | 'deny' }`,
        );
      }
      allowed = decision?.action === 'allow';
    }
    this._navigations.push({ url, kind: 'open', allowed });
    if (allowed) {
      problem(
        `window ${this._window.id} let the page open ${url} in a new window, which the harness does not emulate`,
      );
    }
    changed();
  }

  // --- loading ---

  async loadURL(url: string): Promise<void> {
    this._alive();
    if (typeof url !== 'string') throw new TypeError('loadURL needs a URL string');
    this._window._recordLoad(url);
    const pageUrl = toPageUrl(url);
    const page = await this._pageReady;
    const document = pageUrl.split('#')[0]!;
    this._ownNavigations.add(document);
    try {
      await page.goto(pageUrl, { waitUntil: 'load' });
    } catch (error) {
      const reason = /net::(ERR_[A-Z_]+)/.exec(String(error))?.[1] ?? 'ERR_FAILED';
      emitNative(this, 'did-fail-load', electronEvent(), -2, reason, url, true);
      // Electron's words; what the page really said stays in `cause`, for the harness's reports.
      throw Object.assign(new Error(`${reason} (-2) loading '${url}'`, { cause: error }), {
        code: reason,
        url,
      });
    } finally {
      // A change of hash alone makes no request, so the entry may still be there.
      this._ownNavigations.delete(document);
    }
  }

  loadFile(
    filePath: string,
    options: { query?: Record<string, string>; search?: string; hash?: string } = {},
  ): Promise<void> {
    const url = pathToFileURL(resolve(app.getAppPath(), filePath));
    if (options.query)
      for (const [key, value] of Object.entries(options.query)) url.searchParams.set(key, value);
    if (options.search) url.search = options.search;
    if (options.hash) url.hash = options.hash;
    return this.loadURL(url.href);
  }

  reload(): void {
    this._alive();
    void this._pageReady
      .then((page) => {
        this._ownNavigations.add(page.url().split('#')[0]!);
        return page.reload();
      })
      .catch((error: unknown) =>
        problem(`reload of window ${this._window.id} failed: ${String(error)}`),
      );
  }

  reloadIgnoringCache(): void {
    this.reload();
  }

  isLoading(): boolean {
    return this._loading;
  }

  getURL(): string {
    if (!this._page) return '';
    const url = this._page.url();
    return url === 'about:blank' ? '' : toAppUrl(url);
  }

  getTitle(): string {
    return this._pageTitle;
  }

  get mainFrame(): WebFrameMain {
    this._alive();
    if (!this._page) notEmulated('webContents.mainFrame before the window has a page');
    return WebFrameMain.of(this._page.mainFrame(), contentsById.get(this.id)!);
  }

  // --- IPC ---

  send(channel: string, ...args: unknown[]): void {
    if (typeof channel !== 'string') throw new TypeError('Missing required channel argument');
    this._alive();
    // Electron's IPC serializes at once: what cannot be cloned throws here, in the main process.
    let payload: unknown;
    try {
      payload = encodeClone(structuredClone(args));
    } catch {
      throw new Error('Failed to serialize arguments');
    }
    this._sending = this._sending
      .then(async () => {
        const page = await this._pageReady;
        await page.evaluate(
          ([deliver, ch, data]) =>
            (window as unknown as Record<string, (c: unknown, d: unknown) => void>)[
              deliver as string
            ]?.(ch, data),
          [this._deliver, channel, payload] as const,
        );
      })
      .catch(() => {
        // The page navigated or closed meanwhile: the message is dropped, as Electron drops it.
      });
  }

  // --- the rest ---

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    if (typeof handler !== 'function') throw new TypeError('setWindowOpenHandler needs a function');
    this._windowOpenHandler = handler;
    changed();
  }

  _hasWindowOpenHandler(): boolean {
    return this._windowOpenHandler !== undefined;
  }

  openDevTools(): void {
    this._devTools = true;
    changed();
  }
  closeDevTools(): void {
    this._devTools = false;
    changed();
  }
  toggleDevTools(): void {
    this._devTools = !this._devTools;
    changed();
  }
  isDevToolsOpened(): boolean {
    return this._devTools;
  }
  setZoomLevel(level: number): void {
    this._zoomLevel = level;
  }
  getZoomLevel(): number {
    return this._zoomLevel;
  }
  focus(): void {
    this._window.focus();
  }
  isFocused(): boolean {
    return this._window.isFocused();
  }
  getProcessId(): number {
    return 1000 + this.id;
  }
  getOSProcessId(): number {
    return 0;
  }
  executeJavaScript(code: string): Promise<unknown> {
    this._alive();
    return this._pageReady.then((page) => page.evaluate(code));
  }
  isDestroyed(): boolean {
    return this._destroyed;
  }

  private _alive(): void {
    if (this._destroyed) throw new TypeError('Object has been destroyed');
  }

  /** The window went: the page closes and the app hears 'destroyed'. */
  async _destroyPage(): Promise<void> {
    if (this._destroyed) return;
    this._destroyed = true;
    contentsById.delete(this.id);
    emitNative(this, 'destroyed', electronEvent());
    const page = this._page ?? (await this._pageReady.catch(() => undefined));
    await page?.close({ runBeforeUnload: false }).catch(() => {});
  }

  get _pageForHarness(): Page | undefined {
    return this._page;
  }
}

// --- BrowserWindow ---

export class BrowserWindow extends EventEmitter {
  readonly id = nextWindowId++;
  readonly webContents: WebContents;
  private readonly _options: Record<string, unknown>;
  private _visible: boolean;
  private _focused = false;
  private _minimized = false;
  private _maximized = false;
  private _fullScreen = false;
  private _destroyed = false;
  private _closing = false;
  private _bounds: { x: number; y: number; width: number; height: number };
  private readonly _loads: string[] = [];
  private _shows = 0;
  private _focuses = 0;
  _titleFromApp: string | undefined;

  static getAllWindows(): BrowserWindow[] {
    return windows.filter((window) => !window.isDestroyed());
  }

  static getFocusedWindow(): BrowserWindow | null {
    return focusedWindow() ?? null;
  }

  static fromWebContents(contents: WebContents): BrowserWindow | null {
    return (
      windows.find((window) => window.webContents === contents && !window.isDestroyed()) ?? null
    );
  }

  static fromId(id: number): BrowserWindow | null {
    return windows.find((window) => window.id === id && !window.isDestroyed()) ?? null;
  }

  constructor(options: Record<string, unknown> = {}) {
    super();
    if (!app.isReady()) throw new Error('Cannot create BrowserWindow before app is ready');
    if (typeof options !== 'object' || options === null) throw new TypeError('Invalid options');
    const prefs = (options['webPreferences'] ?? {}) as Record<string, unknown>;
    checkWebPreferences(prefs);
    if (options['icon'] !== undefined) imageFrom(options['icon'], 'BrowserWindow icon');
    this._options = options;
    const width = Number(options['width'] ?? 800);
    const height = Number(options['height'] ?? 600);
    this._bounds = { x: Number(options['x'] ?? 0), y: Number(options['y'] ?? 0), width, height };
    this._titleFromApp = options['title'] as string | undefined;
    onlyEmulatedEvents(this, 'BrowserWindow', WINDOW_EVENTS);
    const self = strict(this, 'BrowserWindow');
    windows.push(self);
    this.webContents = new WebContents(self, (prefs['preload'] as string | undefined) ?? null, {
      width,
      height,
    });
    this._visible = options['show'] !== false;
    if (this._visible) this._takeFocus();
    emitNative(app, 'web-contents-created', electronEvent(), this.webContents);
    emitNative(app, 'browser-window-created', electronEvent(), self);
    changed();
    return self;
  }

  _recordLoad(url: string): void {
    this._loads.push(url);
    changed();
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }

  loadFile(
    filePath: string,
    options?: { query?: Record<string, string>; search?: string; hash?: string },
  ): Promise<void> {
    return this.webContents.loadFile(filePath, options);
  }

  reload(): void {
    this.webContents.reload();
  }

  private _alive(): void {
    if (this._destroyed) throw new TypeError('Object has been destroyed');
  }

  private _takeFocus(): void {
    for (const other of windows) {
      if (other.id !== this.id && other.isFocused()) other._loseFocus();
    }
    if (!this._focused) {
      this._focused = true;
      emitNative(this, 'focus', electronEvent());
    }
  }

  _loseFocus(): void {
    if (!this._focused) return;
    this._focused = false;
    emitNative(this, 'blur', electronEvent());
  }

  show(): void {
    this._alive();
    this._shows++;
    if (!this._visible) {
      this._visible = true;
      emitNative(this, 'show', electronEvent());
    }
    this._takeFocus();
    changed();
  }

  showInactive(): void {
    this._alive();
    if (!this._visible) {
      this._visible = true;
      emitNative(this, 'show', electronEvent());
    }
    changed();
  }

  hide(): void {
    this._alive();
    if (this._visible) {
      this._visible = false;
      this._loseFocus();
      emitNative(this, 'hide', electronEvent());
    }
    changed();
  }

  focus(): void {
    this._alive();
    this._focuses++;
    this._takeFocus();
    changed();
  }

  blur(): void {
    this._alive();
    this._loseFocus();
    changed();
  }

  isFocused(): boolean {
    return this._focused && !this._destroyed;
  }

  isVisible(): boolean {
    return this._visible && !this._destroyed;
  }

  minimize(): void {
    this._alive();
    if (!this._minimized) {
      this._minimized = true;
      this._loseFocus();
      emitNative(this, 'minimize', electronEvent());
    }
    changed();
  }

  restore(): void {
    this._alive();
    if (this._minimized) {
      this._minimized = false;
      emitNative(this, 'restore', electronEvent());
    }
    this._visible = true;
    changed();
  }

  isMinimized(): boolean {
    return this._minimized;
  }

  maximize(): void {
    this._alive();
    this._maximized = true;
    this._visible = true;
    emitNative(this, 'maximize', electronEvent());
    changed();
  }

  unmaximize(): void {
    this._alive();
    this._maximized = false;
    emitNative(this, 'unmaximize', electronEvent());
    changed();
  }

  isMaximized(): boolean {
    return this._maximized;
  }

  setFullScreen(flag: boolean): void {
    this._alive();
    if (this._fullScreen === Boolean(flag)) return;
    this._fullScreen = Boolean(flag);
    emitNative(this, flag ? 'enter-full-screen' : 'leave-full-screen', electronEvent());
    changed();
  }

  isFullScreen(): boolean {
    return this._fullScreen;
  }

  getTitle(): string {
    return this._titleFromApp ?? this.webContents.getTitle();
  }

  setTitle(title: string): void {
    this._titleFromApp = String(title);
    changed();
  }

  getBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this._bounds };
  }

  setBounds(bounds: Partial<{ x: number; y: number; width: number; height: number }>): void {
    this._bounds = { ...this._bounds, ...bounds };
    void this.webContents._pageForHarness?.setViewportSize({
      width: this._bounds.width,
      height: this._bounds.height,
    });
    changed();
  }

  getSize(): [number, number] {
    return [this._bounds.width, this._bounds.height];
  }

  setSize(width: number, height: number): void {
    this.setBounds({ width, height });
  }

  getContentSize(): [number, number] {
    return this.getSize();
  }

  setContentSize(width: number, height: number): void {
    this.setBounds({ width, height });
  }

  getPosition(): [number, number] {
    return [this._bounds.x, this._bounds.y];
  }

  setPosition(x: number, y: number): void {
    this.setBounds({ x, y });
  }

  center(): void {}
  setMenu(): void {}
  removeMenu(): void {}
  setMenuBarVisibility(): void {}
  setAutoHideMenuBar(): void {}
  setSkipTaskbar(): void {}
  setProgressBar(): void {}
  flashFrame(): void {}
  setAlwaysOnTop(): void {}
  setIcon(icon: unknown): void {
    imageFrom(icon, 'BrowserWindow.setIcon');
  }

  /** close(): asks the window ('close' can be prevented); true when it will close. */
  _requestClose(): boolean {
    this._alive();
    if (this._closing) return true;
    const event = electronEvent();
    emitNative(this, 'close', event);
    if (event.defaultPrevented) return false;
    this._closing = true;
    void this._finishClosing();
    return true;
  }

  close(): void {
    this._requestClose();
  }

  /** destroy(): no 'close', no beforeunload, but 'closed' is guaranteed, and at once. */
  destroy(): void {
    if (this._destroyed) return;
    this._markDestroyed();
    void this.webContents._destroyPage();
  }

  private async _finishClosing(): Promise<void> {
    await this.webContents._destroyPage();
    this._markDestroyed();
  }

  private _markDestroyed(): void {
    if (this._destroyed) return;
    this._destroyed = true;
    this._focused = false;
    this._visible = false;
    emitNative(this, 'closed', electronEvent());
    changed();
    windowClosed.emit('closed');
    if (BrowserWindow.getAllWindows().length === 0 && !app._isQuitting()) {
      // Without a listener, Electron quits when the last window closes.
      if (app.listenerCount('window-all-closed') === 0) app.quit();
      else emitNative(app, 'window-all-closed');
    }
  }

  isDestroyed(): boolean {
    return this._destroyed;
  }

  getNativeWindowHandle(): never {
    return notEmulated('BrowserWindow.getNativeWindowHandle');
  }

  _state(): WindowState {
    return {
      id: this.id,
      webContentsId: this.webContents.id,
      options: toJson(this._options),
      url: this._destroyed ? '' : this.webContents.getURL(),
      title: this.getTitle(),
      visible: this.isVisible(),
      focused: this.isFocused(),
      minimized: this._minimized,
      maximized: this._maximized,
      fullScreen: this._fullScreen,
      destroyed: this._destroyed,
      devToolsOpened: this.webContents.isDevToolsOpened(),
      loads: [...this._loads],
      shows: this._shows,
      focuses: this._focuses,
      ...(this.webContents._targetId ? { targetId: this.webContents._targetId } : {}),
      windowOpenHandler: this.webContents._hasWindowOpenHandler(),
      navigations: this.webContents._navigations.map((navigation) => ({ ...navigation })),
    };
  }

  [DESCRIBE]() {
    return { window: this.id };
  }
}

export function allWindows(): BrowserWindow[] {
  return BrowserWindow.getAllWindows();
}

/** Resolves once every window is destroyed. */
export function allWindowsClosed(): Promise<void> {
  return new Promise((resolveClosed) => {
    const check = () => {
      if (BrowserWindow.getAllWindows().length > 0) return;
      windowClosed.off('closed', check);
      resolveClosed();
    };
    windowClosed.on('closed', check);
    check();
  });
}

export function focusedWindow(): BrowserWindow | undefined {
  return windows.find((window) => window.isFocused());
}

setBindingHandler((source, args) => {
  const contents = contentsByPage.get(source.page);
  if (!contents) return { error: 'Error: this page is not an app window' };
  const [kind, channel, payload, documentId] = args as [string, string, unknown, string];
  return contents._fromPage(source, kind, channel, payload, documentId);
});

export const webContents = strict(
  {
    getAllWebContents: () => [...contentsById.values()],
    fromId: (id: number) => contentsById.get(id),
    getFocusedWebContents: () => focusedWindow()?.webContents ?? null,
    fromFrame: () => notEmulated('webContents.fromFrame'),
    fromDevToolsTargetId: () => notEmulated('webContents.fromDevToolsTargetId'),
  },
  'webContents',
);

onRequest('closeWindow', ({ id }) => {
  const window = BrowserWindow.fromId(id);
  if (!window) throw new Error(`there is no open window ${id}`);
  window.close();
});

registerPermissionOp((id) => {
  const window = BrowserWindow.fromId(id);
  if (!window) throw new Error(`there is no open window ${id}`);
  return window.webContents;
});

reportState(() => ({ windows: windows.map((window) => window._state()) }));

export const strictBrowserWindow = strict(BrowserWindow, 'BrowserWindow');
