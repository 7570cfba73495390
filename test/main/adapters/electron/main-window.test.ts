// The window's security options, what it loads, and its refusal to navigate, open windows or
// grant permissions, with the BrowserWindow class passed in as a fake (the binary cannot run here).
import type { BrowserWindow, Session } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMainWindow,
  refusePermissions,
  showOnScreen,
} from '../../../../src/main/adapters/electron/main-window';
import { join } from 'node:path';
import { FakeWindow } from '../../../helpers/electron-fakes';

const openExternal = vi.fn();

function open(options: { devUrl?: string; hidden?: boolean } = {}) {
  return createMainWindow({
    BrowserWindow: FakeWindow as unknown as typeof BrowserWindow,
    mainDir: '/app/out/main',
    openExternal,
    ...options,
  }) as unknown as FakeWindow;
}

beforeEach(() => {
  FakeWindow.created.length = 0;
  openExternal.mockClear();
});

describe('the main window', () => {
  it('runs the renderer isolated, sandboxed and without Node, from app://airlock/', () => {
    const window = open();
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(prefs.preload).toBe(join('/app/out/main', '../preload/index.cjs'));
    expect(window.loaded).toBe('app://airlock/index.html#/pending');
    expect(window.once).toHaveBeenCalledWith('ready-to-show', expect.any(Function));
  });

  it('loads the dev server only when given one, and stays hidden when asked', () => {
    const window = open({ devUrl: 'http://localhost:5173/', hidden: true });
    expect(window.loaded).toBe('http://localhost:5173/#/pending');
    expect(window.once).not.toHaveBeenCalled();
  });

  it('refuses to navigate away', () => {
    const window = open();
    const event = { preventDefault: vi.fn() };
    window.handlers.get('will-navigate')!(event, 'https://evil.example');
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('opens no new windows; https links go to the system browser, others nowhere', () => {
    const window = open();
    expect(window.windowOpenHandler!({ url: 'https://docs.example/page' })).toEqual({
      action: 'deny',
    });
    expect(openExternal).toHaveBeenCalledWith('https://docs.example/page');
    expect(window.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('is brought up on a screen without reloading', () => {
    const window = open();
    showOnScreen(window as unknown as BrowserWindow, 'pending');
    expect(window.shown).toBe(1);
    expect(window.scripts).toEqual([
      "if (location.hash !== '#/pending') { location.hash = '#/pending'; }",
    ]);
    expect(window.loaded).toBe('app://airlock/index.html#/pending');
  });
});

describe('permissions', () => {
  it('are refused, whatever a page asks for', () => {
    let request: ((...args: unknown[]) => void) | undefined;
    let check: (() => boolean) | undefined;
    refusePermissions({
      setPermissionRequestHandler: (handler: (...args: unknown[]) => void) => (request = handler),
      setPermissionCheckHandler: (handler: () => boolean) => (check = handler),
    } as unknown as Session);
    for (const permission of ['notifications', 'media', 'clipboard-read', 'geolocation']) {
      const callback = vi.fn();
      request!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(check!()).toBe(false);
  });
});
