// The fake `Tray`: its image (with whether the file exists and decodes), tooltip, title and context
// menu are recorded; a test clicks the icon, or an item of its menu, as a person would.
import { EventEmitter } from 'node:events';
import type { TrayState } from '../control-protocol';
import { app } from './app';
import { changed, onRequest, reportState } from './control';
import {
  electronEvent,
  emitNative,
  keyboardEvent,
  listenedEvents,
  onlyEmulatedEvents,
} from './events';
import { Menu, menuTargets } from './menu';
import { NativeImage } from './native-image';
import { notEmulated, strict } from './strict';

const all: Tray[] = [];

/** Electron turns a path into an image for these APIs, and throws when it cannot. */
function loadImage(image: unknown): NativeImage {
  if (image instanceof NativeImage) return image;
  if (typeof image !== 'string')
    throw new TypeError('Error processing argument at index 0, conversion failure');
  const loaded = NativeImage.createFromPath(image);
  if (loaded.isEmpty()) throw new Error(`Failed to load image from path '${image}'`);
  return loaded;
}

const BOUNDS = { x: 1800, y: 0, width: 24, height: 24 };

export class Tray extends EventEmitter {
  private _image: NativeImage;
  private _pressedImage: NativeImage | undefined;
  private _toolTip = '';
  private _title = '';
  private _menu: Menu | null = null;
  private _destroyed = false;
  private _ignoreDoubleClick = false;
  private readonly _harnessId: number;

  constructor(
    image: unknown,
    private readonly _guid?: string,
  ) {
    super();
    if (!app.isReady()) throw new Error('Cannot create Tray before app is ready');
    onlyEmulatedEvents(this, 'Tray', ['click', 'right-click', 'double-click', 'middle-click']);
    this._image = loadImage(image);
    this._harnessId = all.length;
    const self = strict(this, 'Tray');
    all.push(self);
    menuTargets.set(`tray ${this._harnessId}`, () => (this._destroyed ? null : this._menu));
    changed();
    return self;
  }

  private _alive(): void {
    if (this._destroyed) throw new Error('Tray is destroyed');
  }

  setImage(image: unknown): void {
    this._alive();
    this._image = loadImage(image);
    changed();
  }

  setPressedImage(image: unknown): void {
    this._alive();
    this._pressedImage = loadImage(image);
    changed();
  }

  setToolTip(toolTip: string): void {
    this._alive();
    this._toolTip = String(toolTip);
    changed();
  }

  setTitle(title: string): void {
    this._alive();
    this._title = String(title);
    changed();
  }

  getTitle(): string {
    this._alive();
    return this._title;
  }

  setContextMenu(menu: Menu | null): void {
    this._alive();
    if (menu !== null && !(menu instanceof Menu)) throw new TypeError('Invalid menu');
    this._menu = menu;
    changed();
  }

  popUpContextMenu(menu?: Menu): void {
    this._alive();
    (menu ?? this._menu)?.popup();
  }

  closeContextMenu(): void {
    this._alive();
    Menu._popupMenu?.closePopup();
  }

  setIgnoreDoubleClickEvents(ignore: boolean): void {
    this._ignoreDoubleClick = Boolean(ignore);
  }

  getIgnoreDoubleClickEvents(): boolean {
    return this._ignoreDoubleClick;
  }

  getBounds(): typeof BOUNDS {
    this._alive();
    return { ...BOUNDS };
  }

  getGUID(): string | null {
    return this._guid ?? null;
  }

  focus(): void {}

  displayBalloon(): void {
    notEmulated('Tray.displayBalloon', 'Windows only');
  }

  destroy(): void {
    this._destroyed = true;
    changed();
  }

  isDestroyed(): boolean {
    return this._destroyed;
  }

  _click(event: string): void {
    this._alive();
    if (event === 'double-click' && this._ignoreDoubleClick) return;
    const position = { x: BOUNDS.x + 12, y: 12 };
    emitNative(this, event, electronEvent(keyboardEvent()), { ...BOUNDS }, position);
  }

  _state(): TrayState {
    return {
      id: this._harnessId,
      image: this._image._state(),
      ...(this._pressedImage ? { pressedImage: this._pressedImage._state() } : {}),
      toolTip: this._toolTip,
      title: this._title,
      menu: this._menu ? this._menu._state() : null,
      destroyed: this._destroyed,
      listeners: listenedEvents(this),
    };
  }
}

onRequest('tray', ({ id, event }) => {
  const tray = all[id];
  if (!tray) throw new Error(`there is no tray ${id}`);
  tray._click(event);
});

export function trayStates(): TrayState[] {
  return all.map((tray) => tray._state());
}

export const strictTray = strict(Tray, 'Tray');

reportState(() => ({ trays: trayStates() }));
