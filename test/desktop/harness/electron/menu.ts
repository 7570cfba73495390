// The fake `Menu` and `MenuItem`: templates are kept whole, so a test can find an item by its
// label path and click it, which runs what Electron runs (checkbox and radio items flip first,
// roles do their job, then the click listener gets the item, the focused window and the event).
// Electron's default application menu is installed at ready when the app sets none.
import { EventEmitter } from 'node:events';
import type { Json, MenuItemState, MenuState, MenuTarget } from '../control-protocol';
import { app } from './app';
import { focusedWindow, type BrowserWindow } from './browser-window';
import { changed, onRequest, platform, reportState } from './control';
import { emitNative, keyboardEvent, onlyEmulatedEvents } from './events';
import { DESCRIBE } from './json';
import { imageFrom, type NativeImage } from './native-image';
import { notEmulated, strict } from './strict';
import { shell } from './shell';

const TYPES = ['normal', 'separator', 'submenu', 'checkbox', 'radio', 'header', 'palette'] as const;
type ItemType = (typeof TYPES)[number];

interface Role {
  label: () => string;
  accelerator?: string;
  /** What the role does; undefined for roles the harness only records. */
  run?: (window: BrowserWindow | undefined) => void;
  /** The submenu a menu role gets when the template gives none. */
  submenu?: () => Template[];
}

type Template = Record<string, unknown>;

const isMac = () => platform === 'darwin';

