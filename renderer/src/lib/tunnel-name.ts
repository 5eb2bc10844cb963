// Says while typing why a name would be refused; the rule is the helper's own (shared/config/interface-name.ts).
import { TUNNEL_NAME_RULE, isValidTunnelName } from '../../../shared/config/interface-name.js';
import { strings } from './strings.js';

// The rule's words, with the ranges (1-15, a-z) set with en dashes as the rest of the UI's text is.
const RULE_TEXT = TUNNEL_NAME_RULE.replace(/(\w)-(\w)/g, '$1–$2');

/** Why `name` cannot be a new tunnel's name, or null when it can. */
export function tunnelNameProblem(name: string, taken: readonly string[] = []): string | null {
  const t = strings.tunnelName;
  if (name === '') return t.empty;
  if (!isValidTunnelName(name)) return t.invalid(RULE_TEXT);
  if (taken.includes(name)) return t.taken(name);
  return null;
}
