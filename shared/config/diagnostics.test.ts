import { describe, expect, it } from 'vitest';
import { byLine, formatDiagnostic, quote } from './diagnostics.js';

describe('diagnostics', () => {
  it('formats errors and warnings as FILE:LINE: message', () => {
    expect(formatDiagnostic('wg0.conf', { severity: 'error', line: 3, message: 'unknown key `Adress`' })).toBe(
      'wg0.conf:3: unknown key `Adress`',
    );
    expect(formatDiagnostic('/etc/wg/a.conf', { severity: 'warning', line: 12, message: 'low' })).toBe(
      '/etc/wg/a.conf:12: warning: low',
    );
  });

  it('sorts by line, keeping the order within a line', () => {
    const d = (line: number, message: string) => ({ severity: 'error' as const, line, message });
    expect(byLine([d(5, 'a'), d(1, 'b'), d(5, 'c'), d(2, 'd'), d(1, 'e')]).map((x) => x.message)).toEqual([
      'b',
      'e',
      'd',
      'a',
      'c',
    ]);
  });

  it('quotes short text whole and cuts long text', () => {
    expect(quote('abc')).toBe('`abc`');
    expect(quote('x'.repeat(1000))).toBe('`' + 'x'.repeat(60) + '...`');
  });
});
