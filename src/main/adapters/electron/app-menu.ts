// The app's menu bar (macOS) and window menu (Windows, Linux): the standard Edit, View and Window
// menus by role, so copy, paste, zoom and close work as everywhere, and Help with the data folder
// and the log. No developer tools in a packaged app.
import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuOptions {
  platform: NodeJS.Platform;
  packaged: boolean;
  openDataFolder(): void;
  openLog(): void;
}

export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    ...(options.packaged ? [] : [{ role: 'toggleDevTools' } as const]),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(options.platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Open the data folder', click: () => options.openDataFolder() },
        { label: 'Open the log', click: () => options.openLog() },
      ],
    },
  ];
}
