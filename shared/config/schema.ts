// The keys each section accepts, in their canonical spelling, and how to suggest one for a near miss.

export type SectionName = 'Interface' | 'Peer';

export const INTERFACE_KEYS = [
  'PrivateKey',
  'ListenPort',
  'FwMark',
  'Address',
  'DNS',
  'MTU',
  'Table',
  'PreUp',
  'PostUp',
  'PreDown',
  'PostDown',
  'SaveConfig',
] as const;
export const PEER_KEYS = ['PublicKey', 'PresharedKey', 'AllowedIPs', 'Endpoint', 'PersistentKeepalive'] as const;

export type InterfaceKey = (typeof INTERFACE_KEYS)[number];
export type PeerKey = (typeof PEER_KEYS)[number];

/**
 * wg-quick's own keys that take an empty value as not set (`MTU =` is no MTU, `PostUp =` runs nothing): wg-quick
 * brings such a file up, so Warren accepts it too, with a warning. SaveConfig is wg-quick's as well, but it dies
 * on an empty one (neither true nor false); wg's keys go to `wg setconf`, which refuses an empty value.
 */
export const UNSET_WHEN_EMPTY = new Set<string>([
  'Address',
  'DNS',
  'MTU',
  'Table',
  'PreUp',
  'PostUp',
  'PreDown',
  'PostDown',
]);

/** Keys that may appear many times in one section, their values adding up. */
export const REPEATABLE = new Set<string>(['Address', 'DNS', 'PreUp', 'PostUp', 'PreDown', 'PostDown', 'AllowedIPs']);

export const SECTIONS: readonly SectionName[] = ['Interface', 'Peer'];

// Keys other WireGuard flavours write; naming the flavour beats "did you mean".
const FOREIGN_KEYS: Record<string, string> = {
  jc: 'AmneziaWG',
  jmin: 'AmneziaWG',
  jmax: 'AmneziaWG',
  s1: 'AmneziaWG',
  s2: 'AmneziaWG',
  h1: 'AmneziaWG',
  h2: 'AmneziaWG',
  h3: 'AmneziaWG',
  h4: 'AmneziaWG',
};

export function canonicalKey(section: SectionName, key: string): string | undefined {
  const keys: readonly string[] = section === 'Interface' ? INTERFACE_KEYS : PEER_KEYS;
  const lower = key.toLowerCase();
  return keys.find((k) => k.toLowerCase() === lower);
}

export function foreignKeyFlavour(key: string): string | undefined {
  return Object.hasOwn(FOREIGN_KEYS, key.toLowerCase()) ? FOREIGN_KEYS[key.toLowerCase()] : undefined;
}

/** Optimal string alignment distance (edits, adjacent swaps count one), case-insensitive, giving up past `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  // Rows have b.length + 1 entries, so every index below is in range.
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, beforePrevious[j - 2]! + 1);
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest candidate within a third of the word's length (at least one edit), or undefined. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate, limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
