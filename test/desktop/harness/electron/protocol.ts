// The fake `protocol`, `net` and `session`. A window cannot load `app://host/...` in a plain
// Chromium, so a handled standard scheme is mapped to an http origin the harness intercepts in the
// page (`http://<host>.<scheme>.scheme.localhost/...`), whose every request becomes a `Request`
// for the app's handler with the app's own URL, and whose answer is the handler's `Response`,
// headers (a Content-Security-Policy, say) and all. URLs go back to the app's form wherever the
// app can see them (getURL, senderFrame.url, will-navigate).
import { EventEmitter } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json } from '../control-protocol';
import { app } from './app';
import type { WebContents } from './browser-window';
import { changed, onRequest, problem, reportState } from './control';
import { toJson } from './json';
import { missingModule, notEmulated, strict } from './strict';

type Handler = (request: Request) => Response | Promise<Response>;

const privileged = new Map<string, Record<string, unknown>>();
let privilegedRegistered = false;
const handlers = new Map<string, Handler>();

const BUILT_IN = new Set([
  'http',
  'https',
  'file',
  'data',
  'about',
  'blob',
  'javascript',
  'ws',
  'wss',
  'chrome',
  'devtools',
]);
const MAPPED_SUFFIX = '.scheme.localhost';

export const protocol = strict(
  {
    registerSchemesAsPrivileged(
      schemes: { scheme: string; privileges?: Record<string, unknown> }[],
    ): void {
      if (app.isReady()) {
        throw new Error(
          'protocol.registerSchemesAsPrivileged should be called before app is ready',
        );
      }
      if (privilegedRegistered)
        notEmulated('a second call to protocol.registerSchemesAsPrivileged', 'Electron allows one');
      if (!Array.isArray(schemes))
        throw new TypeError('registerSchemesAsPrivileged needs an array');
      for (const entry of schemes) {
        if (typeof entry?.scheme !== 'string')
          throw new TypeError('Each custom scheme needs a scheme name');
        privileged.set(entry.scheme, { ...(entry.privileges ?? {}) });
      }
      privilegedRegistered = true;
      changed();
    },

    handle(scheme: string, handler: Handler): void {
      requireReady('protocol.handle');
      if (typeof handler !== 'function')
        throw new TypeError('protocol.handle needs a handler function');
      if (BUILT_IN.has(scheme))
        notEmulated(`protocol.handle('${scheme}')`, 'intercepting a built-in scheme');
      if (handlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
      handlers.set(scheme, handler);
      changed();
    },

    unhandle(scheme: string): void {
      requireReady('protocol.unhandle');
      if (!handlers.delete(scheme)) throw new Error(`Failed to unregister protocol: ${scheme}`);
      changed();
    },

    isProtocolHandled(scheme: string): boolean {
      return handlers.has(scheme) || BUILT_IN.has(scheme);
    },

    registerFileProtocol: () =>
      notEmulated('protocol.registerFileProtocol', 'deprecated; use protocol.handle'),
    registerBufferProtocol: () =>
      notEmulated('protocol.registerBufferProtocol', 'deprecated; use protocol.handle'),
    registerStringProtocol: () =>
      notEmulated('protocol.registerStringProtocol', 'deprecated; use protocol.handle'),
    registerHttpProtocol: () =>
      notEmulated('protocol.registerHttpProtocol', 'deprecated; use protocol.handle'),
    registerStreamProtocol: () =>
      notEmulated('protocol.registerStreamProtocol', 'deprecated; use protocol.handle'),
    interceptFileProtocol: () => notEmulated('protocol.interceptFileProtocol'),
    interceptBufferProtocol: () => notEmulated('protocol.interceptBufferProtocol'),
    interceptStringProtocol: () => notEmulated('protocol.interceptStringProtocol'),
    interceptHttpProtocol: () => notEmulated('protocol.interceptHttpProtocol'),
    interceptStreamProtocol: () => notEmulated('protocol.interceptStreamProtocol'),
  },
  'protocol',
);

function requireReady(what: string): void {
  if (!app.isReady()) throw new Error(`${what} cannot be used before the app is ready`);
}

/** The URL a window's page really loads for a URL the app gave. */
export function toPageUrl(url: string): string {
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1);
  if (BUILT_IN.has(scheme)) return url;
  if (!handlers.has(scheme)) {
    throw Object.assign(new Error(`ERR_UNKNOWN_URL_SCHEME (-302) loading '${url}'`), {
      errno: -302,
      code: 'ERR_UNKNOWN_URL_SCHEME',
      url,
    });
  }
  if (privileged.get(scheme)?.['standard'] !== true) {
    notEmulated(
      `loading ${scheme}: URLs`,
      'the harness maps only schemes registered as privileged standard ones',
    );
  }
  if (!/^[a-z][a-z0-9-]*$/.test(scheme) || !/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(parsed.hostname)) {
    notEmulated(`the URL ${url}`, 'scheme and host must be plain DNS labels');
  }
  const port = parsed.port ? `:${parsed.port}` : '';
  return `http://${parsed.hostname}.${scheme}${MAPPED_SUFFIX}${port}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

/** The app's form of a URL the page shows (identity for everything but mapped schemes). */
export function toAppUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol !== 'http:' || !parsed.hostname.endsWith(MAPPED_SUFFIX)) return url;
  const labels = parsed.hostname.slice(0, -MAPPED_SUFFIX.length).split('.');
  const scheme = labels.pop()!;
  const port = parsed.port ? `:${parsed.port}` : '';
  return `${scheme}://${labels.join('.')}${port}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

/** Whether a page URL is one of a mapped scheme (served by the app's handler). */
export function isMappedUrl(url: string): boolean {
  return toAppUrl(url) !== url;
}

export interface ServedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Runs the app's handler for a request a page made to a mapped scheme. */
export async function serveMapped(
  pageUrl: string,
  init: { method: string; headers: Record<string, string>; body: Buffer | null },
): Promise<ServedResponse | undefined> {
  const appUrl = toAppUrl(pageUrl);
  const scheme = new URL(appUrl).protocol.slice(0, -1);
  const handler = handlers.get(scheme);
  if (!handler) return undefined;
  const request = new Request(appUrl, {
    method: init.method,
    headers: init.headers,
    ...(init.body && !['GET', 'HEAD'].includes(init.method)
      ? { body: new Uint8Array(init.body) }
      : {}),
  });
  let response: unknown;
  try {
    response = await handler(request);
  } catch (error) {
    problem(
      `the ${scheme}: handler threw for ${appUrl}: ${(error as Error)?.stack ?? String(error)}`,
    );
    return undefined;
  }
  if (!(response instanceof Response)) {
    problem(`the ${scheme}: handler did not answer ${appUrl} with a Response`);
    return undefined;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

// --- net ---

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.cjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/vnd.microsoft.icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain',
  '.wasm': 'application/wasm',
};

async function netFetch(
  input: string | URL | Request,
  init?: RequestInit & { bypassCustomProtocolHandlers?: boolean },
): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const scheme = new URL(url).protocol.slice(0, -1);
  if (scheme === 'file') {
    // Chromium's file loader: the bytes and a type from the extension, or ERR_FILE_NOT_FOUND.
    const path = fileURLToPath(url);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new TypeError('net::ERR_FILE_NOT_FOUND');
    const type = MIME[extname(path).toLowerCase()];
    return new Response(await readFile(path), {
      status: 200,
      headers: type ? { 'content-type': type } : {},
    });
  }
  const handler = handlers.get(scheme);
  if (handler && !init?.bypassCustomProtocolHandlers) {
    return handler(input instanceof Request ? input : new Request(url, init));
  }
  if (!BUILT_IN.has(scheme)) throw new TypeError('net::ERR_UNKNOWN_URL_SCHEME');
  return fetch(input, init);
}

export const net = strict(
  {
    fetch: netFetch,
    isOnline: () => true,
    online: true,
    request: () => notEmulated('net.request'),
    resolveHost: () => notEmulated('net.resolveHost'),
  },
  'net',
);

// --- session ---

type PermissionRequestHandler = (
  webContents: WebContents | null,
  permission: string,
  callback: (granted: boolean) => void,
  details: Record<string, unknown>,
) => void;
type PermissionCheckHandler = (
  webContents: WebContents | null,
  permission: string,
  requestingOrigin: string,
  details: Record<string, unknown>,
) => boolean;

class Session extends EventEmitter {
  readonly protocol = protocol;
  readonly webRequest = missingModule('session.defaultSession.webRequest');
  readonly cookies = missingModule('session.defaultSession.cookies');
  readonly storagePath: string | null = null;
  _permissionRequestHandler: PermissionRequestHandler | null = null;
  _permissionCheckHandler: PermissionCheckHandler | null = null;
  private _userAgent = 'Mozilla/5.0 (harness) Chrome Electron/45';

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    if (handler !== null && typeof handler !== 'function')
      throw new TypeError('Must pass null or function');
    this._permissionRequestHandler = handler;
    changed();
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    if (handler !== null && typeof handler !== 'function')
      throw new TypeError('Must pass null or function');
    this._permissionCheckHandler = handler;
    changed();
  }

  getUserAgent(): string {
    return this._userAgent;
  }

  setUserAgent(userAgent: string): void {
    this._userAgent = String(userAgent);
  }

  clearCache(): Promise<void> {
    return Promise.resolve();
  }
}

