import { setDiagnostics } from '@codemirror/lint';
import { EditorState, Text } from '@codemirror/state';
import { gutterLineClass } from '@codemirror/view';
import { describe, expect, it } from 'vitest';
import { lineMarks, lineSpan, toLintDiagnostics } from './line-diagnostics.js';

const TEXT = '[Interface]\n  Address = 10.0.0.300/32  \n\nMTU = 1\n';

/** Line number → the class on its gutter element. */
function marked(state: EditorState): Record<number, string> {
  const out: Record<number, string> = {};
  for (const set of state.facet(gutterLineClass)) {
    for (const cursor = set.iter(); cursor.value !== null; cursor.next())
      out[state.doc.lineAt(cursor.from).number] = cursor.value.elementClass;
  }
  return out;
}

describe('findings as lint diagnostics', () => {
  it('covers the text of the line, without its blanks, and an empty line at its start', () => {
    const doc = Text.of(TEXT.split('\n'));
    expect(doc.sliceString(lineSpan(doc, 2).from, lineSpan(doc, 2).to)).toBe('Address = 10.0.0.300/32');
    expect(lineSpan(doc, 3)).toEqual({ from: doc.line(3).from, to: doc.line(3).from });
    // A line past the end (the text changed under a late answer) lands on the last line.
    expect(lineSpan(doc, 99)).toEqual({ from: doc.line(doc.lines).from, to: doc.line(doc.lines).from });
  });

  it('maps severity and message, and leaves out findings without a line', () => {
    const doc = Text.of(TEXT.split('\n'));
    const mapped = toLintDiagnostics(doc, [
      { severity: 'error', line: 2, message: 'bad address' },
      { severity: 'warning', line: 4, message: 'tiny MTU' },
      { severity: 'error', message: 'the helper is not running' },
    ]);
    expect(mapped.map((d) => [doc.lineAt(d.from).number, d.severity, d.message])).toEqual([
      [2, 'error', 'bad address'],
      [4, 'warning', 'tiny MTU'],
    ]);
  });

  it('marks the line numbers of lines with findings, the worst severity winning, and follows edits', () => {
    let state = EditorState.create({ doc: TEXT, extensions: [lineMarks] });
    const findings = toLintDiagnostics(state.doc, [
      { severity: 'warning', line: 2, message: 'w' },
      { severity: 'error', line: 2, message: 'e' },
      { severity: 'warning', line: 4, message: 'w' },
    ]);
    state = state.update(setDiagnostics(state, findings)).state;
    expect(marked(state)).toEqual({ 2: 'cm-line-error', 4: 'cm-line-warning' });
    state = state.update({ changes: { from: 0, insert: '# top\n' } }).state;
    expect(marked(state)).toEqual({ 3: 'cm-line-error', 5: 'cm-line-warning' });
    state = state.update(setDiagnostics(state, [])).state;
    expect(marked(state)).toEqual({});
  });
});
