// The Electron binary cannot run here, so `electron` is mocked: these tests check what the shell
// asks of it — the window's security options and its refusal to navigate or open windows.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const created: FakeWindow[] = [];
const openExternal = vi.fn();

class FakeWindow {
  readonly handlers = new Map<string, (...args: unknown[]) => void>();
  windowOpenHandler?: (details: { url: string }) => { action: string };
  loaded?: string;
  constructor(readonly options: Record<string, unknown>) {
    created.push(this);
  }
  webContents = {
    on: (event: string, handler: (...args: unknown[]) => void) => this.handlers.set(event, handler),
    setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => {
      this.windowOpenHandler = handler;
    },
  };
  once(): void {}
  loadURL(url: string) {
    this.loaded = url;
    return Promise.resolve();
  }
  loadFile(file: string) {
    this.loaded = file;
    return Promise.resolve();
  }
}

vi.mock('electron', () => ({ BrowserWindow: FakeWindow, shell: { openExternal } }));

const { createMainWindow } = await import('../../../../src/main/adapters/electron/main-window');

beforeEach(() => {
  created.length = 0;
  openExternal.mockClear();
});

describe('the main window', () => {
  it('runs the renderer isolated, sandboxed and without Node', () => {
    createMainWindow({ mainDir: '/app/out/main' });
    const prefs = created[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
    expect(created[0]!.loaded).toBe('/app/out/renderer/index.html');
  });

  it('refuses to navigate away', () => {
    createMainWindow({ mainDir: '/app/out/main' });
    const event = { preventDefault: vi.fn() };
    created[0]!.handlers.get('will-navigate')!(event, 'https://evil.example');
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('opens no new windows; https links go to the system browser, others nowhere', () => {
    createMainWindow({ mainDir: '/app/out/main' });
    const window = created[0]!;
    expect(window.windowOpenHandler!({ url: 'https://docs.example/page' })).toEqual({
      action: 'deny',
    });
    expect(openExternal).toHaveBeenCalledWith('https://docs.example/page');
    expect(window.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
  });
});
