#!/usr/bin/env node
// Renders warren.svg to the PNG sizes a Linux desktop looks for (hicolor 16..512), into png/NxN.png, the
// layout electron-builder's `linux.icon` directory takes. Chromium draws the SVG (the same engine that shows
// the app), with a transparent background. Run after editing the SVG; the PNGs are committed.
//   node packaging/icons/render-icons.mjs
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];

const here = dirname(fileURLToPath(import.meta.url));
const svg = readFileSync(join(here, 'warren.svg'), 'utf8');
const out = join(here, 'png');
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage();
  for (const size of ICON_SIZES) {
    await page.setViewportSize({ width: size, height: size });
    const sized = svg.replace(/width="512" height="512"/, `width="${size}" height="${size}"`);
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`);
    await page.locator('svg').screenshot({ path: join(out, `${size}x${size}.png`), omitBackground: true });
  }
} finally {
  await browser.close();
}
