// The fake `nativeImage`: it decodes nothing, but reads the file's header as Electron's decoder
// would accept it (PNG or JPEG; ICO on Windows), so a missing or undecodable icon shows up as an
// empty image in the recorded state, as it would show up as no icon on a real desktop.
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ImageState, Json } from '../control-protocol';
import { platform } from './control';
import { DESCRIBE } from './json';
import { notEmulated, strict } from './strict';

interface Decoded {
  width: number;
  height: number;
  png?: Buffer;
}

function decode(bytes: Buffer): Decoded | undefined {
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG)) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), png: bytes };
  }
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    // Walk the JPEG segments to the frame header, which holds the size.
    let at = 2;
    while (at + 9 < bytes.length && bytes[at] === 0xff) {
      const marker = bytes[at + 1]!;
      const length = bytes.readUInt16BE(at + 2);
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
      }
      at += 2 + length;
    }
    return undefined;
  }
  if (platform === 'win32' && bytes.length >= 8 && bytes.readUInt32LE(0) === 0x00010000) {
    return { width: bytes[6] || 256, height: bytes[7] || 256 };
  }
  return undefined;
}

export class NativeImage {
  private _template: boolean;

  private constructor(
    private readonly _source: { path?: string; exists: boolean },
    private readonly _decoded: Decoded | undefined,
    template = false,
  ) {
    this._template = template;
  }

  static createEmpty(): NativeImage {
    return strict(new NativeImage({ exists: false }, undefined), 'NativeImage');
  }

  static createFromPath(path: string): NativeImage {
    if (typeof path !== 'string') throw new TypeError('createFromPath needs a path string');
    const exists = path !== '' && existsSync(path);
    let decoded: Decoded | undefined;
    if (exists) {
      try {
        decoded = decode(readFileSync(path));
      } catch {
        decoded = undefined;
      }
    }
    // On macOS a file named ...Template.png is a template image (drawn in the menu bar's colour).
    const stem = basename(path, extname(path)).replace(/@\d+(\.\d+)?x$/, '');
    const template = platform === 'darwin' && stem.endsWith('Template');
    return strict(new NativeImage({ path, exists }, decoded, template), 'NativeImage');
  }

  static createFromBuffer(buffer: Buffer): NativeImage {
    return strict(new NativeImage({ exists: false }, decode(Buffer.from(buffer))), 'NativeImage');
  }

  static createFromDataURL(url: string): NativeImage {
    const match = /^data:image\/(png|jpeg);base64,(.*)$/s.exec(url);
    const decoded = match ? decode(Buffer.from(match[2]!, 'base64')) : undefined;
    return strict(new NativeImage({ exists: false }, decoded), 'NativeImage');
  }

  static createFromNamedImage(): NativeImage {
    return notEmulated('nativeImage.createFromNamedImage');
  }

  isEmpty(): boolean {
    return this._decoded === undefined;
  }

  getSize(): { width: number; height: number } {
    return { width: this._decoded?.width ?? 0, height: this._decoded?.height ?? 0 };
  }

  getAspectRatio(): number {
    const { width, height } = this.getSize();
    return height === 0 ? 1 : width / height;
  }

  getScaleFactors(): number[] {
    return this._decoded ? [1] : [];
  }

  setTemplateImage(option: boolean): void {
    this._template = Boolean(option);
  }

  isTemplateImage(): boolean {
    return this._template;
  }

  get isMacTemplateImage(): boolean {
    return this._template;
  }
  set isMacTemplateImage(value: boolean) {
    this._template = Boolean(value);
  }

  resize(options: { width?: number; height?: number }): NativeImage {
    if (!this._decoded) return NativeImage.createEmpty();
    const { width, height } = this._decoded;
    const w = options.width ?? Math.round((width * (options.height ?? height)) / height);
    const h = options.height ?? Math.round((height * w) / width);
    return strict(
      new NativeImage(this._source, { width: w, height: h }, this._template),
      'NativeImage',
    );
  }

  toPNG(): Buffer {
    if (this._decoded?.png) return this._decoded.png;
    if (!this._decoded) return Buffer.alloc(0);
    return notEmulated('NativeImage.toPNG of an image that was not a PNG');
  }

  toDataURL(): string {
    const png = this.toPNG();
    return `data:image/png;base64,${png.toString('base64')}`;
  }

  _state(): ImageState {
    return {
      ...(this._source.path !== undefined ? { path: this._source.path } : {}),
      exists: this._source.exists,
      empty: this.isEmpty(),
      template: this._template,
      ...this.getSize(),
    };
  }

  [DESCRIBE](): Json {
    return { nativeImage: this._state() as unknown as Json };
  }
}

/** An image argument that may be a path (Tray, BrowserWindow icon). */
export function imageFrom(image: unknown, what: string): NativeImage {
  if (image instanceof NativeImage) return image;
  if (typeof image === 'string') return NativeImage.createFromPath(image);
  throw new TypeError(`${what}: the image must be a NativeImage or a path`);
}

export const nativeImage = strict(
  {
    createEmpty: () => NativeImage.createEmpty(),
    createFromPath: (path: string) => NativeImage.createFromPath(path),
    createFromBuffer: (buffer: Buffer) => NativeImage.createFromBuffer(buffer),
    createFromDataURL: (url: string) => NativeImage.createFromDataURL(url),
    createFromNamedImage: () => NativeImage.createFromNamedImage(),
  },
  'nativeImage',
);
