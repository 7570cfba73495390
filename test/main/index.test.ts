// The Electron entry point with a mocked `electron` (its binary cannot run here) and everything
// else real: the core starts on a data folder, the app API is mounted on IPC, the window opens on
// app://airlock/, the tray shows the state, a call held for a person raises a native notification
// whose click brings the window up, and quitting waits for the core to close.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createGrant } from '../../src/main/adapters/files/grants';
import { fixtureCommand, makeDataDir, removeDataDir } from '../helpers/airlock-harness';
import { FakeNotification, FakeTray, FakeWindow } from '../helpers/electron-fakes';

const appHandlers = new Map<string, (...args: unknown[]) => unknown>();
const ipcHandlers = new Map<string, unknown>();
const quits: string[] = [];

vi.mock('electron', () => ({
  app: {
    isPackaged: false,
    whenReady: () => Promise.resolve(),
    requestSingleInstanceLock: () => true,
    setAppUserModelId() {},
    getAppPath: () => process.cwd(),
    getLoginItemSettings: () => ({ openAtLogin: false }),
    setLoginItemSettings() {},
    on: (event: string, handler: (...args: unknown[]) => unknown) =>
      appHandlers.set(event, handler),
    quit: () => quits.push('quit'),
    exit: (code: number) => quits.push(`exit ${code}`),
  },
  BrowserWindow: FakeWindow,
  Notification: FakeNotification,
  Tray: FakeTray,
  Menu: { buildFromTemplate: (template: unknown) => template, setApplicationMenu() {} },
  nativeImage: { createFromPath: (path: string) => ({ path }) },
  dialog: { showErrorBox() {} },
  protocol: { registerSchemesAsPrivileged() {}, handle() {}, unhandle() {} },
  session: {
    defaultSession: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} },
  },
  ipcMain: {
    handle: (channel: string, handler: unknown) => ipcHandlers.set(channel, handler),
    removeHandler: (channel: string) => ipcHandlers.delete(channel),
    on: (channel: string, handler: unknown) => ipcHandlers.set(channel, handler),
    removeListener: (channel: string) => ipcHandlers.delete(channel),
  },
  shell: { openExternal() {}, openPath() {} },
}));

const dataDir = makeDataDir(
  {
    mcpServers: { meatspace: fixtureCommand('meatspace-server.ts', 'stdio') },
    settings: { port: 0 },
  },
  {
    meatspace: {
      version: '1',
      default: 'deny',
      tools: { provision_api_key: { action: 'require_approval', reason: 'Mints keys' } },
    },
  },
);
const token = createGrant(dataDir, 'desktop-agent').token;
process.env.AIRLOCK_DATA_DIR = dataDir;
// The app asks the login shell for PATH; this test's machine's shell rc is none of its business.
process.env.SHELL = '/nonexistent/shell';
// Quiet: the entry logs to stderr.
vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

afterAll(async () => {
  // Quitting is held until the core has closed, then asked for again.
  const quit = { defaultPrevented: false, preventDefault: () => (quit.defaultPrevented = true) };
  appHandlers.get('before-quit')?.(quit);
  expect(quit.defaultPrevented).toBe(true);
  await vi.waitFor(() => expect(quits).toEqual(['quit']), { timeout: 10_000 });
  expect(existsSync(join(dataDir, 'serve.json'))).toBe(false);
  removeDataDir(dataDir);
  vi.restoreAllMocks();
});

describe('the Electron entry point', () => {
  it('starts the core, mounts the app API on IPC and opens one window', async () => {
    await import('../../src/main/index');
    await vi.waitFor(() => expect(existsSync(join(dataDir, 'serve.json'))).toBe(true), {
      timeout: 10_000,
    });
    await vi.waitFor(() => expect(FakeWindow.created).toHaveLength(1));
    expect(FakeWindow.created[0]!.loaded).toBe('app://airlock/index.html#/pending');
    await vi.waitFor(() => expect(FakeTray.all[0]?.tooltip).toBe('Airlock is guarding'));
    expect([...ipcHandlers.keys()].sort()).toEqual([
      'airlock:call',
      'airlock:subscribe',
      'airlock:unsubscribe',
    ]);
    // Closing every window does not quit: the proxy keeps guarding calls.
    expect(appHandlers.has('window-all-closed')).toBe(true);
  });

  it('notifies of a held call without its arguments, and the click brings the window up', async () => {
    const { url } = JSON.parse(readFileSync(join(dataDir, 'serve.json'), 'utf8')) as {
      url: string;
    };
    const agent = new Client({ name: 'desktop-test', version: '1.0.0' });
    await agent.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp/meatspace`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const held = agent
      .callTool({
        name: 'provision_api_key',
        arguments: { name: 'k', email: 'secret@example.com' },
      })
      .catch(() => undefined);

    await vi.waitFor(() => expect(FakeNotification.all.filter((n) => n.visible)).toHaveLength(1), {
      timeout: 10_000,
    });
    const [shown] = FakeNotification.all;
    expect(shown!.options).toEqual({
      title: 'provision_api_key needs your approval',
      body: 'desktop-agent on meatspace: Mints keys',
      silent: true,
    });
    expect(FakeTray.all[0]!.tooltip).toBe('Airlock: 1 call waits for your approval');
    shown!.click();
    expect(FakeWindow.created[0]!.shown).toBe(1);
    expect(FakeWindow.created[0]!.focused).toBe(1);

    await agent.close();
    await held;
    // The call was withdrawn when the agent left: nothing waits, so nothing stays on screen.
    await vi.waitFor(() => expect(FakeNotification.all.filter((n) => n.visible)).toHaveLength(0));
  });
});
