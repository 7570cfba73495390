// The window's pages come from app://airlock/, a privileged scheme of Airlock's own, rather than
// file:// (whose extra privileges a renderer should not have): each request is answered from the
// built renderer folder with the same file rules and security headers (the CSP among them) as the
// headless UI's HTTP server.
import { readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Protocol } from 'electron';
import type { Logger } from '../../core/ports';
import {
  locateRendererFile,
  rendererFileHeaders,
  safeRelativePath,
  SECURITY_HEADERS,
} from '../http/static-files';

const APP_SCHEME = 'app';
const APP_HOST = 'airlock';
/** What the window loads in a built app. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Must run before the app is ready: a standard, secure scheme gets an origin, fetch and storage. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
}

/** Serves the renderer on app://airlock/; the returned function stops serving it. */
export function serveRenderer(
  protocol: Pick<Protocol, 'handle' | 'unhandle'>,
  rendererDir: string,
  logger: Logger,
): () => void {
  protocol.handle(APP_SCHEME, (request) =>
    rendererResponse(rendererDir, request.url, request.method).catch((error: unknown) => {
      logger.error('app:// request failed', { url: request.url, error: String(error) });
      return textResponse(500, 'Internal error.');
    }),
  );
  return () => protocol.unhandle(APP_SCHEME);
}

/** The answer to one app:// request. Only GET of app://airlock/<path under rendererDir>. */
export async function rendererResponse(
  rendererDir: string,
  url: string,
  method = 'GET',
): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') return textResponse(405, 'Use GET.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return textResponse(400, 'Bad address.');
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) {
    return textResponse(404, 'Not found.');
  }
  const relative = safeRelativePath(parsed.pathname);
  if (relative === undefined) return textResponse(400, 'Bad path.');
  let base: string;
  try {
    base = await realpath(resolve(rendererDir));
  } catch {
    return textResponse(404, 'The UI is not built.');
  }
  const found = await locateRendererFile(base, relative);
  if (found.status !== 200) return textResponse(found.status, found.text);
  const body = method === 'HEAD' ? null : await readFile(found.path);
  return new Response(body, {
    status: 200,
    headers: {
      ...rendererFileHeaders(found.contentType, found.immutable),
      'content-length': String(found.size),
    },
  });
}

function textResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
  });
}

/** True for a page of the built app (any path, query or hash under app://airlock/). */
export function isAppPage(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}
