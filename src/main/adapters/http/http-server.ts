// Airlock's one HTTP listener, on 127.0.0.1 only. Every request passes the DNS-rebinding checks
// (Host and Origin must name this listener) before it is routed: agents' MCP requests (with their
// grant's Bearer token) to /mcp/, the UI's API (with the UI token, except the proof that this
// server holds that token) to /api/, and in headless mode everything else to the built UI.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/ports';
import { createApiRoutes, uiTokenSource, type ApiRoutesOptions } from './api-routes';
import { bearerToken, sendJson } from './http-io';
import { createStaticFiles } from './static-files';

export interface HttpServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** The grant a token belongs to, or undefined for an unknown or revoked token. */
  authenticateGrant(token: string): string | undefined;
  mcp: McpRoute;
  logger: Logger;
  /** The UI's API (headless mode); without it /api/ answers 404. */
  api?: ApiRoutesOptions;
  /** The built renderer (index.html, assets/), served for paths outside /mcp/ and /api/. */
  rendererDir?: string;
  /** How long receiving a request may take and how many connections may be open. */
  limits?: HttpLimits;
}

/** Where an authenticated agent's request to /mcp/<server-id> goes (the MCP endpoint). */
export interface McpRoute {
  handle(req: IncomingMessage, res: ServerResponse, serverId: string, grant: string): void;
}

/**
 * Bounds on slow and numerous clients. Only RECEIVING a request is timed: once its body is in,
 * the answer may take as long as it needs (a call held for a person, an event stream).
 */
export interface HttpLimits {
  /** A request's headers must arrive within this; default 10 s. */
  headersTimeoutMs?: number;
  /** A whole request, headers and body, must arrive within this; default 30 s. */
  requestTimeoutMs?: number;
  /** Connections past this many are closed as soon as they open; default 512. */
  maxConnections?: number;
}

const DEFAULT_HTTP_LIMITS: Required<HttpLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Held calls and event streams each keep one open; file descriptors run out near 1024.
  maxConnections: 512,
};

/** Connections past the cap are refused silently; one warning in this long says so. */
const DROP_WARNING_MS = 60_000;

export interface RunningHttpServer {
  port: number;
  url: string;
  /** Opens the UI with its token; the fragment is never sent to a server. Set when `api` is. */
  uiUrl?: string;
  close(): Promise<void>;
}

/** Headers a request may send once at most, by lowercase name, with the name to show. */
const SINGLE_HEADERS = new Map([
  ['host', 'Host'],
  ['origin', 'Origin'],
  ['authorization', 'Authorization'],
]);

const MCP_PATH = /^\/mcp\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\/?$/;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  // Requests arrive only once the server listens, so its address is there when this is asked.
  const api =
    options.api &&
    createApiRoutes(options.api, options.logger, () => (server.address() as AddressInfo).port);
  const staticFiles =
    options.rendererDir !== undefined
      ? createStaticFiles(options.rendererDir, options.logger)
      : undefined;

  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  // Node checks for requests that are too slow on this interval, so a timeout ends at most this late.
  const checkEveryMs = Math.max(
    10,
    Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
  );
  // Node's timers measure receiving a request (a connection that sends nothing counts as slow
  // headers) and answer 408; event streams and held calls, whose requests are complete, stay open.
  const serverOptions: http.ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: checkEveryMs,
  };
  const server = http.createServer(serverOptions, (req, res) => {
    try {
      route(req, res);
    } catch (error) {
      options.logger.error('request failed', { error: (error as Error).stack });
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error.' });
      else res.destroy();
    }
  });

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0]!;
    const isApi = path === '/api' || path.startsWith('/api/');
    if (isApi) {
      // Also on the 403s below: nothing under /api may be cached or sniffed.
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-content-type-options', 'nosniff');
    }
    const repeated = repeatedHeader(req.rawHeaders);
    if (repeated !== undefined) {
      // Node keeps the first Host and Authorization and drops the rest unseen; a request that
      // names two hosts or two tokens is refused instead of guessed at.
      return sendJson(res, 400, { error: `Bad request: more than one ${repeated} header.` });
    }
    if (!allowedHosts.has(req.headers.host ?? '')) {
      return sendJson(res, 403, { error: 'Forbidden: unexpected Host header.' });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      return sendJson(res, 403, { error: 'Forbidden: unexpected Origin.' });
    }
    if (isApi) {
      if (!api) return sendJson(res, 404, { error: 'Not found.' });
      return api(req, res, url);
    }
    if (path.startsWith('/mcp/')) {
      const grant = grantOf(req);
      if (grant === undefined) {
        res.setHeader('www-authenticate', 'Bearer realm="airlock"');
        return sendJson(res, 401, {
          error: 'Unauthorized: send your grant token as Authorization: Bearer <token>.',
        });
      }
      const match = MCP_PATH.exec(path);
      if (!match) return sendJson(res, 404, { error: 'Not found.' });
      return options.mcp.handle(req, res, match[1]!, grant);
    }
    if (staticFiles) return staticFiles(req, res, path);
    sendJson(res, 404, { error: 'Not found.' });
  }

  function grantOf(req: IncomingMessage): string | undefined {
    const token = bearerToken(req.headers.authorization);
    return token === undefined ? undefined : options.authenticateGrant(token);
  }

  /** The first of Host, Origin and Authorization that the request sends more than once. */
  function repeatedHeader(raw: string[]): string | undefined {
    const seen = new Set<string>();
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (!SINGLE_HEADERS.has(name)) continue;
      if (seen.has(name)) return SINGLE_HEADERS.get(name);
      seen.add(name);
    }
    return undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  // A socket is never timed out for being idle while its answer is pending: a person may take minutes.
  server.timeout = 0;
  server.maxConnections = limits.maxConnections;
  let lastDropWarning = -Infinity;
  server.on('drop', () => {
    const now = Date.now();
    if (now - lastDropWarning < DROP_WARNING_MS) return;
    lastDropWarning = now;
    options.logger.warn(
      `refusing new connections: ${limits.maxConnections} are open (slow or stuck clients?)`,
    );
  });

  const uiToken = options.api && uiTokenSource(options.api.uiToken);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    // A getter: the kept token can be replaced while Airlock runs.
    get uiUrl() {
      return uiToken && `http://127.0.0.1:${port}/#token=${encodeURIComponent(uiToken.current())}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
