import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { appMenuTemplate } from '../../../../src/main/adapters/electron/app-menu';

function roles(items: MenuItemConstructorOptions[]): unknown[] {
  return items.map((item) => item.role ?? item.label);
}

describe('the app menu', () => {
  it('has Edit, View, Window and Help, and the app menu on macOS only', () => {
    const base = { packaged: true, openDataFolder: vi.fn(), openLog: vi.fn() };
    expect(roles(appMenuTemplate({ ...base, platform: 'linux' }))).toEqual([
      'editMenu',
      'View',
      'windowMenu',
      'help',
    ]);
    expect(roles(appMenuTemplate({ ...base, platform: 'darwin' }))[0]).toBe('appMenu');
  });

  it('offers developer tools only outside a packaged app', () => {
    const view = (packaged: boolean) =>
      roles(
        appMenuTemplate({ packaged, platform: 'linux', openDataFolder() {}, openLog() {} })[1]!
          .submenu as MenuItemConstructorOptions[],
      );
    expect(view(true)).not.toContain('toggleDevTools');
    expect(view(false)).toContain('toggleDevTools');
  });

  it('opens the data folder and the log from Help', () => {
    const openDataFolder = vi.fn();
    const openLog = vi.fn();
    const help = appMenuTemplate({ packaged: true, platform: 'win32', openDataFolder, openLog }).at(
      -1,
    )!.submenu as MenuItemConstructorOptions[];
    for (const item of help) (item.click as unknown as () => void)();
    expect(openDataFolder).toHaveBeenCalledOnce();
    expect(openLog).toHaveBeenCalledOnce();
  });
});
