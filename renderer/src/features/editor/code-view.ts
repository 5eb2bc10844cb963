/*
 * The CodeMirror view behind the editor pane: wg-quick highlighting, line numbers marked where the parser found
 * something, lint underlines and tooltips, undo, search. The Editor state module owns the text; this view
 * reports each change (onchange) and is told the text, the findings and the label.
 *
 * Keyboard: Tab is left to the browser (no indentWithTab), so focus never gets stuck in the editor; Ctrl/Cmd+S
 * saves, Ctrl/Cmd+F searches, F8 goes to the next finding, Ctrl+Shift+M lists them (CodeMirror's lint panel),
 * Ctrl+Space proposes the section's keys (also offered while a key is typed; Enter takes one, Escape closes).
 *
 * The view is mounted in a shadow root: CodeMirror styles itself with a <style> element, which the window's
 * Content-Security-Policy (style-src 'self') refuses, but in a shadow root it uses a constructed stylesheet
 * (adoptedStyleSheets), which the policy does not govern, so the policy stays as strict as it is.
 */
import { autocompletion } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, toggleComment } from '@codemirror/commands';
import { syntaxHighlighting } from '@codemirror/language';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { Annotation, Compartment, EditorState, type Extension } from '@codemirror/state';
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { codeTheme } from './code-theme.js';
import { lineMarks, toLintDiagnostics, type LineFinding } from './line-diagnostics.js';
import { wgQuick, wgQuickHighlight } from './wg-quick-language.js';

export interface CodeViewOptions {
  /** Where the view goes; a shadow root (see above) in the window. */
  parent: Element | DocumentFragment;
  text: string;
  /** What a screen reader calls the text area. */
  label: string;
  onchange: (text: string) => void;
  onsave: () => void;
}

/** Marks changes made by set(), which the state module already knows about. */
const fromOwner = Annotation.define<boolean>();

export class CodeView {
  readonly view: EditorView;
  readonly #label = new Compartment();
  readonly #options: CodeViewOptions;

  constructor(options: CodeViewOptions) {
    this.#options = options;
    this.view = new EditorView({ parent: options.parent, state: this.#state(options.text, options.label) });
  }

  #state(text: string, label: string): EditorState {
    const extensions: Extension[] = [
      lineNumbers(),
      lintGutter(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      highlightActiveLine(),
      highlightSelectionMatches(),
      search({ top: true }),
      autocompletion({ icons: false }),
      wgQuick(),
      syntaxHighlighting(wgQuickHighlight),
      lineMarks,
      codeTheme,
      keymap.of([
        {
          key: 'Mod-s',
          preventDefault: true,
          run: () => {
            this.#options.onsave();
            return true;
          },
        },
        { key: 'Mod-/', run: toggleComment },
        ...defaultKeymap,
        ...historyKeymap,
        ...searchKeymap,
        ...lintKeymap,
      ]),
      this.#label.of(labelAttributes(label)),
      EditorView.domEventHandlers({ beforeinput: typedOverSelection }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && !update.transactions.some((tr) => tr.annotation(fromOwner))) {
          this.#options.onchange(update.state.doc.toString());
        }
      }),
    ];
    return EditorState.create({ doc: text, extensions });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Starts over on `text`: a new document, with no undo history reaching back into the previous one. */
  reset(text: string, label: string): void {
    this.view.setState(this.#state(text, label));
  }

  /** Makes the view show `text`, changing only the part that differs so the cursor stays where it was. */
  set(text: string): void {
    const old = this.text;
    if (old === text) return;
    let start = 0;
    while (start < old.length && start < text.length && old[start] === text[start]) start++;
    let end = 0;
    while (
      end < old.length - start &&
      end < text.length - start &&
      old[old.length - 1 - end] === text[text.length - 1 - end]
    )
      end++;
    this.view.dispatch({
      changes: { from: start, to: old.length - end, insert: text.slice(start, text.length - end) },
      annotations: fromOwner.of(true),
    });
  }

  /** Shows `findings` at their lines; they must be about the text the view holds. */
  setFindings(findings: readonly LineFinding[]): void {
    this.view.dispatch(setDiagnostics(this.view.state, toLintDiagnostics(this.view.state.doc, findings)));
  }

  setLabel(label: string): void {
    this.view.dispatch({ effects: this.#label.reconfigure(labelAttributes(label)) });
  }

  /** Puts the cursor at the start of the text on 1-based `line`, scrolled into view, and focuses the editor. */
  goToLine(line: number): void {
    const doc = this.view.state.doc;
    const target = doc.line(Math.min(Math.max(1, line), doc.lines));
    const indent = target.text.length - target.text.trimStart().length;
    this.view.dispatch({ selection: { anchor: target.from + indent }, scrollIntoView: true });
    this.view.focus();
  }

  destroy(): void {
    this.view.destroy();
  }
}

/**
 * Typing over a selection is done here rather than by the browser: Chromium, deleting a selection that spans
 * differently styled lines, keeps their look with a style="..." span, which the CSP refuses (and logs) before
 * CodeMirror redraws the line anyway. Composition (IME) input is left to CodeMirror.
 */
function typedOverSelection(event: InputEvent, view: EditorView): boolean {
  if (event.inputType !== 'insertText' || event.data === null || view.state.selection.ranges.every((r) => r.empty))
    return false;
  event.preventDefault();
  view.dispatch(view.state.replaceSelection(event.data), { userEvent: 'input.type', scrollIntoView: true });
  return true;
}

function labelAttributes(label: string): Extension {
  return EditorView.contentAttributes.of({ 'aria-label': label });
}
