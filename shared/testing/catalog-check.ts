/*
 * Checks of a string catalog (main/strings.ts, renderer/src/lib/strings.ts), for their tests: every entry a
 * non-empty text, or a function answering one for each of its sample argument lists; and the entries a catalog
 * has, by path, to compare a translation (or the one in use) with English.
 */

type Fn = (...args: never[]) => unknown;
/** Whether a catalog entry is, or holds, a function. */
type HasFunctions<T> = T extends Fn
  ? true
  : T extends object
    ? true extends { [K in keyof T]: HasFunctions<T[K]> }[keyof T]
      ? true
      : false
    : false;
/** Arguments to call every function of the catalog with: the compiler wants one list (or more) for each. */
export type CatalogSamples<T> = {
  [K in keyof T as HasFunctions<T[K]> extends true ? K : never]: T[K] extends (...args: infer A) => unknown
    ? readonly [A, ...A[]]
    : CatalogSamples<T[K]>;
};

/** Each entry of `catalog` by its path ('notice.connected'), with the samples given for it. */
function* entries(catalog: object, given: unknown, path = ''): Generator<[string, unknown, unknown]> {
  for (const [key, value] of Object.entries(catalog)) {
    const at = path ? `${path}.${key}` : key;
    const sample = (given as Record<string, unknown> | undefined)?.[key];
    if (typeof value === 'object' && value !== null) yield* entries(value, sample, at);
    else yield [at, value, sample];
  }
}

/** The texts in what an entry answers: a string, or the strings of an object of them (a notice's title and body). */
function texts(answer: unknown): unknown[] {
  return typeof answer === 'object' && answer !== null ? Object.values(answer).flatMap(texts) : [answer];
}

/** The paths of every entry, in order. */
export const catalogPaths = (catalog: object): string[] => [...entries(catalog, undefined)].map(([path]) => path);

/**
 * What is empty: entries that are not a non-empty text, functions without samples, and calls (path and
 * arguments) that answer an empty or non-text value. An empty list is a complete catalog.
 */
export function emptyCatalogEntries(catalog: object, samples: object): string[] {
  const empty: string[] = [];
  for (const [path, value, sample] of entries(catalog, samples)) {
    if (typeof value === 'function') {
      const calls = sample as readonly unknown[][] | undefined;
      if (!calls) empty.push(`${path}: no sample arguments`);
      for (const args of calls ?? [])
        for (const text of texts((value as (...a: unknown[]) => unknown)(...args)))
          if (typeof text !== 'string' || text.trim() === '') empty.push(`${path}(${JSON.stringify(args)})`);
    } else if (typeof value !== 'string' || value.trim() === '') {
      empty.push(path);
    }
  }
  return empty;
}
