// The fake `shell` and `screen`: what the app asks the desktop to open is recorded, never opened;
// the screen is one 1920x1080 display.
import { EventEmitter } from 'node:events';
import type { Json } from '../control-protocol';
import { app } from './app';
import { changed, reportState } from './control';
import { toJson } from './json';
import { notEmulated, strict } from './strict';

const calls: { method: string; args: Json[] }[] = [];

function record(method: string, args: unknown[]): void {
  calls.push({ method, args: args.map((arg) => toJson(arg)) });
  changed();
}

export const shell = strict(
  {
    openExternal(url: string, options?: unknown): Promise<void> {
      record('openExternal', options === undefined ? [url] : [url, options]);
      try {
        new URL(url);
      } catch {
        return Promise.reject(new Error(`Invalid URL: ${url}`));
      }
      return Promise.resolve();
    },
    openPath(path: string): Promise<string> {
      record('openPath', [path]);
      return Promise.resolve('');
    },
    showItemInFolder(path: string): void {
      record('showItemInFolder', [path]);
    },
    beep(): void {
      record('beep', []);
    },
    trashItem: () => notEmulated('shell.trashItem'),
    writeShortcutLink: () => notEmulated('shell.writeShortcutLink'),
    readShortcutLink: () => notEmulated('shell.readShortcutLink'),
  },
  'shell',
);

export function shellCalls(): { method: string; args: Json[] }[] {
  return calls.map((call) => ({ ...call }));
}

const DISPLAY = {
  id: 1,
  label: 'Harness display',
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1040 },
  size: { width: 1920, height: 1080 },
  workAreaSize: { width: 1920, height: 1040 },
  scaleFactor: 1,
  rotation: 0,
  internal: false,
  monochrome: false,
  touchSupport: 'unknown',
  accelerometerSupport: 'unknown',
  colorSpace: '',
  colorDepth: 24,
  depthPerComponent: 8,
  displayFrequency: 60,
  detected: true,
  maximumCursorSize: { width: 0, height: 0 },
  nativeOrigin: { x: 0, y: 0 },
};

function display(): typeof DISPLAY {
  if (!app.isReady())
    throw new Error("The 'screen' module can't be used before the app 'ready' event");
  return structuredClone(DISPLAY);
}

export const screen = strict(
  Object.assign(new EventEmitter(), {
    getPrimaryDisplay: display,
    getAllDisplays: () => [display()],
    getDisplayNearestPoint: display,
    getDisplayMatching: display,
    getCursorScreenPoint: () => (display(), { x: 960, y: 540 }),
  }),
  'screen',
);

reportState(() => ({ shell: shellCalls() }));