export const defaultSession = strict(new Session(), 'session.defaultSession');

export const session = strict(
  {
    get defaultSession() {
      requireReady('session.defaultSession');
      return defaultSession;
    },
    fromPartition: () => notEmulated('session.fromPartition'),
    fromPath: () => notEmulated('session.fromPath'),
  },
  'session',
);

/** Asks the session's handler as Chromium would for a page's permission request. */
async function askPermission(
  kind: 'request' | 'check',
  webContents: WebContents,
  permission: string,
  details: Record<string, unknown>,
): Promise<boolean> {
  const url = webContents.getURL();
  const origin = url.startsWith('file:') ? 'file:///' : new URL(url).origin;
  const fullDetails = { requestingUrl: url, isMainFrame: true, ...details };
  if (kind === 'check') {
    // Without a handler Electron answers every check with yes.
    const handler = defaultSession._permissionCheckHandler;
    return handler ? handler(webContents, permission, origin, fullDetails) === true : true;
  }
  const handler = defaultSession._permissionRequestHandler;
  // Without a handler Electron grants every request.
  if (!handler) return true;
  return new Promise<boolean>((resolve) =>
    handler(webContents, permission, (granted) => resolve(granted === true), fullDetails),
  );
}

export function registerPermissionOp(find: (windowId: number) => WebContents): void {
  onRequest('permission', ({ kind, window, permission, details }) =>
    askPermission(kind, find(window), permission, (details ?? {}) as Record<string, unknown>),
  );
}

reportState(() => ({
  protocol: {
    privileged: [...privileged].map(
      ([scheme, privileges]) => ({ scheme, privileges: toJson(privileges) }) as Json,
    ),
    handled: [...handlers.keys()],
  },
  session: {
    permissionRequestHandler: defaultSession._permissionRequestHandler !== null,
    permissionCheckHandler: defaultSession._permissionCheckHandler !== null,
  },
}));
