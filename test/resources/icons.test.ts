// The committed icons (scripts/render-icons.ts renders them from the SVGs in resources/): the
// app icon electron-builder converts, and the tray's three states, in colour and as macOS
// template images, at 1x and @2x, each with the size and kind of pixels its platform expects.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readPng, type Png } from '../helpers/png';

const RESOURCES = fileURLToPath(new URL('../../resources/', import.meta.url));
const STATES = ['guarding', 'waiting', 'paused'] as const;
/** [name, width in px at 1x]: Windows and Linux trays take 32 px, the macOS menu bar 16 pt. */
const KINDS = [
  ['', 32],
  ['Template', 16],
] as const;

const load = (file: string): Png => readPng(fs.readFileSync(path.join(RESOURCES, file)));
const alpha = (png: Png, x: number, y: number) => png.rgba[(y * png.width + x) * 4 + 3] as number;
const opaqueShare = (png: Png) => {
  let opaque = 0;
  for (let i = 3; i < png.rgba.length; i += 4) if ((png.rgba[i] as number) > 127) opaque++;
  return opaque / (png.width * png.height);
};

/** Mean difference of alpha between `big` halved and `small`, from 0 (same shape) to 255. */
function shapeDistance(big: Png, small: Png): number {
  let total = 0;
  for (let y = 0; y < small.height; y++) {
    for (let x = 0; x < small.width; x++) {
      const halved =
        (alpha(big, 2 * x, 2 * y) +
          alpha(big, 2 * x + 1, 2 * y) +
          alpha(big, 2 * x, 2 * y + 1) +
          alpha(big, 2 * x + 1, 2 * y + 1)) /
        4;
      total += Math.abs(halved - alpha(small, x, y));
    }
  }
  return total / (small.width * small.height);
}

describe('app icon', () => {
  it('is a 512 × 512 PNG drawn from resources/icon.svg', () => {
    const icon = load('icon.png');
    expect([icon.width, icon.height]).toEqual([512, 512]);
    expect(fs.existsSync(path.join(RESOURCES, 'icon.svg'))).toBe(true);
    // Rounded corners: the corner is transparent, the middle is not.
    expect(alpha(icon, 0, 0)).toBe(0);
    expect(alpha(icon, 256, 256)).toBe(255);
  });
});

describe.each(KINDS)('tray icons%s', (kind, size) => {
  it.each(STATES)(`%s${kind} is ${size} px with an @2x copy, from its SVG`, (state) => {
    const one = load(`tray/${state}${kind}.png`);
    const two = load(`tray/${state}${kind}@2x.png`);
    expect([one.width, one.height]).toEqual([size, size]);
    expect([two.width, two.height]).toEqual([2 * size, 2 * size]);
    expect(one.hasAlpha && two.hasAlpha).toBe(true);
    expect(fs.existsSync(path.join(RESOURCES, `tray/${state}${kind}.svg`))).toBe(true);
    // A glyph on a transparent ground: some of it drawn, its corners clear.
    expect(opaqueShare(two)).toBeGreaterThan(0.25);
    expect(alpha(two, 0, 0)).toBe(0);
  });

  it('shows each state differently, and each @2x copy is the same picture as its 1x', () => {
    for (const state of STATES) {
      const two = load(`tray/${state}${kind}@2x.png`);
      const own = shapeDistance(two, load(`tray/${state}${kind}.png`));
      for (const other of STATES.filter((s) => s !== state)) {
        const otherOne = load(`tray/${other}${kind}.png`);
        expect(own, `${state}@2x against ${other}`).toBeLessThan(shapeDistance(two, otherOne));
      }
    }
  });
});

describe('macOS template images', () => {
  it.each(STATES)('%sTemplate is black with alpha only, so the menu bar can tint it', (state) => {
    for (const file of [`tray/${state}Template.png`, `tray/${state}Template@2x.png`]) {
      const png = load(file);
      for (let i = 0; i < png.rgba.length; i += 4) {
        if (png.rgba[i + 3] === 0) continue;
        expect([png.rgba[i], png.rgba[i + 1], png.rgba[i + 2]], file).toEqual([0, 0, 0]);
      }
    }
  });
});
