// Arrow keys across a list of items with one tab stop (the roving tabindex of the ARIA practices).

/** The index focus moves to for `key` from `index` in a list of `count`; null for keys that do not move it. */
export function rovingTarget(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return Math.min(count - 1, index + 1);
    case 'ArrowUp':
      return Math.max(0, index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
