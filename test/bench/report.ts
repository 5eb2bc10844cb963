// Medians, percentiles and the printed side-by-side table. A figure that was not measured (NaN, or absent: a
// process that was gone, a pid not watched) is left out of a median and printed as '-'.

type Figure = number | undefined;

export function median(values: readonly Figure[]): number {
  return percentile(values, 50);
}

/** Linear interpolation between closest ranks; NaN for no values. */
export function percentile(values: readonly Figure[], p: number): number {
  const sorted = values.filter((v): v is number => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  // Both ranks lie in [0, length - 1].
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function fmt(value: Figure, digits = 2): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '-';
}

export function ratio(value: Figure, base: Figure): string {
  return value !== undefined && base !== undefined && Number.isFinite(value) && Number.isFinite(base) && base !== 0
    ? `${(value / base).toFixed(2)}x`
    : '-';
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      // A cell past the header's columns has no width to pad to.
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
