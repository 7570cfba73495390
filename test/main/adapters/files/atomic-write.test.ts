// writeFileAtomic: content, modes, symlinks, and what a failed write leaves behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../../src/main/adapters/files/atomic-write';

let dir: string;
const posix = process.platform !== 'win32';

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-aw-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates and then replaces a file, leaving no temporary files', () => {
    const file = path.join(dir, 'config.json');
    writeFileAtomic(file, '{"a":1}');
    const before = fs.statSync(file).ino;
    writeFileAtomic(file, Buffer.from('{"a":2}'));
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":2}');
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
    // A new inode shows the content was renamed into place, not rewritten in place.
    if (posix) expect(fs.statSync(file).ino).not.toBe(before);
  });

  it.skipIf(!posix)('applies the requested mode exactly, else keeps the current one', () => {
    const file = path.join(dir, 'secrets.json');
    writeFileAtomic(file, 'x', { mode: 0o600 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.chmodSync(file, 0o640);
    writeFileAtomic(file, 'y');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  });

  it('leaves the old content and no temporary file when the write fails', () => {
    const file = path.join(dir, 'target');
    fs.mkdirSync(file); // renaming a file over a directory fails
    expect(() => writeFileAtomic(file, 'new')).toThrow();
    expect(fs.statSync(file).isDirectory()).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['target']);
    expect(() => writeFileAtomic(path.join(dir, 'missing', 'f'), 'x')).toThrow();
  });

  it.skipIf(!posix)('writes through a symlink instead of replacing it', () => {
    const real = path.join(dir, 'real.json');
    const link = path.join(dir, 'link.json');
    fs.writeFileSync(real, 'old');
    fs.symlinkSync(real, link);
    writeFileAtomic(link, 'new');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, 'utf8')).toBe('new');
  });

  it('never exposes a partial file to a concurrent reader', () => {
    const file = path.join(dir, 'big.json');
    const a = 'a'.repeat(1 << 20);
    const b = 'b'.repeat(1 << 20);
    writeFileAtomic(file, a);
    for (let i = 0; i < 20; i++) {
      writeFileAtomic(file, i % 2 ? a : b);
      const seen = fs.readFileSync(file, 'utf8');
      expect(seen === a || seen === b).toBe(true);
    }
  });
});
