/*
 * Import: the dialog (main reads the files), files dropped on the window (read here, sent as text), and results
 * main sends for imports it started itself (a file opened from the file manager). The last batch's results stay
 * until the next import; a file that is not a .conf gets its result here without a trip to main.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { ImportFile } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { outcomeView, type OutcomeView } from './outcome-view.js';

/** What a dropped File offers (and a test can fake). */
export interface DroppedFile {
  name: string;
  text(): Promise<string>;
}

export type ImporterApi = Pick<WarrenApi, 'importFiles' | 'importWithDialog' | 'onImported'>;

export const NOT_A_CONF = 'only WireGuard .conf files can be dropped here; use Import… for .zip archives';

export class Importer {
  busy = $state(false);
  results = $state<OutcomeView[]>([]);
  /** Why the last import failed as a whole. */
  failure = $state<string | null>(null);
  imported = $derived(this.results.filter((r) => r.ok).length);
  failed = $derived(this.results.filter((r) => !r.ok).length);

  readonly #api: ImporterApi;

  constructor(api: ImporterApi) {
    this.#api = api;
  }

  /** Shows results of imports main started; returns the unsubscribe. */
  start(): () => void {
    return this.#api.onImported((outcomes) => {
      this.results = outcomes.map((o) => outcomeView(o));
    });
  }

  fromDialog(): Promise<void> {
    return this.#run(async () => (await this.#api.importWithDialog()).map((o) => outcomeView(o)));
  }

  fromDropped(files: readonly DroppedFile[]): Promise<void> {
    return this.#run(async () => {
      const confs = files.filter((f) => f.name.toLowerCase().endsWith('.conf'));
      const others = files.filter((f) => !confs.includes(f));
      const texts = await Promise.all(confs.map((f) => f.text()));
      const sent: ImportFile[] = confs.map((f, i) => ({ filename: f.name, text: texts[i] }));
      const outcomes = sent.length ? await this.#api.importFiles(sent) : [];
      return [
        ...outcomes.map((o, i) => outcomeView(o, sent.find((s) => s.filename === o.filename)?.text ?? texts[i])),
        ...others.map((f) => ({ filename: f.name, ok: false, problems: [{ severity: 'error' as const, message: NOT_A_CONF }] })),
      ];
    });
  }

  dismiss(): void {
    this.results = [];
    this.failure = null;
  }

  async #run(work: () => Promise<OutcomeView[]>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.failure = null;
    try {
      const results = await work();
      // A cancelled dialog keeps what was shown.
      if (results.length) this.results = results;
    } catch (error) {
      this.failure = `Import failed: ${messageOf(error)}`;
    } finally {
      this.busy = false;
    }
  }
}
