// Reading a QR code back, as a phone would, with an independent decoder (jsQR, not the encoder's own): from a
// module matrix (drawn here as pixels with a quiet zone) or from an image's RGBA pixels (a screenshot).
import jsQRModule, { type Options, type QRCode } from 'jsqr';

type Decode = (data: Uint8ClampedArray, width: number, height: number, options?: Options) => QRCode | null;
// jsqr is CommonJS with `exports.default`: Node's loader gives the exports object, Vite the function itself.
const jsQR = ((jsQRModule as unknown as { default?: Decode }).default ?? jsQRModule) as Decode;

/** The bytes a QR code's image holds, or null when no code is found in it. */
export function decodeQrPixels(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array | null {
  const found = jsQR(rgba, width, height, { inversionAttempts: 'dontInvert' });
  return found ? Uint8Array.from(found.binaryData) : null;
}

/** The modules (true is dark) drawn `scale` pixels each, black on white, with a quiet zone of 4, then read. */
export function decodeQrModules(modules: readonly (readonly boolean[])[], scale = 4): Uint8Array | null {
  const side = (modules.length + 8) * scale;
  const rgba = new Uint8ClampedArray(side * side * 4).fill(255);
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const at = (((y + 4) * scale + dy) * side + (x + 4) * scale + dx) * 4;
          rgba.fill(0, at, at + 3);
        }
    }),
  );
  return decodeQrPixels(rgba, side, side);
}
