// Findings about a config file and their one-line text form, `FILE:LINE: message` (the shape compilers use, so
// editors can jump to the line).
import type { Diagnostic } from './model.js';

export function formatDiagnostic(file: string, d: Diagnostic): string {
  return d.severity === 'warning' ? `${file}:${d.line}: warning: ${d.message}` : `${file}:${d.line}: ${d.message}`;
}

/**
 * How many findings about one file a reply or a terminal gets: a binary or garbage file has one on nearly every
 * line, and 131,000 of them (each with the file name) once made a reply too large to encode. The first ones say
 * what is wrong; the count says how much.
 */
export const MAX_REPORTED_DIAGNOSTICS = 50;

/** A file name as messages show it: one of thousands of characters is cut in the middle (both ends identify it). */
export function displayName(file: string): string {
  if (file.length <= FILE_NAME_LIMIT) return file;
  const keep = (FILE_NAME_LIMIT - 1) / 2;
  return `${file.slice(0, keep)}…${file.slice(file.length - keep)}`;
}
const FILE_NAME_LIMIT = 121;

/**
 * The `FILE:LINE: message` lines of a file's findings, at most `limit` of them, then one line counting the rest.
 * The file's name is shown as displayName() has it.
 */
export function formatDiagnostics(
  file: string,
  diagnostics: readonly Diagnostic[],
  limit = MAX_REPORTED_DIAGNOSTICS,
): string[] {
  const name = displayName(file);
  const lines = diagnostics.slice(0, limit).map((d) => formatDiagnostic(name, d));
  const rest = diagnostics.length - limit;
  if (rest > 0) {
    const errors = diagnostics.slice(limit).filter((d) => d.severity === 'error').length;
    const what = errors === rest ? 'errors' : errors === 0 ? 'warnings' : 'findings';
    lines.push(`${name}: ${rest} more ${what}${errors > 0 ? '; is it a WireGuard configuration?' : ''}`);
  }
  return lines;
}

export function error(line: number, message: string): Diagnostic {
  return { severity: 'error', line, message };
}

export function warning(line: number, message: string): Diagnostic {
  return { severity: 'warning', line, message };
}

/** Line order, keeping the order of findings on one line. */
export function byLine(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => [d, i] as const)
    .sort((a, b) => a[0].line - b[0].line || a[1] - b[1])
    .map(([d]) => d);
}

const QUOTE_LIMIT = 60;

/** User text in backquotes, cut short so one enormous value cannot flood a terminal. */
export function quote(text: string): string {
  return text.length <= QUOTE_LIMIT ? `\`${text}\`` : `\`${text.slice(0, QUOTE_LIMIT)}...\``;
}
