// An import result as the window shows it: each `FILE:LINE: message` split into its line and message, with the
// text of that line when the renderer has the file's contents (dropped or pasted files).
import type { ImportOutcome } from '../../../../shared/bridge/types.js';

export interface Problem {
  severity: 'error' | 'warning';
  line?: number;
  message: string;
  /** The file's text on that line. */
  source?: string;
}

export interface OutcomeView {
  filename: string;
  ok: boolean;
  name?: string;
  problems: Problem[];
}

export function outcomeView(outcome: ImportOutcome, text?: string): OutcomeView {
  const lines = text?.split(/\r?\n/);
  const problem = (severity: Problem['severity'], raw: string): Problem => {
    const parsed = splitDiagnostic(outcome.filename, raw);
    const source = parsed.line !== undefined ? lines?.[parsed.line - 1] : undefined;
    return { severity, ...parsed, ...(source !== undefined ? { source } : {}) };
  };
  return {
    filename: outcome.filename,
    ok: outcome.ok,
    ...(outcome.name ? { name: outcome.name } : {}),
    problems: [
      ...outcome.errors.map((e) => problem('error', e)),
      ...outcome.warnings.map((w) => problem('warning', w)),
    ].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
  };
}

/** `FILE:LINE: [warning: ]message` → line and message; `FILE: message` or free text → message only. */
export function splitDiagnostic(filename: string, text: string): { line?: number; message: string } {
  let rest = text.startsWith(`${filename}:`) ? text.slice(filename.length + 1) : text;
  const line = /^(\d+):\s*/.exec(rest);
  if (line) rest = rest.slice(line[0].length);
  rest = rest.replace(/^\s*(warning:\s*)?/, '');
  return { ...(line ? { line: Number(line[1]) } : {}), message: rest };
}
