// Serving the built UI in headless mode: index.html for the UI's own routes, assets with their
// content types, strict security headers, and nothing outside the renderer directory.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHttpServer,
  type McpRoute,
  type RunningHttpServer,
} from '../../../../src/main/adapters/http/http-server';
import { safeRelativePath } from '../../../../src/main/adapters/http/static-files';
import { silentLogger } from '../../../../src/main/core/ports';

const SECRET = 'SECRET-OUTSIDE-THE-RENDERER';
const INDEX = '<!doctype html><title>Airlock</title><script src="/assets/app.js"></script>';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

let dir: string;
let server: RunningHttpServer;

const stubMcp: McpRoute = {
  handle(_req: http.IncomingMessage, res: http.ServerResponse) {
    res.writeHead(204).end();
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-static-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: SECRET }));
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), INDEX);
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(join(renderer, 'assets', 'style.css'), 'body { color: red; }');
  writeFileSync(join(renderer, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(renderer, 'assets', 'font.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(renderer, 'assets', 'blob.xyz'), 'opaque');
  symlinkSync(join(dir, 'secret.txt'), join(renderer, 'assets', 'link.txt'));
  server = await startHttpServer({
    port: 0,
    authenticateGrant: () => undefined,
    mcp: stubMcp,
    logger: silentLogger,
    rendererDir: renderer,
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http, not fetch: fetch would normalise `..` out of the path before sending it. */
function get(path: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<RawResponse>((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path,
        headers: options.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('index.html', () => {
  it('is served for / with strict security headers', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.body).toBe(INDEX);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(CSP);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it.each(['/history', '/approvals/abc-123', '/settings/', '/index.html', '/?x=1'])(
    'is served for the UI route %s',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.body).toBe(INDEX);
      expect(response.headers['content-security-policy']).toBe(CSP);
    },
  );

  it('answers HEAD with the headers only', async () => {
    const response = await get('/', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(INDEX)));
    expect(response.body).toBe('');
  });

  it('answers 405 to other methods', async () => {
    const response = await get('/', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });
});

describe('assets', () => {
  it.each([
    ['/assets/app.js', 'text/javascript; charset=utf-8'],
    ['/assets/style.css', 'text/css; charset=utf-8'],
    ['/assets/logo.svg', 'image/svg+xml'],
    ['/assets/font.woff2', 'font/woff2'],
    ['/assets/blob.xyz', 'application/octet-stream'],
  ])('serves %s as %s', async (path, type) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toMatch(/immutable/);
  });

  it.each(['/assets/missing.js', '/assets/missing', '/assets/', '/favicon.ico', '/nope.css'])(
    'answers 404 for the missing file %s',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('<!doctype');
    },
  );
});

describe('paths that try to leave the directory', () => {
  it.each([
    '/../package.json',
    '/../secret.txt',
    '/%2e%2e/package.json',
    '/%2E%2E/secret.txt',
    '/%2e%2e%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/../../secret.txt',
    '/..%5csecret.txt',
    '/assets/..\\..\\secret.txt',
    '/%252e%252e/package.json',
    '/secret.txt%00.js',
    '/%00',
    '/%E0%A4%A',
    '/assets/link.txt',
    '/./index.html',
  ])('refuses %s', async (path) => {
    const response = await get(path);
    expect([400, 404]).toContain(response.status);
    expect(response.body).not.toContain(SECRET);
    expect(response.headers['content-security-policy']).toBe(CSP);
  });

  it('reads an absolute-looking path as a UI route under the directory', async () => {
    const response = await get('//etc/passwd');
    expect(response.status).toBe(200);
    expect(response.body).toBe(INDEX);
  });

  it.each([
    ['/', ''],
    ['/assets/app.js', 'assets/app.js'],
    ['//assets//app.js', 'assets/app.js'],
    ['/history/42', 'history/42'],
    ['/../x', undefined],
    ['/%2e%2e/x', undefined],
    ['/a/%2E/b', undefined],
    ['/a%5c..%5cb', undefined],
    ['/a%00b', undefined],
    ['/%zz', undefined],
  ])('reads %s as %s', (path, relative) => {
    expect(safeRelativePath(path)).toBe(relative);
  });
});

describe('the listener', () => {
  it('still checks Host and Origin for static files', async () => {
    const host = await get('/', { headers: { host: `evil.example:${server.port}` } });
    expect(host.status).toBe(403);
    const origin = await get('/', { headers: { origin: 'http://evil.example' } });
    expect(origin.status).toBe(403);
  });

  it('leaves /mcp/ and /api/ alone', async () => {
    expect((await get('/mcp/some-server')).status).toBe(401);
    const api = await get('/api/events');
    expect(api.status).toBe(404);
    expect(api.body).not.toContain('<!doctype');
  });

  it('answers 404 when the UI is not built', async () => {
    const empty = await startHttpServer({
      port: 0,
      authenticateGrant: () => undefined,
      mcp: stubMcp,
      logger: silentLogger,
      rendererDir: join(dir, 'not-built'),
    });
    try {
      const response = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: empty.port, path: '/' }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      expect(response).toBe(404);
    } finally {
      await empty.close();
    }
  });
});
