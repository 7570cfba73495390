// The harness's own faithfulness, on a small main process (fixtures/main-process.mjs) that opens
// no window: Electron's quit ends the process without waiting for work the app did not await;
// the single-instance lock holds across processes; tray menus, notifications and the default
// application menu are clicked as a person would; and what the fake does not emulate fails loudly.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp, type DesktopAppOptions } from './harness/desktop-app';

const FIXTURE = join(import.meta.dirname, 'fixtures/main-process.mjs');
/** A 1x1 PNG, for the tray's icon. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let scratch: string;
const started: DesktopApp[] = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'airlock-harness-'));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function start(modes: string[], options: DesktopAppOptions = {}): Promise<DesktopApp> {
  const app = await DesktopApp.start({
    entry: FIXTURE,
    ...options,
    env: { FIXTURE_MODES: modes.join(','), ...options.env },
  });
  started.push(app);
  await app.waitForOutput(/"started"|"no lock"/);
  return app;
}

describe('the app', () => {
  it('runs unpackaged by default, with its userData in the temporary home, and hears activate', async () => {
    const app = await start([]);
    expect(app.output()).toContain(
      `"started" false ${JSON.stringify(join(app.home, '.config', 'airlock'))}`,
    );
    await app.activate();
    await app.waitForOutput(/"activate" false/);
    const packaged = await start([], { isPackaged: true, platform: 'darwin' });
    const userData = join(packaged.home, 'Library', 'Application Support', 'airlock');
    expect(packaged.output()).toContain(`"started" true ${JSON.stringify(userData)}`);
  });
});

describe('quitting, as Electron quits', () => {
  it('ends the process without the work the app started in before-quit and did not await', async () => {
    const marker = join(scratch, 'unawaited');
    const app = await start(['quit-unawaited'], { env: { FIXTURE_MARKER: marker } });
    const exit = await app.quit();
    expect(exit.code).toBe(0);
    expect(exit.state?.appEvents).toEqual([
      'will-finish-launching',
      'ready',
      'before-quit',
      'will-quit',
      'quit',
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it('lets an app that prevents the first quit finish its work and quit again', async () => {
    const marker = join(scratch, 'awaited');
    const app = await start(['quit-awaited'], { env: { FIXTURE_MARKER: marker } });
    const exit = await app.quit();
    expect(exit.code).toBe(0);
    expect(exit.state?.appEvents.slice(2)).toEqual([
      'before-quit',
      'before-quit',
      'will-quit',
      'quit',
    ]);
    expect(existsSync(marker)).toBe(true);
  });

  it('quits on SIGTERM the same way', async () => {
    const app = await start([]);
    const exit = await app.kill('SIGTERM');
    expect(exit.code).toBe(0);
    expect(exit.state?.appEvents.slice(-3)).toEqual(['before-quit', 'will-quit', 'quit']);
  });
});

describe('the single-instance lock', () => {
  it('refuses a second instance on the same userData, which hands its argv to the first', async () => {
    const first = await start(['single-instance']);
    await first.waitFor('the lock', (state) => state.app.singleInstance === 'held');
    const second = await start(['single-instance'], {
      home: first.home,
      args: ['--open', 'pending'],
    });
    const exit = await second.exited;
    expect(exit.code).toBe(0);
    expect(exit.state?.app.singleInstance).toBe('refused');
    await first.waitForOutput(
      new RegExp(`"second-instance" \\["--open","pending"\\] ${second.pid}`),
    );
    expect((await first.state()).appEvents).toContain('second-instance');
  });

  it('is free again once the holder has quit', async () => {
    const first = await start(['single-instance']);
    await first.quit();
    const next = await start(['single-instance'], { home: first.home });
    await next.waitFor('the lock', (state) => state.app.singleInstance === 'held');
  });
});

describe('tray, menus and notifications', () => {
  it('records the tray and clicks its menu as a person would, checkbox first', async () => {
    const icon = join(scratch, 'icon.png');
    writeFileSync(icon, PNG);
    const app = await start(['tray'], { env: { FIXTURE_ICON: icon } });
    // A path that is no image fails as Electron fails it.
    await app.waitForOutput(
      /"tray refused" "Failed to load image from path '\/no\/such\/icon.png'"/,
    );
    const [tray] = (await app.state()).trays;
    expect(tray).toMatchObject({
      image: { path: icon, exists: true, empty: false, width: 1, height: 1 },
      toolTip: 'Fixture: 0 waiting',
      destroyed: false,
    });
    expect(tray!.menu?.items.map((item) => [item.label, item.type, item.visible])).toEqual([
      ['Pause', 'checkbox', true],
      ['', 'separator', true],
      ['Hidden', 'normal', false],
      ['Quit', 'normal', true],
    ]);

    await app.clickMenuItem({ tray: 0 }, 'Pause');
    await app.waitForOutput(/"pause" true/);
    await app.clickMenuItem({ tray: 0 }, 'Pause');
    await app.waitForOutput(/"pause" false/);
    // What a person cannot see, they cannot click.
    await expect(app.clickMenuItem({ tray: 0 }, 'Hidden')).rejects.toThrow(
      /no visible menu item "Hidden"/,
    );
    await app.clickTray(0);
    await app.waitForOutput(/"tray clicked"/);

    await app.clickMenuItem({ tray: 0 }, 'Quit');
    expect((await app.exited).code).toBe(0);
  });

  it('presses notification buttons where the platform shows them, and not on Linux', async () => {
    const mac = await start(['notify'], { platform: 'darwin' });
    const [notification] = (await mac.state()).notifications;
    expect(notification).toMatchObject({ title: 'A call waits', shown: true, closed: false });
    await mac.pressNotificationButton(notification!.id, 1);
    await mac.waitForOutput(/"action" 1/);
    // Acted on, it left the screen: it cannot be clicked again.
    await expect(mac.clickNotification(notification!.id)).rejects.toThrow(/is not on screen/);

    const linux = await start(['notify'], { platform: 'linux' });
    await expect(linux.pressNotificationButton(0, 0)).rejects.toThrow(
      /Linux shows no notification buttons/,
    );
    await linux.clickNotification(0);
    await linux.waitForOutput(/"notification clicked"/);
  });

  it("gives an app without a menu Electron's default one, whose roles work", async () => {
    const app = await start([]);
    const { applicationMenu } = await app.state();
    expect(applicationMenu?.items.map((item) => item.label)).toEqual([
      'File',
      'Edit',
      'View',
      'Window',
      'Help',
    ]);
    await app.clickMenuItem('application', 'File', 'Quit');
    const exit = await app.exited;
    expect(exit.code).toBe(0);
    expect(exit.state?.appEvents).toContain('before-quit');
  });
});

describe('dialogs', () => {
  it('answers a sync message box from the queued answers, and an async one when the test does', async () => {
    const app = await start(['dialogs'], { dialogAnswers: [{ response: 1 }] });
    await app.waitForOutput(/"sync answer" 1/);
    const open = await app.waitFor('the async message box', (state) =>
      state.dialogs.find((dialog) => dialog.kind === 'messageBox' && !dialog.answer),
    );
    expect(open).toMatchObject({ message: 'Quit Airlock?', buttons: ['Cancel', 'Quit'] });
    await expect(app.answerDialog(open.id, { response: 2 })).rejects.toThrow(/has 2 button/);
    await app.answerDialog(open.id, { response: 1 });
    await app.waitForOutput(/"async answer" 1/);
    const { dialogs } = await app.state();
    expect(dialogs.map((dialog) => [dialog.kind, dialog.answer?.response])).toEqual([
      ['messageBoxSync', 1],
      ['messageBox', 1],
    ]);
  });
});

describe('what the fake does not emulate', () => {
  it('throws "not emulated", and the uncaught error shows Electron\'s error box while the app runs on', async () => {
    const app = await start(['not-emulated']);
    const dialog = await app.waitFor('the error box', (state) => state.dialogs[0]);
    expect(dialog).toMatchObject({
      kind: 'errorBox',
      title: 'A JavaScript error occurred in the main process',
    });
    expect(dialog.message).toContain('not emulated: electron.powerMonitor.on');
    expect((await app.quit()).code).toBe(0);
  });
});
