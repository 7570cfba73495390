// Serves the built renderer (index.html and assets/) to the browser in headless mode. Only files
// under that directory are ever read; paths that are not files fall back to index.html (the UI
// routes itself). The files hold no data, so they need no token. The desktop window's app://
// protocol (../electron/app-protocol.ts) finds its files the same way (locateRendererFile).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { Logger } from '../../core/ports';

export type StaticFiles = (req: IncomingMessage, res: ServerResponse, path: string) => void;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Sent with every response, so even an error page cannot be framed or run foreign script. */
export const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function createStaticFiles(rootDir: string, logger: Logger): StaticFiles {
  // Resolved once; symlinks are followed before the containment check, so a link inside the
  // directory cannot lead out of it.
  let root: string | undefined;
  async function realRoot(): Promise<string | undefined> {
    try {
      root ??= await realpath(resolve(rootDir));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    return root;
  }

  async function serve(req: IncomingMessage, res: ServerResponse, relative: string) {
    const base = await realRoot();
    if (base === undefined) return sendText(res, 404, 'The UI is not built.');
    const found = await locateRendererFile(base, relative);
    if (found.status !== 200) return sendText(res, found.status, found.text);
    sendFile(req, res, found);
  }

  return (req, res, path) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendText(res, 405, 'Use GET.');
    }
    const relative = safeRelativePath(path);
    if (relative === undefined) return sendText(res, 400, 'Bad path.');
    serve(req, res, relative).catch((error: unknown) => {
      logger.error('static file failed', { error: (error as Error)?.stack ?? String(error) });
      if (!res.headersSent) sendText(res, 500, 'Internal error.');
      else res.destroy();
    });
  };
}

export type LocatedFile =
  | { status: 200; path: string; size: number; contentType: string; immutable: boolean }
  | { status: 404; text: string };

/**
 * The file a relative path (already checked by safeRelativePath) names under the renderer's real
 * root: a built file, or index.html for the UI's own routes; a missing asset is a 404.
 */
export async function locateRendererFile(base: string, relative: string): Promise<LocatedFile> {
  if (relative !== '') {
    const file = await existingFile(base, relative);
    const asset = relative === 'assets' || relative.startsWith('assets/');
    if (file) return located(file, asset);
    if (asset || extname(relative) !== '') return { status: 404, text: 'Not found.' };
  }
  const index = await existingFile(base, 'index.html');
  if (!index) return { status: 404, text: 'The UI is not built.' };
  return located(index, false);
}

function located(file: { path: string; size: number }, immutable: boolean): LocatedFile {
  const contentType = CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
  return { status: 200, ...file, contentType, immutable };
}

/**
 * The request path as a relative path under the root, or undefined when it tries to leave it:
 * a `..` or `.` segment (plain or percent-encoded), a backslash, a NUL or broken encoding.
 */
export function safeRelativePath(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) return undefined;
  return segments.join('/');
}

async function existingFile(
  base: string,
  relative: string,
): Promise<{ path: string; size: number } | undefined> {
  const prefix = base.endsWith(sep) ? base : base + sep;
  const candidate = resolve(base, relative);
  if (!candidate.startsWith(prefix)) return undefined;
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  if (!real.startsWith(prefix)) return undefined;
  const info = await stat(real);
  return info.isFile() ? { path: real, size: info.size } : undefined;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Headers for a renderer file: the security headers, its type, and how long it may be cached. */
export function rendererFileHeaders(
  contentType: string,
  immutable: boolean,
): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    'content-type': contentType,
    // Built assets carry a content hash in their names; index.html must be re-read after a build.
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}

function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: Extract<LocatedFile, { status: 200 }>,
): void {
  res.writeHead(200, {
    ...rendererFileHeaders(file.contentType, file.immutable),
    'content-length': file.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file.path)
    .on('error', () => res.destroy())
    .pipe(res);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
