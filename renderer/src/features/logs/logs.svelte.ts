/*
 * The helper's log as the logs view shows it: the latest lines (getLogs), read when the view opens and on
 * Refresh, filtered by the lowest level to show and by tunnel. Newest last, as a log reads.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { LogLine } from '../../../../shared/bridge/types.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';

export type Level = LogLine['level'];
export const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];
/** How many lines to ask for. */
export const LOG_LIMIT = 1000;

export class Logs {
  lines = $state<LogLine[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The lowest level shown. */
  level = $state<Level>('info');
  /** The tunnel whose lines are shown; '' for all. */
  tunnel = $state('');

  readonly #api: Pick<WarrenApi, 'getLogs'>;

  constructor(api: Pick<WarrenApi, 'getLogs'>) {
    this.#api = api;
  }

  /** The tunnels that have lines, for the filter. */
  // A Set only to drop duplicates inside the derivation; nothing observes it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  tunnels: string[] = $derived([...new Set(this.lines.flatMap((l) => (l.tunnel ? [l.tunnel] : [])))].sort());

  shown: LogLine[] = $derived.by(() => {
    const lowest = LEVELS.indexOf(this.level);
    return this.lines.filter(
      (l) => LEVELS.indexOf(l.level) >= lowest && (this.tunnel === '' || l.tunnel === this.tunnel),
    );
  });

  async refresh(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      this.lines = await this.#api.getLogs(LOG_LIMIT);
      this.error = null;
    } catch (error) {
      this.error = strings.logs.readFailed(messageOf(error));
    } finally {
      this.loading = false;
    }
  }
}
