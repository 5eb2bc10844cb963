// A config's text with its private key hidden, and back: what the helper's `get` hands out and `update` takes
// back, so the rest of a stored tunnel can be read and edited without the key ever leaving the helper. Only the
// PrivateKey line changes; every other byte of the text stays as it was written.
import { lex } from './lexer.js';

export const PRIVATE_KEY_PLACEHOLDER = '(hidden)';
export const HIDDEN_PRIVATE_KEY_LINE = `PrivateKey = ${PRIVATE_KEY_PLACEHOLDER}`;

interface KeyLine {
  /** 1-based */
  line: number;
  value: string;
}

/** The PrivateKey entries of [Interface] sections, where the parser would read them. */
function privateKeyLines(text: string): KeyLine[] {
  const found: KeyLine[] = [];
  let inInterface = false;
  for (const line of lex(text)) {
    if (line.kind === 'section') inInterface = line.name.toLowerCase() === 'interface';
    else if (line.kind === 'entry' && inInterface && line.key.toLowerCase() === 'privatekey')
      found.push({ line: line.line, value: line.value });
  }
  return found;
}

/** The text's lines, each with its own ending (the last may have none). */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function ending(line: string): string {
  return line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : '';
}

function replaceLines(text: string, replace: (line: number, old: string) => string | null): string {
  return splitLines(text)
    .map((raw, i) => {
      const replacement = replace(i + 1, raw);
      return replacement === null ? raw : replacement + ending(raw);
    })
    .join('');
}

/** The text with every PrivateKey line replaced by `PrivateKey = (hidden)`. */
export function hidePrivateKey(text: string): string {
  const lines = new Set(privateKeyLines(text).map((k) => k.line));
  return replaceLines(text, (n) => (lines.has(n) ? HIDDEN_PRIVATE_KEY_LINE : null));
}

/** Whether the text carries the placeholder instead of a key. */
export function hasHiddenPrivateKey(text: string): boolean {
  return privateKeyLines(text).some((k) => k.value === PRIVATE_KEY_PLACEHOLDER);
}

/**
 * The text with each placeholder line replaced by the PrivateKey line of `storedText`, exactly as it is written
 * there (so a `get` then an unchanged `update` stores the same bytes). Unchanged when the stored text has no key.
 */
export function restorePrivateKey(text: string, storedText: string): string {
  const stored = privateKeyLines(storedText)[0];
  if (stored === undefined) return text;
  // The line privateKeyLines found in this very text.
  const storedLine = splitLines(storedText)[stored.line - 1]!.replace(/\r?\n$/, '');
  const placeholders = new Set(
    privateKeyLines(text)
      .filter((k) => k.value === PRIVATE_KEY_PLACEHOLDER)
      .map((k) => k.line),
  );
  return replaceLines(text, (n) => (placeholders.has(n) ? storedLine : null));
}

/**
 * `text` (which must not set a PrivateKey) with `PrivateKey = key` as the first line of its [Interface] section,
 * or with such a section put first when it has none.
 */
export function insertPrivateKey(text: string, key: string): { ok: true; text: string } | { ok: false; error: string } {
  const existing = privateKeyLines(text)[0];
  if (existing !== undefined)
    return { ok: false, error: `line ${existing.line}: leave PrivateKey out; a new key is made for the tunnel` };
  const keyLine = `PrivateKey = ${key}`;
  const header = [...lex(text)].find((line) => line.kind === 'section' && line.name.toLowerCase() === 'interface');
  if (header === undefined) {
    const rest = text === '' ? '' : `\n${text}`;
    return { ok: true, text: `[Interface]\n${keyLine}\n${rest}` };
  }
  const lines = splitLines(text);
  const at = header.line - 1;
  const headerLine = lines[at]!; // lex read it from this very text
  const newline = ending(headerLine) || '\n';
  if (ending(headerLine) === '') lines[at] = headerLine + newline;
  lines.splice(at + 1, 0, keyLine + newline);
  return { ok: true, text: lines.join('') };
}

/** A valid key that stands in for the hidden one while the rest of the text is parsed (see withStandInKey). */
const STAND_IN_KEY = 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=';

/**
 * The text with each `PrivateKey = (hidden)` line holding a valid stand-in key instead, so the parser and the
 * linter can judge everything else (the editor and main's detail view see only hidden-key text). Every other
 * line, and every line number, stays as it was.
 */
export function withStandInKey(text: string): string {
  const placeholders = new Set(
    privateKeyLines(text)
      .filter((k) => k.value === PRIVATE_KEY_PLACEHOLDER)
      .map((k) => k.line),
  );
  if (placeholders.size === 0) return text;
  return replaceLines(text, (n) => (placeholders.has(n) ? `PrivateKey = ${STAND_IN_KEY}` : null));
}
