// The one rule for a tunnel's name, which is also its interface's name (the helper's control schema, its platform
// guard, the store's file names and the renderer's form all ask here). wg-quick's characters: 1-15 of letters,
// digits and `_ = + . -` (15 is IFNAMSIZ minus the terminating NUL). Two more refusals:
// - a leading `-`: the name is an argument to ip, nft, resolvectl, resolvconf and hook scripts (`%i`), where
//   `-fwmark` would be read as an option, and not every one of them takes `--`;
// - `.` and `..`: the kernel refuses them (dev_valid_name), though wg-quick's pattern lets them through.
import { quote } from './diagnostics.js';

export const TUNNEL_NAME_MAX_LENGTH = 15;
const CHARACTERS = /^[a-zA-Z0-9_=+.-]*$/;
/** The rule in words, to follow "names are" or "it must be". */
export const TUNNEL_NAME_RULE = '1-15 of a-z A-Z 0-9 _ = + . -, neither . nor .., and not starting with -';

/** What is wrong with name as a tunnel (interface) name, or null when it is one. */
export function tunnelNameError(name: string): string | null {
  if (name === '') return 'the interface name is empty';
  if (name.length > TUNNEL_NAME_MAX_LENGTH) {
    return `interface name ${quote(name)} is ${name.length} characters; at most ${TUNNEL_NAME_MAX_LENGTH} are allowed`;
  }
  if (!CHARACTERS.test(name)) {
    const bad = [...name].find((c) => !CHARACTERS.test(c)) ?? '';
    return `interface name ${quote(name)} contains ${quote(bad)}; only letters, digits and _ = + . - are allowed`;
  }
  if (name.startsWith('-'))
    return `interface name ${quote(name)} starts with \`-\`, which commands would take for an option`;
  if (name === '.' || name === '..') return `\`${name}\` is not a valid interface name`;
  return null;
}

export function isValidTunnelName(name: string): boolean {
  return tunnelNameError(name) === null;
}

const CONF_RULE = 'the file name must be the interface name followed by .conf';

/** The interface name wg-quick(8) derives from a config path: the file name without `.conf`. */
export function interfaceNameFromPath(path: string): { ok: true; name: string } | { ok: false; error: string } {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  // Case matters: wg-quick matches `\.conf$` with case-sensitive matching.
  if (!base.endsWith('.conf')) {
    return { ok: false, error: `${quote(base)} does not end in \`.conf\`; ${CONF_RULE}` };
  }
  const name = base.slice(0, -'.conf'.length);
  if (name === '') return { ok: false, error: `the file name has nothing before \`.conf\`; ${CONF_RULE}` };
  const error = tunnelNameError(name);
  return error === null ? { ok: true, name } : { ok: false, error };
}
