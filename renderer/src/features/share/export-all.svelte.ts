/*
 * Export all, from the toolbar: main asks where to save one .zip of every stored tunnel this user may read, keys
 * included, and answers what it wrote and which tunnels (another owner's) it left out; the outcome stays shown
 * until dismissed or the next export. A cancelled dialog changes nothing.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';

export interface ExportMessage {
  tone: 'ok' | 'bad';
  lines: string[];
}

export class ExportAll {
  busy = $state(false);
  message = $state<ExportMessage | null>(null);

  readonly #api: Pick<WarrenApi, 'exportAll'>;

  constructor(api: Pick<WarrenApi, 'exportAll'>) {
    this.#api = api;
  }

  async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const summary = await this.#api.exportAll();
      if (summary === null) return;
      const lines = [strings.exportAll.done(summary.exported, summary.path)];
      if (summary.leftOut.length > 0) lines.push(strings.exportAll.leftOut(summary.leftOut));
      this.message = { tone: 'ok', lines };
    } catch (error) {
      this.message = { tone: 'bad', lines: [strings.exportAll.failed(messageOf(error))] };
    } finally {
      this.busy = false;
    }
  }

  dismiss(): void {
    this.message = null;
  }
}
