/*
 * A new tunnel from text, typed or pasted: checked on every keystroke by the parser `warren check` uses
 * (shared/config), errors and warnings on their lines, and saved through importFiles under the name given.
 * The helper judges the text again on import; its answer is shown the same way.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import { parseConfig, type Diagnostic } from '../../../../shared/config/index.js';
import { messageOf } from '../../lib/session.svelte.js';
import { outcomeView, type Problem } from '../import/outcome-view.js';

/** The rule the helper applies (shared/ipc/control.ts `tunnelName`), repeated here to say so while typing. */
const NAME = /^[a-zA-Z0-9_=+.-]{1,15}$/;

export const TEMPLATE = '[Interface]\nPrivateKey = \nAddress = \n\n[Peer]\nPublicKey = \nAllowedIPs = \nEndpoint = \n';

export class Editor {
  text = $state(TEMPLATE);
  name = $state('');
  saving = $state(false);
  /** The helper's refusal of the last save, by line. */
  saveProblems = $state<Problem[]>([]);
  saved = $state<string | null>(null);

  readonly #api: Pick<WarrenApi, 'importFiles'>;

  constructor(api: Pick<WarrenApi, 'importFiles'>) {
    this.#api = api;
  }

  result = $derived(parseConfig(this.text));
  /** Errors and warnings in line order; errors first on a line. */
  diagnostics: Diagnostic[] = $derived.by(() =>
    [...(this.result.ok ? [] : this.result.errors), ...this.result.warnings].sort((a, b) => a.line - b.line || (a.severity === 'error' ? -1 : 1)),
  );
  lineCount = $derived(this.text.split('\n').length);
  /** The worst finding on each line: line → severity. */
  marks: Map<number, Diagnostic['severity']> = $derived.by(() => {
    const marks = new Map<number, Diagnostic['severity']>();
    for (const d of this.diagnostics) if (!marks.has(d.line)) marks.set(d.line, d.severity);
    return marks;
  });
  nameError = $derived(
    this.name === '' ? 'Give the tunnel a name.' : NAME.test(this.name) ? null : 'Names are 1–15 of a–z A–Z 0–9 _ = + . -',
  );
  canSave = $derived(this.result.ok && this.nameError === null && !this.saving);

  /** Starts over with `text` (pasted, say) or the template. */
  reset(text = TEMPLATE, name = ''): void {
    this.text = text;
    this.name = name;
    this.saveProblems = [];
    this.saved = null;
  }

  async save(): Promise<boolean> {
    if (!this.canSave) return false;
    this.saving = true;
    this.saveProblems = [];
    try {
      const filename = `${this.name}.conf`;
      const [outcome] = await this.#api.importFiles([{ filename, text: this.text, name: this.name }]);
      if (outcome?.ok) {
        this.saved = outcome.name ?? this.name;
        return true;
      }
      this.saveProblems = outcome ? outcomeView(outcome, this.text).problems : [{ severity: 'error', message: 'The helper gave no answer.' }];
      return false;
    } catch (error) {
      this.saveProblems = [{ severity: 'error', message: messageOf(error) }];
      return false;
    } finally {
      this.saving = false;
    }
  }
}

/** Offsets of the start and end of 1-based `line` in `text` (for selecting it in the textarea). */
export function lineRange(text: string, line: number): [number, number] {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return [text.length, text.length];
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return [start, end < 0 ? text.length : end];
}
