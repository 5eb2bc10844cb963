// Splits wg-quick text into classified lines, the way wg-quick(8) reads them: `#` starts a comment anywhere on a
// line, spaces and tabs around keys and values do not count, a UTF-8 BOM and CRLF endings are accepted. A line
// with binary content is reported and not interpreted further, so one corrupt line yields one error.
//
// Hook values (PreUp and friends) are the one exception to comment stripping: since wireguard-tools v1.0.20260223
// wg-quick hands everything after `=`, `#` included, to bash, which knows a comment from a quoted `#`. So each
// entry carries `rawValue`, the text after `=` before comment stripping, and the parser uses it for hooks.
import { quote } from './diagnostics.js';

export type LexedLine =
  | { kind: 'blank'; line: number }
  | { kind: 'section'; line: number; name: string }
  | { kind: 'entry'; line: number; key: string; value: string; rawValue: string }
  | { kind: 'invalid'; line: number; message: string };

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Trims spaces and tabs only: other whitespace is reported, not silently eaten. */
export function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function hex(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What makes the line binary rather than text, or null. */
function binaryProblem(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue;
    if (c === 0x09) continue;
    if (c === 0x00) return 'line contains a NUL byte (binary data, not a text config)';
    if (c === 0xfffd) return 'line contains bytes that are not valid UTF-8 (binary data or a wrong encoding)';
    if (c === 0xfeff) return 'line contains a byte order mark (U+FEFF) that is not at the start of the file';
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `line contains the control character ${hex(c)}`;
  }
  return null;
}

const BARE_SECTIONS = new Map([
  ['interface', 'Interface'],
  ['peer', 'Peer'],
]);

// Pasted from web pages and chat clients; they look like spaces but wg reads them as part of the value.
const UNICODE_SPACES = new Set([0x00a0, 0x1680, 0x2007, 0x200b, 0x202f, 0x205f, 0x3000]);

function unicodeSpace(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (UNICODE_SPACES.has(c) || (c >= 0x2000 && c <= 0x200a)) {
      return `line contains a Unicode space (${hex(c)}), often pasted from a web page; use a plain space`;
    }
  }
  return null;
}

function classify(raw: string, line: number): LexedLine {
  const binary = binaryProblem(raw);
  if (binary !== null) return { kind: 'invalid', line, message: binary };
  const hash = raw.indexOf('#');
  const uncommented = hash < 0 ? raw : raw.slice(0, hash);
  const content = trimBlanks(uncommented);
  if (content === '') return { kind: 'blank', line };
  const space = unicodeSpace(content);
  if (space !== null) return { kind: 'invalid', line, message: space };
  if (content.startsWith('[')) {
    if (!content.endsWith(']')) {
      const message = `section header ${quote(content)} has no closing \`]\` at the end of the line`;
      return { kind: 'invalid', line, message };
    }
    return { kind: 'section', line, name: content.slice(1, -1) };
  }
  const equals = content.indexOf('=');
  if (equals < 0) {
    const section = BARE_SECTIONS.get(content.toLowerCase());
    const hint = section === undefined ? '' : `; did you mean \`[${section}]\`?`;
    return { kind: 'invalid', line, message: `expected \`Key = value\`, found ${quote(content)}${hint}` };
  }
  const key = trimBlanks(content.slice(0, equals));
  if (key === '') return { kind: 'invalid', line, message: `missing key name before \`=\` in ${quote(content)}` };
  return {
    kind: 'entry',
    line,
    key,
    value: trimBlanks(content.slice(equals + 1)),
    // `content` is a prefix of `raw` after leading blanks, so the first `=` of both is the same character.
    rawValue: trimBlanks(raw.slice(raw.indexOf('=') + 1)),
  };
}

/** The lines of `text`, one at a time (a reader that stops early has not paid for the rest). */
export function* lex(text: string): Generator<LexedLine, void, undefined> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let start = 0;
  let number = 1;
  while (start <= body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    let raw = body.slice(start, end);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    // A final newline ends the last line; it does not start an empty one.
    if (!(end === body.length && raw === '' && start > 0)) yield classify(raw, number);
    start = end + 1;
    number++;
  }
}
