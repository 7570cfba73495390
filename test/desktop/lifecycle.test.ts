// How the built desktop app starts, fails and ends, under the emulated electron (whose quit is
// Electron's: work started in before-quit and not awaited is lost when the process ends): a quit
// with a call held refuses it to the agent and leaves nothing pending in the history; a second
// launch brings the first one's window up; a port in use, a broken config.json or an `airlock
// serve` already guarding the folder each get a dialog and a non-zero exit; and on macOS a held
// call's notification answers it with its Allow button, and start at login is the login item.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataDir, removeDataDir, REPO_ROOT, textOf } from '../helpers/airlock-harness';
import { HELD_KEY_POLICY, provisionKey } from '../e2e/helpers/serve';
import { MEATSPACE_SERVER_ID, startAirlockDesktop, type AirlockDesktop } from './airlock-desktop';
import { DesktopApp } from './harness/desktop-app';

const AGENT = 'life-agent';
const started: { close(): Promise<void> }[] = [];

afterAll(async () => {
  for (const app of started.reverse()) await app.close().catch(() => {});
});

async function start(options: Parameters<typeof startAirlockDesktop>[0] = {}) {
  const airlock = await startAirlockDesktop({
    policies: { [MEATSPACE_SERVER_ID]: HELD_KEY_POLICY },
    grants: [AGENT],
    ...options,
  });
  started.push(airlock);
  return airlock;
}

/** Calls an agent's held call until a person answers it; resolves with the agent's answer. */
async function holdCall(airlock: AirlockDesktop) {
  const agent = await airlock.connectAgent(AGENT);
  const answer = provisionKey(agent, 'held', 'held@example.com');
  const notification = await airlock.desktop.waitFor('the call held', (state) =>
    state.notifications.find((shown) => shown.shown),
  );
  return { agent, answer, notification };
}

describe('quitting', () => {
  it('from the tray refuses a held call to its agent and leaves no call pending in the history', async () => {
    const airlock = await start();
    const { desktop } = airlock;
    // With no window left to close, Electron ends the process right after before-quit.
    const window = await desktop.waitFor('the window shown', (state) =>
      state.windows.find((candidate) => candidate.visible),
    );
    await desktop.closeWindow(window.id);
    const { agent, answer } = await holdCall(airlock);
    const tray = await desktop.waitFor('the tray', (state) => state.trays[0]);
    await desktop.clickMenuItem({ tray: tray.id }, 'Quit Airlock');
    const exit = await desktop.exited;
    expect(exit.code).toBe(0);
    const result = await answer;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Airlock stopped while the call was held');
    // Read the moment the process has ended: everything was written before it did.
    const db = new Database(join(airlock.dataDir, 'history.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('SELECT decision, decided_by FROM calls').all();
      expect(rows).toEqual([{ decision: 'deny', decided_by: 'restart' }]);
    } finally {
      db.close();
    }
    await agent.close().catch(() => {});
  });
});

describe('a second launch', () => {
  it('brings the first one’s window up and leaves', async () => {
    const first = await start();
    const window = await first.desktop.waitFor('the window shown', (state) =>
      state.windows.find((candidate) => candidate.visible),
    );
    await first.desktop.closeWindow(window.id);
    const second = await DesktopApp.start({ home: first.desktop.home, dataDir: first.dataDir });
    started.push(second);
    const exit = await second.exited;
    expect(exit.code).toBe(0);
    expect(exit.state?.app.singleInstance).toBe('refused');
    const shown = await first.desktop.waitFor('a window brought up', (state) =>
      state.windows.find((candidate) => !candidate.destroyed && candidate.visible),
    );
    expect(shown.focused).toBe(true);
  });
});

describe('a failure to start', () => {
  /** Starts the app on a data folder and waits for it to end; returns its dialogs and exit. */
  async function failingStart(prepare: (dataDir: string) => void | Promise<void>) {
    const dataDir = makeDataDir({ settings: { port: 0 } });
    started.push({ close: async () => removeDataDir(dataDir) });
    await prepare(dataDir);
    const app = await DesktopApp.start({ dataDir, env: { SHELL: '/nonexistent/shell' } });
    started.push(app);
    const exit = await app.exited;
    return { exit, dialogs: exit.state?.dialogs ?? [] };
  }

  it('on a port in use shows what to do and exits non-zero', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const port = (holder.address() as AddressInfo).port;
    try {
      const { exit, dialogs } = await failingStart((dataDir) =>
        writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ settings: { port } })),
      );
      expect(exit.code).toBe(1);
      expect(dialogs).toMatchObject([
        {
          kind: 'errorBox',
          title: 'Airlock’s port is in use',
          message: expect.stringContaining('EADDRINUSE'),
        },
      ]);
      expect(dialogs[0]!.message).toContain('"port"');
    } finally {
      holder.close();
    }
  });

  it('on a broken config.json shows its problem with line and column', async () => {
    const { exit, dialogs } = await failingStart((dataDir) =>
      writeFileSync(join(dataDir, 'config.json'), '{\n  "settings": { "port": "seventy" }\n}\n'),
    );
    expect(exit.code).toBe(1);
    expect(dialogs).toMatchObject([{ kind: 'errorBox', title: 'config.json has problems' }]);
    expect(dialogs[0]!.message).toMatch(/config\.json:2:\d+/);
  });

  it('names an `airlock serve` already guarding the folder instead of failing on the port', async () => {
    let serveUrl = '';
    const { exit, dialogs } = await failingStart(async (dataDir) => {
      const serve = spawn(process.execPath, [
        join(REPO_ROOT, 'bin/airlock.js'),
        'serve',
        '--port',
        '0',
        '--data-dir',
        dataDir,
      ]);
      started.push({
        close: async () => {
          serve.kill('SIGKILL');
        },
      });
      const lines = createInterface({ input: serve.stdout! });
      serveUrl = await new Promise<string>((resolve) =>
        lines.on('line', (line) => {
          const match = /^Airlock listening on (\S+)/.exec(line);
          if (match) resolve(match[1]!);
        }),
      );
    });
    expect(exit.code).toBe(1);
    expect(dialogs).toMatchObject([{ kind: 'errorBox', title: 'Airlock is already running' }]);
    expect(dialogs[0]!.message).toContain(serveUrl);
  });
});

describe('on macOS', () => {
  // (Windows toasts get the same buttons; the harness cannot run the app as win32 here, since the
  // app then reads this machine's paths as Windows ones.)
  it('a held call’s notification answers it with its Allow button', async () => {
    const airlock = await start({ desktop: { platform: 'darwin' } });
    const { agent, answer, notification } = await holdCall(airlock);
    expect(notification.actions).toEqual([
      { type: 'button', text: 'Allow' },
      { type: 'button', text: 'Deny' },
    ]);
    await airlock.desktop.pressNotificationButton(notification.id, 0);
    const result = await answer;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/"api_key":\s*"hitl_/);
    await agent.close().catch(() => {});
  });

  it('start at login is the login item, opening hidden', async () => {
    const airlock = await start({ desktop: { platform: 'darwin' } });
    const tray = await airlock.desktop.waitFor('the tray', (state) => state.trays[0]);
    await airlock.desktop.clickMenuItem({ tray: tray.id }, 'Start at login');
    const state = await airlock.desktop.waitFor('the login item set', (s) =>
      s.app.loginItemCalls.length > 0 ? s : undefined,
    );
    expect(state.app.loginItemCalls).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
    expect(state.app.loginItem).toMatchObject({ openAtLogin: true });
  });
});
