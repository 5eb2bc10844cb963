/*
 * The editor's text judged by `warren check`'s parser and linter (shared/config), as the helper will judge it
 * on save, with the two differences the editor's text can have from a file:
 *   - an existing tunnel's text carries `PrivateKey = (hidden)`; the helper keeps the stored key, so a stand-in
 *     key takes its place (withStandInKey, same line numbers);
 *   - a new tunnel may leave PrivateKey out; the helper makes a key on create, so a stand-in key line is put
 *     after the [Interface] header and the findings' line numbers are moved back to the text as written.
 */
import {
  PRIVATE_KEY_PLACEHOLDER,
  insertPrivateKey,
  parseConfig,
  withStandInKey,
  type Diagnostic,
  type ParseResult,
} from '../../../../shared/config/index.js';
import { lex } from '../../../../shared/config/lexer.js';

export type EditorMode = 'new' | 'edit';

export interface Judgement {
  result: ParseResult;
  /** The PrivateKey values of [Interface] sections, as written. */
  privateKeys: string[];
  /** New tunnel without a PrivateKey line: the helper makes the key when it is saved. */
  keyMadeOnSave: boolean;
  /** The [Interface] header line after which the helper inserts its key line (when keyMadeOnSave). */
  insertedAfter: number | null;
}

const STAND_IN = 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=';

function interfaceFacts(text: string): { header: number | null; privateKeys: string[] } {
  let header: number | null = null;
  let inInterface = false;
  const privateKeys: string[] = [];
  for (const line of lex(text)) {
    if (line.kind === 'section') {
      inInterface = line.name.toLowerCase() === 'interface';
      if (inInterface && header === null) header = line.line;
    } else if (line.kind === 'entry' && inInterface && line.key.toLowerCase() === 'privatekey') {
      privateKeys.push(line.value);
    }
  }
  return { header, privateKeys };
}

/** Findings on the text with a line inserted after `header`, moved to the lines of the text without it. */
function withoutInsertedLine(diagnostics: Diagnostic[], header: number): Diagnostic[] {
  return diagnostics.map((d) => ({ ...d, line: lineWithout(d.line, header) }));
}

function lineWithout(line: number, header: number): number {
  return line <= header ? line : line === header + 1 ? header : line - 1;
}

/**
 * A line of the text the helper judged, on the text as written: for a new tunnel without a key the helper
 * judged it with its key line inserted, as this module does.
 */
export function textLineOf(line: number, judgement: Judgement): number {
  return judgement.insertedAfter === null ? line : lineWithout(line, judgement.insertedAfter);
}

export function judgeText(text: string, mode: EditorMode): Judgement {
  const { header, privateKeys } = interfaceFacts(text);
  if (mode === 'edit')
    return { result: parseConfig(withStandInKey(text)), privateKeys, keyMadeOnSave: false, insertedAfter: null };
  if (privateKeys.length > 0 || header === null) {
    // A placeholder in a new tunnel has no stored key behind it: the parser says so at its line.
    return { result: parseConfig(text), privateKeys, keyMadeOnSave: false, insertedAfter: null };
  }
  const inserted = insertPrivateKey(text, STAND_IN);
  if (!inserted.ok) return { result: parseConfig(text), privateKeys, keyMadeOnSave: false, insertedAfter: null };
  const result = parseConfig(inserted.text);
  const warnings = withoutInsertedLine(result.warnings, header);
  const moved: ParseResult = result.ok
    ? { ...result, warnings }
    : { ok: false, errors: withoutInsertedLine(result.errors, header), warnings };
  return { result: moved, privateKeys, keyMadeOnSave: true, insertedAfter: header };
}

/** Whether `value` is the placeholder an existing tunnel's text carries for its stored key. */
export function isPlaceholder(value: string): boolean {
  return value === PRIVATE_KEY_PLACEHOLDER;
}
