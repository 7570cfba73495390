// Smoke test: the built `airlock serve` hands the UI to a real Chromium, the page renders under
// the served Content-Security-Policy without console errors, and the page can call the app API
// on its own origin.
import { expect, test, type ConsoleMessage } from '@playwright/test';
import type { ServerInfo } from '../../src/shared/contract';
import { MEATSPACE_SERVER_ID, startServe, type ServedAirlock } from './helpers/serve';

let airlock: ServedAirlock;

test.beforeAll(async () => {
  airlock = await startServe();
});

test.afterAll(async () => {
  await airlock?.close();
});

test('serve hands the UI to the browser, and the page reaches the app API', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    const where = message.location().url;
    // Chromium asks for /favicon.ico on its own and logs the 404; the UI ships no icon yet, and
    // that request is the browser's, not the page's.
    if (where !== '' && new URL(where).pathname === '/favicon.ico') return;
    // CSP violations are reported to the console as errors ("Refused to ...").
    if (message.type() === 'error' || /Content.Security.Policy|Refused to/i.test(message.text())) {
      problems.push(`console.${message.type()}: ${message.text()} (${where})`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  // A violation event fires in the page even when nothing reaches the console.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });

  const response = await page.goto(airlock.uiUrl);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");

  await expect(page).toHaveTitle(/Airlock/);
  await expect(page.getByRole('heading', { name: 'Airlock' })).toBeVisible();

  const api = await page.evaluate(async (token) => {
    const res = await fetch('/api/servers.list', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: res.status, body: (await res.json()) as { servers?: ServerInfo[] } };
  }, airlock.token);
  expect(api.status).toBe(200);
  expect(api.body.servers?.map((server) => [server.id, server.transport])).toEqual([
    [MEATSPACE_SERVER_ID, 'stdio'],
  ]);

  expect(problems).toEqual([]);
});
