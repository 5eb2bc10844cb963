// The interface name wg-quick(8) derives from a config path: the file name without `.conf`, 1-15 characters of
// letters, digits and `_ = + . -` (15 is IFNAMSIZ minus the terminating NUL).
import { quote } from './diagnostics.js';

const ALLOWED = /^[a-zA-Z0-9_=+.-]+$/;
const MAX_LENGTH = 15;
const RULE = 'the file name must be the interface name followed by .conf';

export function interfaceNameFromPath(path: string): { ok: true; name: string } | { ok: false; error: string } {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  // Case matters: wg-quick matches `\.conf$` with case-sensitive matching.
  if (!base.endsWith('.conf')) {
    return { ok: false, error: `${quote(base)} does not end in \`.conf\`; ${RULE}` };
  }
  const name = base.slice(0, -'.conf'.length);
  if (name === '') return { ok: false, error: `the file name has nothing before \`.conf\`; ${RULE}` };
  if (name.length > MAX_LENGTH) {
    const error = `interface name ${quote(name)} is ${name.length} characters; at most ${MAX_LENGTH} are allowed`;
    return { ok: false, error };
  }
  if (!ALLOWED.test(name)) {
    const bad = [...name].find((c) => !ALLOWED.test(c));
    return {
      ok: false,
      error: `interface name ${quote(name)} contains ${quote(bad ?? '')}; only letters, digits and _ = + . - are allowed`,
    };
  }
  // The kernel refuses these two names (dev_valid_name), though wg-quick's pattern lets them through.
  if (name === '.' || name === '..') return { ok: false, error: `\`${name}\` is not a valid interface name` };
  return { ok: true, name };
}