const ROLES: Record<string, Role> = {
  about: { label: () => `About ${app.name}` },
  close: { label: () => 'Close Window', accelerator: 'CommandOrControl+W', run: (w) => w?.close() },
  copy: { label: () => 'Copy', accelerator: 'CommandOrControl+C' },
  cut: { label: () => 'Cut', accelerator: 'CommandOrControl+X' },
  delete: { label: () => 'Delete' },
  forcereload: {
    label: () => 'Force Reload',
    accelerator: 'Shift+CmdOrCtrl+R',
    run: (w) => w?.webContents.reloadIgnoringCache(),
  },
  front: { label: () => 'Bring All to Front' },
  help: { label: () => 'Help' },
  hide: { label: () => `Hide ${app.name}`, accelerator: 'Command+H' },
  hideothers: { label: () => 'Hide Others', accelerator: 'Command+Alt+H' },
  minimize: {
    label: () => 'Minimize',
    accelerator: 'CommandOrControl+M',
    run: (w) => w?.minimize(),
  },
  paste: { label: () => 'Paste', accelerator: 'CommandOrControl+V' },
  pasteandmatchstyle: { label: () => 'Paste and Match Style' },
  quit: {
    label: () => (isMac() ? `Quit ${app.name}` : platform === 'win32' ? 'Exit' : 'Quit'),
    accelerator: platform === 'win32' ? undefined : 'CommandOrControl+Q',
    run: () => app.quit(),
  },
  redo: { label: () => 'Redo', accelerator: isMac() ? 'Shift+CommandOrControl+Z' : 'Control+Y' },
  reload: {
    label: () => 'Reload',
    accelerator: 'CmdOrCtrl+R',
    run: (w) => w?.webContents.reload(),
  },
  resetzoom: {
    label: () => 'Actual Size',
    accelerator: 'CommandOrControl+0',
    run: (w) => w?.webContents.setZoomLevel(0),
  },
  selectall: { label: () => 'Select All', accelerator: 'CommandOrControl+A' },
  services: { label: () => 'Services' },
  togglefullscreen: {
    label: () => 'Toggle Full Screen',
    accelerator: isMac() ? 'Control+Command+F' : 'F11',
    run: (w) => w?.setFullScreen(!w.isFullScreen()),
  },
  toggledevtools: {
    label: () => 'Toggle Developer Tools',
    accelerator: isMac() ? 'Alt+Command+I' : 'Ctrl+Shift+I',
    run: (w) => w?.webContents.toggleDevTools(),
  },
  undo: { label: () => 'Undo', accelerator: 'CommandOrControl+Z' },
  unhide: { label: () => 'Show All' },
  window: { label: () => 'Window' },
  zoom: { label: () => 'Zoom' },
  zoomin: {
    label: () => 'Zoom In',
    accelerator: 'CommandOrControl+Plus',
    run: (w) => w?.webContents.setZoomLevel(w.webContents.getZoomLevel() + 0.5),
  },
  zoomout: {
    label: () => 'Zoom Out',
    accelerator: 'CommandOrControl+-',
    run: (w) => w?.webContents.setZoomLevel(w.webContents.getZoomLevel() - 0.5),
  },
  appmenu: {
    label: () => app.name,
    submenu: () => [
      { role: 'about' },
      { type: 'separator' },
      { role: 'services' },
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit' },
    ],
  },
  filemenu: {
    label: () => 'File',
    submenu: () => [isMac() ? { role: 'close' } : { role: 'quit' }],
  },
  editmenu: {
    label: () => 'Edit',
    submenu: () => [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(isMac()
        ? [{ role: 'pasteAndMatchStyle' }, { role: 'delete' }, { role: 'selectAll' }]
        : [{ role: 'delete' }, { type: 'separator' }, { role: 'selectAll' }]),
    ],
  },
  viewmenu: {
    label: () => 'View',
    submenu: () => [
      { role: 'reload' },
      { role: 'forceReload' },
      { role: 'toggleDevTools' },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  },
  windowmenu: {
    label: () => 'Window',
    submenu: () => [
      { role: 'minimize' },
      { role: 'zoom' },
      ...(isMac() ? [{ type: 'separator' }, { role: 'front' }] : [{ role: 'close' }]),
    ],
  },
};

/** Edit roles act on the focused page's selection, which the harness does not follow. */
const UNEMULATED_ROLE_ACTIONS = new Set([
  'copy',
  'cut',
  'paste',
  'pasteandmatchstyle',
  'delete',
  'selectall',
  'undo',
  'redo',
]);

function roleOf(name: unknown): Role | undefined {
  return typeof name === 'string' ? ROLES[name.toLowerCase()] : undefined;
}

export class MenuItem {
  label: string;
  sublabel: string;
  toolTip: string;
  accelerator: string | null;
  type: ItemType;
  role: string | undefined;
  id: string;
  enabled: boolean;
  visible: boolean;
  checked: boolean;
  icon: NativeImage | undefined;
  submenu: Menu | undefined;
  menu: Menu | null = null;
  registerAccelerator: boolean;
  commandId: number;
  readonly click: (event?: unknown, window?: unknown, webContents?: unknown) => void;
  private readonly _listener: unknown;
  private static _nextCommandId = 1;

  constructor(options: Template) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        'Invalid template for MenuItem: must have at least one of label, role or type',
      );
    }
    const { click, role, label, submenu } = options;
    let type = options['type'] as ItemType | undefined;
    if (type === undefined && submenu !== undefined) type = 'submenu';
    type ??= 'normal';
    if (!TYPES.includes(type)) throw new Error(`Unknown menu item type: ${String(type)}`);
    if (type === 'submenu' && submenu === undefined && !roleOf(role)?.submenu) {
      throw new Error('Invalid submenu');
    }
    if (label === undefined && role === undefined && options['type'] === undefined) {
      throw new Error(
        'Invalid template for MenuItem: must have at least one of label, role or type',
      );
    }
    if (click !== undefined && typeof click !== 'function') {
      throw new TypeError('Invalid template for MenuItem: click must be a function');
    }
    const roleInfo = roleOf(role);
    // The app and its menus hold the checked wrapper; the click must pass that same object.
    const self = strict(this, 'MenuItem');
    this._listener = click;
    this.type = type;
    this.role = typeof role === 'string' ? role : undefined;
    this.label = typeof label === 'string' ? label : (roleInfo?.label() ?? '');
    this.sublabel = String(options['sublabel'] ?? '');
    this.toolTip = String(options['toolTip'] ?? '');
    this.accelerator =
      (options['accelerator'] as string | undefined) ?? roleInfo?.accelerator ?? null;
    this.id = String(options['id'] ?? '');
    this.enabled = options['enabled'] !== false;
    this.visible = options['visible'] !== false;
    this.checked = options['checked'] === true;
    this.registerAccelerator = options['registerAccelerator'] !== false;
    this.icon =
      options['icon'] !== undefined ? imageFrom(options['icon'], 'MenuItem icon') : undefined;
    this.commandId = MenuItem._nextCommandId++;
    const sub = submenu ?? roleInfo?.submenu?.();
    if (sub !== undefined) {
      this.type = 'submenu';
      this.submenu = sub instanceof Menu ? sub : Menu.buildFromTemplate(sub as Template[]);
    }
    this.click = (event?: unknown, window?: unknown) => {
      if (this.type === 'checkbox') this.checked = !this.checked;
      if (this.type === 'radio') this.menu?._checkRadio(self);
      changed();
      if (roleInfo) {
        if (UNEMULATED_ROLE_ACTIONS.has(String(role).toLowerCase())) {
          notEmulated(`the "${String(role)}" menu role`);
        }
        if (roleInfo.run) return roleInfo.run(window as BrowserWindow | undefined);
      }
      if (typeof click !== 'function') return;
      try {
        click(self, window, event ?? keyboardEvent());
      } catch (error) {
        // Thrown from a native menu's callback: an uncaught exception in Electron.
        process.nextTick(() => {
          throw error;
        });
      }
    };
    return self;
  }

  _state(): MenuItemState {
    const roleInfo = roleOf(this.role);
    return {
      label: this.label,
      type: this.type,
      ...(this.role !== undefined ? { role: this.role } : {}),
      ...(this.id !== '' ? { id: this.id } : {}),
      checked: this.checked,
      enabled: this.enabled,
      visible: this.visible,
      ...(this.accelerator ? { accelerator: this.accelerator } : {}),
      ...(this.sublabel ? { sublabel: this.sublabel } : {}),
      ...(this.toolTip ? { toolTip: this.toolTip } : {}),
      clickable: Boolean(roleInfo?.run) || typeof this._listener === 'function',
      ...(this.submenu ? { submenu: this.submenu._state() } : {}),
    };
  }
}

