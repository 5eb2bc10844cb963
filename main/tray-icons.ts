/*
 * The tray's four icons (off, connecting, on, error) as PNG bytes made here: a filled disc in the state's colour
 * with a darker ring, 32×32 RGBA, anti-aliased. Electron's nativeImage.createFromBuffer takes them as they are,
 * so there are no image files to find inside a package. A minimal PNG encoder: signature, IHDR, one IDAT (zlib),
 * IEND, each chunk with its CRC-32.
 */
import { deflateSync } from 'node:zlib';
import type { TrayIcon } from './tray-menu.js';

export const TRAY_ICON_SIZE = 32;

type Rgb = readonly [number, number, number];

const COLOURS: Record<TrayIcon, { fill: Rgb; ring: Rgb; hollow: boolean }> = {
  off: { fill: [150, 150, 150], ring: [110, 110, 110], hollow: true },
  connecting: { fill: [240, 176, 40], ring: [176, 120, 10], hollow: false },
  on: { fill: [46, 170, 80], ring: [24, 115, 50], hollow: false },
  error: { fill: [214, 48, 48], ring: [150, 24, 24], hollow: false },
};

export function trayIconPng(icon: TrayIcon, size = TRAY_ICON_SIZE): Buffer {
  const { fill, ring, hollow } = COLOURS[icon];
  const rgba = Buffer.alloc(size * size * 4);
  const centre = size / 2;
  const outer = size / 2 - 1;
  const ringWidth = Math.max(2, size / 10);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - centre, y + 0.5 - centre);
      const coverage = Math.min(1, Math.max(0, outer - d + 0.5));
      if (coverage === 0) continue;
      const inRing = d > outer - ringWidth;
      if (hollow && !inRing) continue;
      const colour = inRing ? ring : fill;
      const at = (y * size + x) * 4;
      rgba[at] = colour[0];
      rgba[at + 1] = colour[1];
      rgba[at + 2] = colour[2];
      rgba[at + 3] = Math.round(coverage * 255);
    }
  }
  return encodePng(size, size, rgba);
}

/** RGBA, 8 bits per channel, filter 0 on every row. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const raw = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

let table: Uint32Array | undefined;

export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  // The index is masked to 0..255, and the table has all 256 entries.
  for (const byte of bytes) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
