/*
 * The parser's findings (a line and a message each, as `warren check` prints them) as CodeMirror lint
 * diagnostics over the text of their line, and a mark on the line number of every line that has one, the
 * worst severity winning. The marks follow the lint state itself (setDiagnosticsEffect), so the gutter, the
 * underlines and the findings list below the editor always show the same set.
 */
import { RangeSet, StateField, type Text } from '@codemirror/state';
import { GutterMarker, gutterLineClass } from '@codemirror/view';
import { setDiagnosticsEffect, type Diagnostic as LintDiagnostic } from '@codemirror/lint';

export interface LineFinding {
  severity: 'error' | 'warning';
  /** 1-based; findings without a line are listed but not marked. */
  line?: number;
  message: string;
}

/** The span a finding on 1-based `line` covers: the line without its leading and trailing blanks. */
export function lineSpan(doc: Text, line: number): { from: number; to: number } {
  const { from, to, text } = doc.line(Math.min(Math.max(1, line), doc.lines));
  const start = text.length - text.trimStart().length;
  const end = text.trimEnd().length;
  return end > start ? { from: from + start, to: from + end } : { from, to };
}

export function toLintDiagnostics(doc: Text, findings: readonly LineFinding[]): LintDiagnostic[] {
  return findings
    .filter((f): f is LineFinding & { line: number } => f.line !== undefined)
    .map((f) => ({ ...lineSpan(doc, f.line), severity: f.severity, message: f.message, source: 'warren check' }));
}

class LineMark extends GutterMarker {
  constructor(severity: 'error' | 'warning') {
    super();
    this.elementClass = `cm-line-${severity}`;
  }
}

const MARKS = { error: new LineMark('error'), warning: new LineMark('warning') };

/** Line numbers of lines with findings carry `cm-line-error` or `cm-line-warning`. */
export const lineMarks = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setDiagnosticsEffect)) continue;
      const worst = new Map<number, 'error' | 'warning'>();
      for (const d of effect.value) {
        const start = tr.state.doc.lineAt(d.from).from;
        if (d.severity === 'error') worst.set(start, 'error');
        else if (d.severity === 'warning' && !worst.has(start)) worst.set(start, 'warning');
      }
      next = RangeSet.of(
        [...worst].sort((a, b) => a[0] - b[0]).map(([at, severity]) => MARKS[severity].range(at)),
        true,
      );
    }
    return next;
  },
  provide: (field) => gutterLineClass.from(field),
});
