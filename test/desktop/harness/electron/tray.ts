// The fake `Tray`: its image (with whether the file exists and decodes), tooltip, title and context
// menu are recorded; a test clicks the icon, or an item of its menu, as a person would.
import { EventEmitter } from 'node:events';
import type { TrayState } from '../control-protocol';
import { app } from './app';
import { changed, onRequest, reportState } from './control';
import { electronEvent, emitNative, keyboardEvent, listenedEvents } from './events';
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
  private image: NativeImage;
  private pressedImage: NativeImage | undefined;
  private toolTip = '';
  private title = '';
  private menu: Menu | null = null;
  private destroyed = false;
  private ignoreDoubleClick = false;
  private readonly harnessId: number;

  constructor(
    image: unknown,
    private readonly guid?: string,
  ) {
    super();
    if (!app.isReady()) throw new Error('Cannot create Tray before app is ready');
    this.image = loadImage(image);
    this.harnessId = all.length;
    const self = strict(this, 'Tray');
    all.push(self);
    menuTargets.set(`tray ${this.harnessId}`, () => (this.destroyed ? null : this.menu));
    changed();
    return self;
  }

  private alive(): void {
    if (this.destroyed) throw new Error('Tray is destroyed');
  }

  setImage(image: unknown): void {
    this.alive();
    this.image = loadImage(image);
    changed();
  }

  setPressedImage(image: unknown): void {
    this.alive();
    this.pressedImage = loadImage(image);
    changed();
  }

  setToolTip(toolTip: string): void {
    this.alive();
    this.toolTip = String(toolTip);
    changed();
  }

  setTitle(title: string): void {
    this.alive();
    this.title = String(title);
    changed();
  }

  getTitle(): string {
    this.alive();
    return this.title;
  }

  setContextMenu(menu: Menu | null): void {
    this.alive();
    if (menu !== null && !(menu instanceof Menu)) throw new TypeError('Invalid menu');
    this.menu = menu;
    changed();
  }

  popUpContextMenu(menu?: Menu): void {
    this.alive();
    (menu ?? this.menu)?.popup();
  }

  closeContextMenu(): void {
    this.alive();
    Menu.popupMenu?.closePopup();
  }

  setIgnoreDoubleClickEvents(ignore: boolean): void {
    this.ignoreDoubleClick = Boolean(ignore);
  }

  getIgnoreDoubleClickEvents(): boolean {
    return this.ignoreDoubleClick;
  }

  getBounds(): typeof BOUNDS {
    this.alive();
    return { ...BOUNDS };
  }

  getGUID(): string | null {
    return this.guid ?? null;
  }

  focus(): void {}

  displayBalloon(): void {
    notEmulated('Tray.displayBalloon', 'Windows only');
  }

  destroy(): void {
    this.destroyed = true;
    changed();
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  click(event: string): void {
    this.alive();
    if (event === 'double-click' && this.ignoreDoubleClick) return;
    const position = { x: BOUNDS.x + 12, y: 12 };
    emitNative(this, event, electronEvent(keyboardEvent()), { ...BOUNDS }, position);
  }

  state(): TrayState {
    return {
      id: this.harnessId,
      image: this.image.state(),
      ...(this.pressedImage ? { pressedImage: this.pressedImage.state() } : {}),
      toolTip: this.toolTip,
      title: this.title,
      menu: this.menu ? this.menu.state() : null,
      destroyed: this.destroyed,
      listeners: listenedEvents(this),
    };
  }
}

onRequest('tray', ({ id, event }) => {
  const tray = all[id];
  if (!tray) throw new Error(`there is no tray ${id}`);
  tray.click(event);
});

export function trayStates(): TrayState[] {
  return all.map((tray) => tray.state());
}

export const strictTray = strict(Tray, 'Tray');

reportState(() => ({ trays: trayStates() }));
