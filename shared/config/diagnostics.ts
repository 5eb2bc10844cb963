// Findings about a config file and their one-line text form, `FILE:LINE: message` (the shape compilers use, so
// editors can jump to the line).
import type { Diagnostic } from './model.js';

export function formatDiagnostic(file: string, d: Diagnostic): string {
  return d.severity === 'warning' ? `${file}:${d.line}: warning: ${d.message}` : `${file}:${d.line}: ${d.message}`;
}

export function error(line: number, message: string): Diagnostic {
  return { severity: 'error', line, message };
}

export function warning(line: number, message: string): Diagnostic {
  return { severity: 'warning', line, message };
}

/** Line order, keeping the order of findings on one line. */
export function byLine(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d, i) => [d, i] as const).sort((a, b) => a[0].line - b[0].line || a[1] - b[1]).map(([d]) => d);
}

const QUOTE_LIMIT = 60;

/** User text in backquotes, cut short so one enormous value cannot flood a terminal. */
export function quote(text: string): string {
  return text.length <= QUOTE_LIMIT ? `\`${text}\`` : `\`${text.slice(0, QUOTE_LIMIT)}...\``;
}
