// The built desktop app's window under the emulated electron: the built renderer in a real
// Chromium page with the built preload, every screen served over IPC by the core the app started
// on a real data folder (the MeatSpace fixture as a stdio server), a reload that keeps the
// screen, and links to the web handed to the browser instead of opened in the window. Needs `npm run build` first (npm test runs it).
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILT_PRELOAD,
  BUILT_RENDERER_URL,
  expectUi,
  MEATSPACE_SERVER_ID,
  startAirlockDesktop,
  type AirlockDesktop,
} from './airlock-desktop';

let airlock: AirlockDesktop;
let page: Page;
/** Every request the window's page made to the core's HTTP listener (there should be none). */
const httpToCore: string[] = [];

beforeAll(async () => {
  airlock = await startAirlockDesktop({ grants: ['desktop-agent'] });
  page = await airlock.desktop.page();
  page.on('request', (request: Request) => {
    if (request.url().startsWith(airlock.url)) httpToCore.push(request.url());
  });
});

afterAll(async () => {
  await airlock?.close();
});

async function openScreen(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name }).click();
  await expectUi(page.getByRole('heading', { name, level: 2 })).toBeVisible();
}

describe('the desktop window', () => {
  it('is one locked-down window on the built renderer, with the built preload', async () => {
    // Made hidden, it is shown once the page was drawn (ready-to-show).
    const window = await airlock.desktop.waitFor('the window shown', (state) =>
      state.windows.find((candidate) => candidate.visible),
    );
    expect(window.options).toMatchObject({
      show: false,
      webPreferences: {
        preload: BUILT_PRELOAD,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
      },
    });
    expect(window.url).toBe(`${BUILT_RENDERER_URL}#/pending`);
    expect((await airlock.desktop.state()).windows).toHaveLength(1);
    // The bridge is there, and nothing of Electron or Node leaked into the page.
    expect(
      await page.evaluate(() => ({
        bridge: Object.keys((window as unknown as { airlock: object }).airlock).sort(),
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
      })),
    ).toEqual({ bridge: ['call', 'on'], require: 'undefined', process: 'undefined' });
  });

  it('renders every screen with what the data folder holds, over IPC', async () => {
    await openScreen('Pending');
    await expectUi(page.getByText('No calls are waiting for you.')).toBeVisible();

    await openScreen('Activity');
    await expectUi(page.getByText('No calls yet.')).toBeVisible();

    await openScreen('Policies');
    await expectUi(page.getByRole('group', { name: 'Rule for provision_api_key' })).toBeVisible();

    await openScreen('Servers');
    const server = page.getByRole('listitem', { name: `Server ${MEATSPACE_SERVER_ID}` });
    await expectUi(
      server.getByLabel(`Endpoint of ${MEATSPACE_SERVER_ID}`, { exact: true }),
    ).toHaveText(`${airlock.url}/mcp/${MEATSPACE_SERVER_ID}`);
    // Its tools came from the stdio server the app started.
    await expectUi(server.getByText(/Loaded from/)).toBeVisible();

    await openScreen('Clients');
    await expectUi(page.getByRole('main').getByText('desktop-agent').first()).toBeVisible();

    await openScreen('Settings');
    await expectUi(page.getByLabel('Approval timeout')).toHaveValue('120');

    // The window has no UI token: all of that came through the preload's bridge.
    expect(httpToCore).toEqual([]);
  });

  it("hands the page an export's text as a string, over IPC", async () => {
    // The history's worker sends the export as bytes; the IPC transport decodes them.
    const answer = await page.evaluate(() =>
      (
        window as unknown as { airlock: { call(c: string, i: unknown): Promise<unknown> } }
      ).airlock.call('history.export', { format: 'csv' }),
    );
    expect(answer).toMatchObject({
      ok: true,
      output: { mimeType: 'text/csv', rows: 0, truncated: false },
    });
    const content = (answer as { output: { content: unknown } }).output.content;
    expect(typeof content).toBe('string');
    expect(content).toMatch(/^id,receivedAt,/);
  });

  it('survives a reload on #/policies, and stays on that screen', async () => {
    await openScreen('Policies');
    expect(new URL(page.url()).hash).toBe('#/policies');
    await page.reload();
    await expectUi(page.getByRole('heading', { name: 'Policies', level: 2 })).toBeVisible();
    await expectUi(page.getByRole('group', { name: 'Rule for provision_api_key' })).toBeVisible();
    const window = await airlock.desktop.window();
    expect(window.url).toBe(`${BUILT_RENDERER_URL}#/policies`);
    // A reload is not a navigation away, which the app refuses.
    expect(window.navigations).toEqual([]);
    expect(httpToCore).toEqual([]);
  });

  it('stays on its page: a link to the web opens in the browser, and leaving is refused', async () => {
    expect(await page.evaluate(() => window.open('https://example.com/docs'))).toBeNull();
    await airlock.desktop.waitFor('the link handed to the browser', (state) =>
      state.shell.find((call) => call.method === 'openExternal'),
    );
    await page.evaluate(() => {
      window.location.href = 'https://example.com/elsewhere';
    });
    const shown = await airlock.desktop.waitFor('the navigation refused', (state) =>
      state.windows.find((candidate) => candidate.navigations.length === 2),
    );
    expect(shown.navigations).toEqual([
      { url: 'https://example.com/docs', kind: 'open', allowed: false },
      { url: 'https://example.com/elsewhere', kind: 'navigate', allowed: false },
    ]);
    expect((await airlock.desktop.state()).shell).toEqual([
      { method: 'openExternal', args: ['https://example.com/docs'] },
    ]);
    await expectUi(page.getByRole('heading', { name: 'Airlock' })).toBeVisible();
    expect(shown.url.startsWith(BUILT_RENDERER_URL)).toBe(true);
  });

  it('logged no renderer error, page error or failed preload', async () => {
    expect((await airlock.desktop.state()).problems).toEqual([]);
  });
});
