// What runs in each window's page before the page's own scripts: the renderer half of Electron
// for a sandboxed preload. It gives the preload Electron's sandboxed `require` (electron's
// contextBridge and ipcRenderer, nothing of Node), runs it, copies what it exposes into the page
// as the context bridge copies, and carries IPC through the harness's binding as structured
// clones.
//
// NOT Chromium's isolation: the preload runs in the page's own JavaScript world, so its globals
// and prototypes are the page's (a page script that ran first could tamper with them; none runs
// first here). What is exposed is still a copy, and functions are wrappers, as in Electron.
//
// This function is injected with Function.toString, so it uses nothing from outside its body.

export interface PreambleConfig {
  /** The Playwright binding that reaches the app process (removed from the page at once). */
  binding: string;
  /** The hidden property main-to-renderer messages are delivered through. */
  deliver: string;
  preloadPath: string | null;
  /** Why the preload could not be read or parsed, if it could not. */
  preloadError: string | null;
  platform: string;
}

type Binding = (
  kind: string,
  channel: string,
  payload: unknown,
  documentId: string,
) => Promise<unknown>;
type Listener = (event: unknown, ...args: unknown[]) => void;

export function rendererPreamble(
  config: PreambleConfig,
  encodeClone: (value: unknown) => unknown,
  decodeClone: (value: unknown) => unknown,
  runPreload: (
    require: (name: string) => unknown,
    module: { exports: unknown },
    exports: unknown,
    process: unknown,
    global: unknown,
    Buffer: unknown,
    setImmediate: unknown,
    clearImmediate: unknown,
  ) => void,
): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  const call = scope[config.binding] as Binding | undefined;
  try {
    delete scope[config.binding];
  } catch {
    // not configurable: leave it
  }
  // Preloads run in the top frame only (nodeIntegrationInSubFrames is off).
  if (!call || window.top !== window) return;
  const documentId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  void call('hello', '', null, documentId);

  const notEmulated = (what: string) => {
    throw new Error(`not emulated: ${what}`);
  };
  const strictObject = (object: object, name: string) =>
    new Proxy(object, {
      get(target, property, receiver) {
        if (typeof property === 'symbol' || property in target || property === 'then') {
          return Reflect.get(target, property, receiver);
        }
        return notEmulated(`${name}.${property}`);
      },
    });

  // --- ipcRenderer ---

  const listeners = new Map<string, Listener[]>();
  const addListener = (channel: string, listener: Listener, once: boolean) => {
    if (typeof listener !== 'function')
      throw new TypeError('The "listener" argument must be of type function');
    const wrapped: Listener & { original?: Listener } = once
      ? Object.assign(
          (event: unknown, ...args: unknown[]) => {
            ipcRenderer.removeListener(channel, wrapped);
            listener(event, ...args);
          },
          { original: listener },
        )
      : listener;
    listeners.set(channel, [...(listeners.get(channel) ?? []), wrapped]);
    return ipcRenderer;
  };
  // Electron serializes IPC arguments with a structured clone and words a failure this way.
  const clonePayload = (args: unknown[]) => {
    let cloned: unknown;
    try {
      cloned = structuredClone(args);
    } catch {
      throw new Error('An object could not be cloned.');
    }
    return encodeClone(cloned);
  };

  const ipcRenderer: Record<string, unknown> & { removeListener(c: string, l: Listener): unknown } =
    {
      on: (channel: string, listener: Listener) => addListener(channel, listener, false),
      addListener: (channel: string, listener: Listener) => addListener(channel, listener, false),
      once: (channel: string, listener: Listener) => addListener(channel, listener, true),
      removeListener(channel: string, listener: Listener) {
        const list = listeners.get(channel) ?? [];
        const at = list.findIndex(
          (entry) => entry === listener || (entry as { original?: Listener }).original === listener,
        );
        if (at >= 0) list.splice(at, 1);
        return ipcRenderer;
      },
      off(channel: string, listener: Listener) {
        return ipcRenderer.removeListener(channel, listener);
      },
      removeAllListeners(channel?: string) {
        if (channel === undefined) listeners.clear();
        else listeners.delete(channel);
        return ipcRenderer;
      },
      listenerCount: (channel: string) => (listeners.get(channel) ?? []).length,
      send(channel: string, ...args: unknown[]) {
        if (typeof channel !== 'string') throw new TypeError('Missing required channel argument');
        void call('send', channel, clonePayload(args), documentId);
      },
      async invoke(channel: string, ...args: unknown[]) {
        if (typeof channel !== 'string') throw new TypeError('Missing required channel argument');
        const reply = (await call('invoke', channel, clonePayload(args), documentId)) as {
          error?: string;
          result?: unknown;
        };
        if (reply.error !== undefined) {
          throw new Error(`Error invoking remote method '${channel}': ${reply.error}`);
        }
        return decodeClone(reply.result);
      },
      sendSync: () => notEmulated('ipcRenderer.sendSync'),
      sendToHost: () => notEmulated('ipcRenderer.sendToHost'),
      postMessage: () => notEmulated('ipcRenderer.postMessage'),
    };
  const ipcEvent = { sender: ipcRenderer, senderId: 0, ports: [] as unknown[] };
  Object.defineProperty(window, config.deliver, {
    enumerable: false,
    configurable: false,
    value(channel: string, payload: unknown) {
      const args = decodeClone(payload) as unknown[];
      for (const listener of [...(listeners.get(channel) ?? [])]) {
        try {
          listener(ipcEvent, ...args);
        } catch (error) {
          // Thrown out of the renderer's IPC dispatch, as Electron's would be: an uncaught error.
          setTimeout(() => {
            throw error;
          });
        }
      }
    },
  });

  // --- the context bridge: copies, with functions and promises wrapped ---

  const bridge = (value: unknown, seen: Map<object, unknown>): unknown => {
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'function') {
        const fn = value as (...args: unknown[]) => unknown;
        return (...args: unknown[]) =>
          bridge(fn(...args.map((arg) => bridge(arg, new Map()))), new Map());
      }
      // Symbols cannot cross contexts; Electron drops them.
      return typeof value === 'symbol' ? undefined : value;
    }
    if (seen.has(value)) return seen.get(value);
    if (value instanceof Promise) {
      return new Promise((resolve, reject) =>
        value.then(
          (result) => resolve(bridge(result, new Map())),
          (error) => reject(bridge(error, new Map())),
        ),
      );
    }
    if (value instanceof Error) return new Error(value.message);
    if (value instanceof Node) return value;
    if (Array.isArray(value)) {
      const copy: unknown[] = [];
      seen.set(value, copy);
      for (const item of value) copy.push(bridge(item, seen));
      return copy;
    }
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    if (tag !== 'Object') return structuredClone(value);
    const copy: Record<string, unknown> = {};
    seen.set(value, copy);
    for (const key of Object.keys(value)) {
      copy[key] = bridge((value as Record<string, unknown>)[key], seen);
    }
    return copy;
  };

  const contextBridge = strictObject(
    {
      exposeInMainWorld(key: string, api: unknown) {
        if (typeof key !== 'string') throw new TypeError('apiKey must be a string');
        if (key in window) {
          throw new Error('Cannot bind an API on top of an existing property on the window object');
        }
        Object.defineProperty(window, key, {
          value: bridge(api, new Map()),
          enumerable: true,
          writable: false,
          configurable: false,
        });
      },
      exposeInIsolatedWorld: () => notEmulated('contextBridge.exposeInIsolatedWorld'),
      executeInMainWorld: () => notEmulated('contextBridge.executeInMainWorld'),
    },
    'contextBridge',
  );

  const electron = strictObject(
    {
      contextBridge,
      ipcRenderer: strictObject(ipcRenderer, 'ipcRenderer'),
      webFrame: strictObject({}, 'webFrame'),
      webUtils: strictObject({}, 'webUtils'),
      crashReporter: strictObject({}, 'crashReporter'),
      nativeImage: strictObject({}, 'nativeImage (renderer)'),
    },
    "require('electron') in the preload",
  );

  // --- new windows: Electron asks the app's window open handler; the harness opens none ---

  const askToOpen = (url: string, frameName: string, features: string, disposition: string) => {
    const absolute = new URL(url, location.href).href;
    void call(
      'open',
      '',
      encodeClone({ url: absolute, frameName, features, disposition }),
      documentId,
    );
  };
  window.open = (url?: string | URL, target?: string, features?: string) => {
    askToOpen(String(url ?? 'about:blank'), target ?? '', features ?? '', 'new-window');
    return null;
  };
  document.addEventListener(
    'click',
    (event) => {
      const anchor = (event.target as Element | null)?.closest?.(
        'a[href]',
      ) as HTMLAnchorElement | null;
      if (!anchor || ['', '_self', '_top', '_parent'].includes(anchor.target)) return;
      event.preventDefault();
      askToOpen(anchor.href, anchor.target, '', 'foreground-tab');
    },
    true,
  );

  // --- the sandboxed preload's environment ---

  const loaded: (() => void)[] = [];
  const sandboxRequire = (name: string) => {
    if (name === 'electron' || name === 'electron/renderer') return electron;
    if (['events', 'timers', 'url', 'node:events', 'node:timers', 'node:url'].includes(name)) {
      return notEmulated(`require('${name}') in a sandboxed preload`);
    }
    throw new Error(`module not found: ${name}`);
  };
  const sandboxProcess = strictObject(
    {
      platform: config.platform,
      type: 'renderer',
      sandboxed: true,
      contextIsolated: true,
      isMainFrame: true,
      env: {},
      argv: [],
      execPath: '',
      pid: 0,
      versions: {
        electron: '45.0.0-harness',
        chrome: navigator.userAgent.replace(/.*Chrome\/([\d.]+).*/, '$1'),
      },
      once(event: string, listener: () => void) {
        if (event === 'loaded') loaded.push(listener);
        else notEmulated(`process.once('${event}') in a sandboxed preload`);
      },
      on(event: string, listener: () => void) {
        if (event === 'loaded') loaded.push(listener);
        else notEmulated(`process.on('${event}') in a sandboxed preload`);
      },
    },
    'process (sandboxed preload)',
  );
  const unavailableBuffer = strictObject({}, 'Buffer (sandboxed preload)');

  const fail = (error: unknown) => {
    console.error(`Unable to load preload script: ${config.preloadPath}`);
    console.error(error);
  };
  if (config.preloadPath === null) return;
  if (config.preloadError !== null) return fail(config.preloadError);
  try {
    const module = { exports: {} };
    runPreload(
      sandboxRequire,
      module,
      module.exports,
      sandboxProcess,
      globalThis,
      unavailableBuffer,
      (fn: () => void) => setTimeout(fn),
      (id: number) => clearTimeout(id),
    );
  } catch (error) {
    fail(error);
  }
  for (const listener of loaded) listener();
}