export class Menu extends EventEmitter {
  items: MenuItem[] = [];
  private static _applicationMenu: Menu | null = null;
  private static _applicationMenuSet = false;
  static _popupMenu: Menu | null = null;

  constructor() {
    super();
    onlyEmulatedEvents(this, 'Menu', ['menu-will-show', 'menu-will-close']);
    return strict(this, 'Menu');
  }

  static buildFromTemplate(template: unknown[]): Menu {
    if (!Array.isArray(template))
      throw new TypeError('Invalid template for Menu: Menu template must be an array');
    const menu = new Menu();
    for (const entry of template) {
      menu.append(entry instanceof MenuItem ? entry : new MenuItem(entry as Template));
    }
    return menu;
  }

  static setApplicationMenu(menu: Menu | null): void {
    if (menu !== null && !(menu instanceof Menu)) throw new TypeError('Invalid menu');
    Menu._applicationMenu = menu;
    Menu._applicationMenuSet = true;
    changed();
  }

  static getApplicationMenu(): Menu | null {
    return Menu._applicationMenu;
  }

  /** At ready, Electron gives an app that set no menu its default one. */
  static _installDefault(): void {
    if (Menu._applicationMenuSet) return;
    const learnMore = (label: string, url: string) => ({
      label,
      click: () => void shell.openExternal(url),
    });
    Menu._applicationMenu = Menu.buildFromTemplate([
      ...(isMac() ? [{ role: 'appMenu' }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
      {
        role: 'help',
        submenu: [
          learnMore('Learn More', 'https://electronjs.org'),
          learnMore('Documentation', 'https://github.com/electron/electron/tree/main/docs#readme'),
          learnMore('Community Discussions', 'https://discord.gg/electronjs'),
          learnMore('Search Issues', 'https://github.com/electron/electron/issues'),
        ],
      },
    ]);
    changed();
  }

  static sendActionToFirstResponder(): void {
    notEmulated('Menu.sendActionToFirstResponder');
  }

  static setHighlightColors(): void {}

  append(item: MenuItem): void {
    this.insert(this.items.length, item);
  }

  insert(position: number, item: MenuItem): void {
    if (!(item instanceof MenuItem)) throw new TypeError('Invalid menu item');
    item.menu = this;
    this.items.splice(position, 0, item);
    changed();
  }

  getMenuItemById(id: string): MenuItem | null {
    for (const item of this.items) {
      if (item.id === id) return item;
      const found = item.submenu?.getMenuItemById(id);
      if (found) return found;
    }
    return null;
  }

  popup(): void {
    Menu._popupMenu = this;
    emitNative(this, 'menu-will-show', {});
    changed();
  }

  closePopup(): void {
    if (Menu._popupMenu === this) Menu._popupMenu = null;
    emitNative(this, 'menu-will-close', {});
    changed();
  }

  /** A radio item was chosen: the others of its run of radio items are unchecked. */
  _checkRadio(chosen: MenuItem): void {
    const at = this.items.indexOf(chosen);
    let start = at;
    while (start > 0 && this.items[start - 1]!.type === 'radio') start--;
    for (let i = start; i < this.items.length && this.items[i]!.type === 'radio'; i++) {
      this.items[i]!.checked = i === at;
    }
  }

  _state(): MenuState {
    return { items: this.items.map((item) => item._state()) };
  }

  [DESCRIBE](): Json {
    return { menu: this._state() as unknown as Json };
  }
}

export function installDefaultMenu(): void {
  Menu._installDefault();
}

/** The menus a test can reach; the tray module adds its own. */
export const menuTargets = new Map<string, () => Menu | null>([
  ['application', () => Menu.getApplicationMenu()],
  ['popup', () => Menu._popupMenu],
]);

function targetName(target: MenuTarget): string {
  return typeof target === 'string' ? target : `tray ${target.tray}`;
}

/** Finds an item by labels (or `role:<role>`) from the top of a menu, as a person would. */
export function findMenuItem(menu: Menu, path: string[]): MenuItem {
  let items = menu.items;
  let item: MenuItem | undefined;
  for (const [depth, step] of path.entries()) {
    const visible = items.filter(
      (candidate) => candidate.visible && candidate.type !== 'separator',
    );
    item = visible.find((candidate) =>
      step.startsWith('role:')
        ? candidate.role?.toLowerCase() === step.slice(5).toLowerCase()
        : candidate.label === step,
    );
    if (!item) {
      const labels = visible.map((candidate) => JSON.stringify(candidate.label)).join(', ');
      throw new Error(
        `no visible menu item "${step}" in ${path.slice(0, depth).join(' > ') || 'the menu'} (it has ${labels})`,
      );
    }
    if (!item.enabled)
      throw new Error(`menu item "${path.slice(0, depth + 1).join(' > ')}" is disabled`);
    if (depth < path.length - 1) {
      if (!item.submenu) throw new Error(`menu item "${step}" has no submenu`);
      items = item.submenu.items;
    }
  }
  if (!item) throw new Error('an empty menu path');
  return item;
}

onRequest('clickMenuItem', ({ menu: target, path }) => {
  const key = targetName(target);
  const menu = menuTargets.get(key)?.();
  if (!menu) throw new Error(`there is no ${key} menu`);
  const item = findMenuItem(menu, path);
  if (item.type === 'submenu')
    throw new Error(`"${path.join(' > ')}" opens a submenu; click an item in it`);
  const window = focusedWindow();
  item.click(keyboardEvent(), window, window?.webContents);
});

export const strictMenu = strict(Menu, 'Menu');
export const strictMenuItem = strict(MenuItem, 'MenuItem');

reportState(() => ({ applicationMenu: Menu.getApplicationMenu()?._state() ?? null }));
