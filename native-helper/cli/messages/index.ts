// Which catalog the `warren` command speaks: the one for the locale's language (LC_ALL, LC_MESSAGES, LANG, as
// gettext looks), else English. A translation is a file beside en.ts of the same shape (`Catalog`, which the
// compiler holds it to), added to CATALOGS; no command changes.
import { type Catalog, en } from './en.js';

export type { Catalog } from './en.js';

const CATALOGS: Readonly<Record<string, Catalog>> = { en };

/** The catalog for a locale's environment: `de_DE.UTF-8` speaks `de` when there is one. */
export function catalogFor(env: NodeJS.ProcessEnv): Catalog {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  const language = /^[a-z]{2,3}/.exec(locale)?.[0];
  return (language !== undefined ? CATALOGS[language] : undefined) ?? en;
}

/** What the command says, in its user's language. */
export const text: Catalog = catalogFor(process.env);
