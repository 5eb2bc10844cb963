/*
 * Import: the dialog (main reads the files), files dropped on the window (.conf read here and sent as text, .zip
 * sent as bytes for main to unpack), and results
 * main sends for imports it started itself (a file opened from the file manager). The last batch's results stay
 * until the next import; a file that is not a .conf gets its result here without a trip to main.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import { MAX_ARCHIVE_BYTES, type ImportFile, type ImportOutcome } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';
import { outcomeView, type OutcomeView } from './outcome-view.js';

/** What a dropped File offers (and a test can fake). */
export interface DroppedFile {
  name: string;
  size: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type ImporterApi = Pick<WarrenApi, 'importFiles' | 'importArchives' | 'importWithDialog' | 'onImported'>;

export const NOT_A_CONF = strings.import.notAConf;
export const ARCHIVE_TOO_LARGE = strings.import.archiveTooLarge(MAX_ARCHIVE_BYTES / 1024 / 1024);

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
      const zips = files.filter((f) => f.name.toLowerCase().endsWith('.zip'));
      const fitting = zips.filter((f) => f.size <= MAX_ARCHIVE_BYTES);
      const others = files.filter((f) => !confs.includes(f) && !zips.includes(f));
      const sent: ImportFile[] = await Promise.all(
        confs.map(async (f) => ({ filename: f.name, text: await f.text() })),
      );
      const outcomes = sent.length ? await this.#api.importFiles(sent) : [];
      const archives = await Promise.all(
        fitting.map(async (f) => ({ filename: f.name, data: new Uint8Array(await f.arrayBuffer()) })),
      );
      const unpacked: ImportOutcome[] = archives.length ? await this.#api.importArchives(archives) : [];
      const refused = (f: DroppedFile, message: string): OutcomeView => ({
        filename: f.name,
        ok: false,
        problems: [{ severity: 'error', message }],
      });
      return [
        ...outcomes.map((o, i) => outcomeView(o, sent.find((s) => s.filename === o.filename)?.text ?? sent[i]?.text)),
        ...unpacked.map((o) => outcomeView(o)),
        ...zips.filter((f) => !fitting.includes(f)).map((f) => refused(f, ARCHIVE_TOO_LARGE)),
        ...others.map((f) => refused(f, NOT_A_CONF)),
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
      this.failure = strings.import.failed(messageOf(error));
    } finally {
      this.busy = false;
    }
  }
}
