/*
 * Share to phone: a stored tunnel of this user's as a QR code for WireGuard's mobile apps. The code holds the
 * private key, so it is made only after the user confirms (`asking`), and dropped as soon as the dialog closes.
 * Main makes it from exactly what an export writes and sends the modules only; a config too large for a QR code
 * comes back as such and is said, never drawn.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { TunnelQr } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';

export class TunnelQrState {
  /** The tunnel whose code waits for the user's confirmation. */
  asking = $state<string | null>(null);
  /** The tunnel whose code the dialog shows (or is being made). */
  showing = $state<string | null>(null);
  qr = $state<TunnelQr | null>(null);
  error = $state<string | null>(null);

  readonly #api: Pick<WarrenApi, 'getTunnelQr'>;
  #generation = 0;

  constructor(api: Pick<WarrenApi, 'getTunnelQr'>) {
    this.#api = api;
  }

  ask(name: string): void {
    this.asking = name;
  }

  cancel(): void {
    this.asking = null;
  }

  async confirm(): Promise<void> {
    const name = this.asking;
    if (name === null) return;
    const generation = ++this.#generation;
    this.asking = null;
    this.showing = name;
    this.qr = null;
    this.error = null;
    try {
      const qr = await this.#api.getTunnelQr(name);
      if (generation === this.#generation) this.qr = qr;
    } catch (error) {
      if (generation === this.#generation) this.error = messageOf(error);
    }
  }

  /** Closes the dialog; the code is forgotten (an answer still on its way is dropped). */
  close(): void {
    this.#generation++;
    this.showing = null;
    this.qr = null;
    this.error = null;
  }
}

/** The SVG path of the dark modules, offset by the quiet zone: one subpath per horizontal run. */
export function qrPath(modules: readonly (readonly boolean[])[], quiet: number): string {
  const parts: string[] = [];
  modules.forEach((row, y) => {
    for (let x = 0; x < row.length;) {
      if (!row[x]) {
        x++;
        continue;
      }
      let run = 1;
      while (row[x + run]) run++;
      parts.push(`M${x + quiet} ${y + quiet}h${run}v1h-${run}z`);
      x += run;
    }
  });
  return parts.join('');
}
