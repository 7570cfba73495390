// Airlock's one HTTP listener, on 127.0.0.1 only. Every request passes the DNS-rebinding checks
// (Host and Origin must name this listener) before it is routed: agents' MCP requests (with their
// grant's Bearer token) to /mcp/, the UI's API (with the UI token) to /api/, and in headless mode
// everything else to the built UI.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/ports';
import { sendJson, type McpEndpoint } from '../mcp/mcp-endpoint';
import { createApiRoutes, type ApiRoutesOptions } from './api-routes';
import { createStaticFiles } from './static-files';

export interface HttpServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** The grant a token belongs to, or undefined for an unknown or revoked token. */
  authenticateGrant(token: string): string | undefined;
  mcp: McpEndpoint;
  logger: Logger;
  /** The UI's API (headless mode); without it /api/ answers 404. */
  api?: ApiRoutesOptions;
  /** The built renderer (index.html, assets/), served for paths outside /mcp/ and /api/. */
  rendererDir?: string;
}

export interface RunningHttpServer {
  port: number;
  url: string;
  /** Opens the UI with its token; the fragment is never sent to a server. Set when `api` is. */
  uiUrl?: string;
  close(): Promise<void>;
}

const MCP_PATH = /^\/mcp\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\/?$/;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  const api = options.api && createApiRoutes(options.api, options.logger);
  const staticFiles =
    options.rendererDir !== undefined
      ? createStaticFiles(options.rendererDir, options.logger)
      : undefined;

  const server = http.createServer((req, res) => {
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
    const header = req.headers.authorization;
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? options.authenticateGrant(match[1]!) : undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  // Event streams stay open for as long as a client is connected.
  server.requestTimeout = 0;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    ...(options.api
      ? { uiUrl: `http://127.0.0.1:${port}/#token=${encodeURIComponent(options.api.uiToken)}` }
      : {}),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
