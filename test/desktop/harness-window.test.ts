// The harness's windows, on a small windowed main process (fixtures/window-app.mjs): a page
// served by the app's protocol.handle with the handler's headers in force, a sandboxed preload
// whose bridge is a copy, IPC both ways as structured clones with Electron's sender frame, and the
// navigation guards asked before the page leaves or opens anything.
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUi } from './airlock-desktop';
import { DesktopApp } from './harness/desktop-app';

const FIXTURE = join(import.meta.dirname, 'fixtures/window-app.mjs');
const PAGE_URL = 'app://bundle/index.html';

/** What the fixture's preload exposes (fixtures/window-preload.cjs). */
interface FixtureBridge {
  echo(value: unknown): Promise<{
    value: { map: Map<string, number>; when: Date; big: bigint; list: number[]; twice: object[] };
    senderUrl: string | null;
    senderIsTop: boolean;
    senderIsWindow: boolean;
  }>;
  fail(): Promise<unknown>;
  ping(value: unknown): void;
  onPong(listener: (message: { got: unknown; counts: unknown }) => void): void;
  requireFs(): string;
  requireElectron(): string;
  hasIpcRenderer: boolean;
}
type FixtureWindow = { fixture: FixtureBridge | null };

let app: DesktopApp;
let page: Page;

beforeAll(async () => {
  app = await DesktopApp.start({ entry: FIXTURE });
  await app.waitFor('the window shown', (state) => state.windows.find((window) => window.visible));
  page = await app.page();
});

afterAll(async () => {
  await app?.close();
});

describe('a window of the emulated electron', () => {
  it("is served by the app's app:// handler, with the handler's headers in force", async () => {
    await expectUi(page.getByRole('heading', { name: 'Fixture window' })).toBeVisible();
    // page.js came through the handler as well.
    await expectUi(page.locator('body')).toHaveAttribute('data-script', 'ran');
    const state = await app.state();
    expect(state.protocol.handled).toEqual(['app']);
    expect(state.windows[0]).toMatchObject({ url: PAGE_URL, loads: [PAGE_URL] });
    // The CSP header allows no inline script: the page's inline one was refused.
    expect(await page.title()).toBe('Fixture window');
    expect(state.problems.some((problem) => /Content Security Policy/.test(problem))).toBe(true);
  });

  it('runs the preload sandboxed: only electron can be required, and the page gets a copy', async () => {
    const seen = await page.evaluate(() => {
      const scope = window as unknown as FixtureWindow;
      const fixture = scope.fixture!;
      // exposeInMainWorld's property cannot be replaced by the page.
      try {
        scope.fixture = null;
      } catch {
        // strict mode: assigning a read-only property throws
      }
      return {
        fs: fixture.requireFs(),
        electron: fixture.requireElectron(),
        hasIpcRenderer: fixture.hasIpcRenderer,
        reassigned: scope.fixture === null,
        pageSeesRequire: typeof (globalThis as { require?: unknown }).require,
      };
    });
    expect(seen).toEqual({
      fs: 'module not found: fs',
      electron: 'loaded',
      hasIpcRenderer: true,
      reassigned: false,
      pageSeesRequire: 'undefined',
    });
  });

  it('carries invoke both ways as a structured clone, with the sending frame as the app sees it', async () => {
    const reply = await page.evaluate(async () => {
      const fixture = (window as unknown as FixtureWindow).fixture!;
      const shared = { n: 1 };
      const answer = await fixture.echo({
        map: new Map([['one', 1]]),
        when: new Date(0),
        big: 10n,
        list: [undefined, NaN, -0],
        twice: [shared, shared],
      });
      const { value } = answer;
      return {
        map: value.map instanceof Map && value.map.get('one') === 1,
        when: value.when instanceof Date && value.when.getTime() === 0,
        big: value.big === 10n,
        list:
          value.list.length === 3 &&
          value.list[0] === undefined &&
          Number.isNaN(value.list[1]) &&
          Object.is(value.list[2], -0),
        shared: value.twice[0] === value.twice[1],
        senderUrl: answer.senderUrl,
        senderIsTop: answer.senderIsTop,
        senderIsWindow: answer.senderIsWindow,
      };
    });
    expect(reply).toEqual({
      map: true,
      when: true,
      big: true,
      list: true,
      shared: true,
      senderUrl: PAGE_URL,
      senderIsTop: true,
      senderIsWindow: true,
    });
  });

  it("refuses what cannot be cloned, and rejects with the handler's error as Electron words it", async () => {
    const outcomes = await page.evaluate(async () => {
      const fixture = (window as unknown as FixtureWindow).fixture!;
      const settle = (promise: Promise<unknown>) =>
        promise.then(
          () => 'resolved',
          (error: Error) => `${error.name}: ${error.message}`,
        );
      return [await settle(fixture.echo(() => 1)), await settle(fixture.fail())];
    });
    expect(outcomes[0]).toBe('Error: An object could not be cloned.');
    expect(outcomes[1]).toBe(
      "Error: Error invoking remote method 'fail': Error: refused by the handler",
    );
  });

  it('delivers webContents.send to the preload as a structured clone', async () => {
    const message = await page.evaluate(
      () =>
        new Promise<{ got: unknown; calls: unknown }>((resolve) => {
          const fixture = (window as unknown as FixtureWindow).fixture!;
          fixture.onPong((pong) =>
            resolve({
              got: pong.got,
              calls: pong.counts instanceof Map ? pong.counts.get('calls') : 'not a Map',
            }),
          );
          fixture.ping('hello');
        }),
    );
    expect(message).toEqual({ got: 'hello', calls: 1n });
  });

  it('asks will-navigate before the page leaves, and the window open handler before it opens', async () => {
    await page.evaluate(() => {
      window.location.href = 'https://example.com/elsewhere';
    });
    const navigated = await app.waitFor(
      'the navigation asked about',
      (state) => state.windows[0]?.navigations[0],
    );
    expect(navigated).toEqual({
      url: 'https://example.com/elsewhere',
      kind: 'navigate',
      allowed: false,
    });

    expect(await page.evaluate(() => window.open('https://example.com/popup'))).toBeNull();
    const opened = await app.waitFor(
      'the window open asked about',
      (state) => state.windows[0]?.navigations[1],
    );
    expect(opened).toEqual({ url: 'https://example.com/popup', kind: 'open', allowed: false });

    // Still on the app's page.
    await expectUi(page.getByRole('heading', { name: 'Fixture window' })).toBeVisible();
    expect((await app.state()).windows[0]?.url).toBe(PAGE_URL);
  });

  it("asks the session's permission handler when the page requests a permission", async () => {
    const { id } = await app.window();
    expect((await app.state()).session.permissionRequestHandler).toBe(true);
    expect(await app.requestPermission(id, 'notifications')).toBe(false);
    expect(await app.requestPermission(id, 'clipboard-sanitized-write')).toBe(true);
  });

  it('writes a screenshot of the window', async () => {
    const path = join(app.home, 'shot.png');
    await app.screenshot(path);
    const { readFileSync } = await import('node:fs');
    const png = readFileSync(path);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // The window's size, as the app made it.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 480]);
  });
});
