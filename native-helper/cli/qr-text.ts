/*
 * A tunnel's text as a QR code for a terminal, as WireGuard's mobile apps import it (`qrencode -t ansiutf8` is
 * what wg-quick users know). The code is made by the `qr` library; here it is drawn two module rows a line in
 * UTF-8 half blocks (▀ ▄ █ and space), a dark module as ink. On a terminal the colours are set, black on bright
 * white, so it scans on a dark theme too (a scanner wants dark modules on a light ground); elsewhere (a file,
 * NO_COLOR) the characters alone.
 */
import { encodeQR } from 'qr';

/** Bytes a QR code holds at most: version 40, low error correction, byte mode (ISO/IEC 18004, table 7). */
export const QR_MAX_BYTES = 2953;
/** Light modules around the code; the terminal's own background lies beyond them. */
const QUIET_ZONE = 2;
const COLOURS = '\x1b[30;107m';
const RESET = '\x1b[0m';

/**
 * The modules of the code for `text`, quiet zone included (true = dark); null when it is too long for one. Error
 * correction M (15%) where it fits, for a camera pointed at a screen, else L, as the app's window draws it.
 */
export function qrMatrix(text: string): boolean[][] | null {
  if (Buffer.byteLength(text, 'utf8') > QR_MAX_BYTES) return null;
  for (const ecc of ['medium', 'low'] as const) {
    try {
      return encodeQR(text, 'raw', { ecc, encoding: 'byte', border: QUIET_ZONE });
    } catch (error) {
      if (!/capacity overflow/i.test((error as Error).message)) throw error;
    }
  }
  return null;
}

/** The matrix as lines of half blocks, each line two module rows. */
export function halfBlocks(matrix: readonly (readonly boolean[])[], colours: boolean): string {
  const lines: string[] = [];
  for (let y = 0; y < matrix.length; y += 2) {
    const top = matrix[y]!; // y < length
    const bottom = matrix[y + 1];
    let line = '';
    for (let x = 0; x < top.length; x++) {
      const upper = top[x] === true;
      const lower = bottom?.[x] === true;
      line += upper ? (lower ? '█' : '▀') : lower ? '▄' : ' ';
    }
    lines.push(colours ? `${COLOURS}${line}${RESET}` : line);
  }
  return lines.join('\n') + '\n';
}
