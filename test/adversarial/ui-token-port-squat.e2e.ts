// A UI tab left open while Airlock is stopped, and another local program that takes the port:
// the page must not hand it the UI token (which stays the same across restarts). The browser's
// own EventSource reconnection used to resend `?token=` to whoever listened there. A real
// `airlock serve` with its kept token, a real Chromium, and a plain node:http recorder on the port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { makeDataDir, removeDataDir, REPO_ROOT } from '../helpers/airlock-harness';

/** Longer than EventSource's retry (about 3 s in Chromium) and the UI's own, twice over. */
const SQUAT_MS = 8000;
const START_TIMEOUT_MS = 15_000;

interface Serving {
  child: ChildProcess;
  port: number;
  uiUrl: string;
  token: string;
}

/** `airlock serve` on `port` with the kept UI token (AIRLOCK_UI_TOKEN unset), as a user runs it. */
async function serve(dataDir: string, home: string, port: number): Promise<Serving> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
  };
  delete env.AIRLOCK_UI_TOKEN;
  const child = spawn(
    process.execPath,
    [resolve(REPO_ROOT, 'bin/airlock.js'), 'serve', '--data-dir', dataDir, '--port', String(port)],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr!.resume();
  let output = '';
  return new Promise<Serving>((resolveServing, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`airlock serve did not start; its output:\n${output}`));
    }, START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const ui = /^UI [^\n]*?(http:\/\/127\.0\.0\.1:(\d+)\/#token=(\S+))\r?\n/m.exec(output);
      if (!ui) return;
      clearTimeout(timer);
      resolveServing({
        child,
        port: Number(ui[2]),
        uiUrl: ui[1]!,
        token: decodeURIComponent(ui[3]!),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`airlock serve exited (code ${code}); its output:\n${output}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What another local user's program would run: listen on the port and note everything sent. */
async function listenAndRecord(port: number) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    });
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => done());
  });
  return {
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function carriesToken(request: Recorded, token: string): boolean {
  const text = [request.url, JSON.stringify(request.headers), request.body].join('\n');
  return text.includes(token) || text.includes(encodeURIComponent(token));
}

async function openClients(page: Page): Promise<void> {
  await page.locator('nav[aria-label="Screens"]').getByRole('button', { name: 'Clients' }).click();
  await expect(page.getByRole('heading', { name: 'Clients', level: 2 })).toBeVisible();
}

let home: string;
let dataDir: string;
const running: ChildProcess[] = [];

test.beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'airlock-squat-home-'));
  dataDir = makeDataDir({ mcpServers: {} });
});

test.afterAll(async () => {
  for (const child of running) await stop(child);
  removeDataDir(dataDir);
  rmSync(home, { recursive: true, force: true });
});

test('a program that takes the port of a stopped Airlock never gets the UI token from an open tab', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const first = await serve(dataDir, home, 0);
  running.push(first.child);
  const streamOpen = page.waitForResponse(
    (response) => new URL(response.url()).pathname === '/api/events' && response.status() === 200,
  );
  await page.goto(first.uiUrl);
  await streamOpen;
  await openClients(page);
  await expect(page.getByText('No clients yet.')).toBeVisible();

  // Airlock stops with the tab open; another program binds the same 127.0.0.1 port.
  await stop(first.child);
  const squatter = await listenAndRecord(first.port);
  try {
    const squatStarted = Date.now();
    // The person clicks something meanwhile: the command must not carry the token either.
    await page.getByLabel('New client').fill('while-away');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForTimeout(SQUAT_MS - (Date.now() - squatStarted));

    const leaked = squatter.requests.filter((request) => carriesToken(request, first.token));
    expect(leaked.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    // The page did knock (so the check above means something), asking only for a proof.
    expect(squatter.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of squatter.requests) {
      expect(`${request.method} ${new URL(request.url, 'http://x').pathname}`).toBe(
        'GET /api/identity',
      );
      expect(request.headers.authorization).toBeUndefined();
    }
    await expect(page.getByRole('alert')).toContainText(
      "not the Airlock that issued this page's link",
    );
  } finally {
    await squatter.close();
  }

  // Airlock comes back on its port with the same kept token: the tab proves it and carries on.
  const reopened = page.waitForResponse(
    (response) => new URL(response.url()).pathname === '/api/events' && response.status() === 200,
    { timeout: 20_000 },
  );
  const second = await serve(dataDir, home, first.port);
  running.push(second.child);
  expect(second.token).toBe(first.token);
  await reopened;
  await page.getByRole('alert').getByRole('button', { name: 'Dismiss' }).click();
  await page.getByLabel('New client').fill('after-restart');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Token for after-restart' })).toBeVisible();
  // A grant made elsewhere arrives over the reopened event stream.
  const added = await fetch(`http://127.0.0.1:${second.port}/api/grants.add`, {
    method: 'POST',
    headers: { authorization: `Bearer ${second.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'from-a-script' }),
  });
  expect(added.status).toBe(200);
  await expect(page.getByText('from-a-script')).toBeVisible();
});
