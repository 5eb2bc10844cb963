/*
 * A tunnel as a QR code for WireGuard's mobile apps (Android and iOS import a tunnel from one): exactly the text
 * an export writes (tunnel-editing.ts's exportConf: the helper's wg-quick text, private key included), in byte
 * mode. Error correction M (15%) where it fits, for a camera pointed at a screen; L (7%) for larger configs; a
 * config larger than a QR code holds at all (2953 bytes: version 40, L) is answered as too large, never drawn
 * broken. The key's text stays here and is wiped once encoded: the window gets the modules only.
 *
 * The encoder is `qr` (paulmillr/qr): no dependencies, typed, maintained by the author of the @noble libraries
 * Warren's crypto already uses.
 */
import { encodeQR } from 'qr';
import type { TunnelQr } from '../shared/bridge/types.js';
import type { HelperCalls } from './helper-connection.js';
import { exportConf } from './tunnel-editing.js';

/** The most bytes a QR code holds: version 40, error correction L, byte mode (ISO/IEC 18004 table 7). */
export const QR_MAX_BYTES = 2953;

/** The levels tried in turn: the first that fits wins. */
const LEVELS = ['medium', 'low'] as const;

/** The QR code of `text` (UTF-8, byte mode), or too large. */
export function qrFor(text: string): TunnelQr {
  const bytes = new TextEncoder().encode(text).byteLength;
  for (const ecc of LEVELS) {
    let bordered: boolean[][];
    try {
      // The encoder requires a quiet zone; one module, sliced off here (the window draws its own, 4 wide).
      bordered = encodeQR(text, 'raw', { ecc, encoding: 'byte', border: 1 });
    } catch (error) {
      if (/capacity overflow/i.test((error as Error).message)) continue;
      throw error;
    }
    return { kind: 'code', modules: bordered.slice(1, -1).map((row) => row.slice(1, -1)) };
  }
  return { kind: 'too-large', bytes, maxBytes: QR_MAX_BYTES };
}

/** This tunnel's export as a QR code; only its owner or an administrator may have it (the helper refuses others). */
export async function tunnelQr(helper: HelperCalls, name: string): Promise<TunnelQr> {
  const data = await exportConf(helper, name);
  try {
    return qrFor(new TextDecoder().decode(data));
  } finally {
    data.fill(0);
  }
}
