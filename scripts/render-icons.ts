// Renders the SVG sources in resources/ to the PNGs the app and its installers use: the app icon
// (electron-builder makes the .icns and .ico from it) and the tray's three states, in colour for
// Windows and Linux and as macOS template images, each with an @2x copy for HiDPI screens.
// The PNGs are committed; run this after editing an SVG:
//
//   node --import tsx scripts/render-icons.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/chromium';

const RESOURCES = fileURLToPath(new URL('../resources', import.meta.url));

const TRAY_STATES = ['guarding', 'waiting', 'paused'] as const;

/** Each PNG, the SVG it comes from and its size in pixels (square). */
const ICONS: { svg: string; png: string; size: number }[] = [
  { svg: 'icon.svg', png: 'icon.png', size: 512 },
  ...TRAY_STATES.flatMap((state) => [
    // Windows shows tray icons at 16 px (32 on HiDPI); Linux panels at 22 to 32 px.
    { svg: `tray/${state}.svg`, png: `tray/${state}.png`, size: 32 },
    { svg: `tray/${state}.svg`, png: `tray/${state}@2x.png`, size: 64 },
    // The macOS menu bar draws status items 16 pt high.
    { svg: `tray/${state}Template.svg`, png: `tray/${state}Template.png`, size: 16 },
    { svg: `tray/${state}Template.svg`, png: `tray/${state}Template@2x.png`, size: 32 },
  ]),
];

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    for (const icon of ICONS) {
      const svg = readFileSync(join(RESOURCES, icon.svg), 'base64');
      await page.setViewportSize({ width: icon.size, height: icon.size });
      await page.setContent(
        `<body style="margin:0;background:transparent"><img style="display:block" ` +
          `width="${icon.size}" height="${icon.size}" src="data:image/svg+xml;base64,${svg}"></body>`,
      );
      await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
      const png = await page.screenshot({
        omitBackground: true,
        clip: { x: 0, y: 0, width: icon.size, height: icon.size },
      });
      writeFileSync(join(RESOURCES, icon.png), png);
      console.log(`resources/${icon.png}  ${icon.size}×${icon.size}`);
    }
  } finally {
    await browser.close();
  }
}

await main();
