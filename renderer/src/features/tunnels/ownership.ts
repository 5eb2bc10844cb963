/*
 * What the window says about a stored tunnel this user may not change: who owns it and who may change it. The
 * helper decides (its list's canChange: the owner or an administrator); these are only the words, from the
 * catalog (lib/strings.ts). 'root' owns what an administrator stored, and is called that.
 */
import { strings } from '../../lib/strings.js';

/** The detail view's line beside the disabled actions. */
export function ownerNote(owner: string | undefined): string {
  return strings.tunnels.ownerNote(owner);
}

/** Under the interface, whose config only they may read. */
export function configNote(owner: string | undefined): string {
  return strings.tunnels.configNote(owner);
}

/** Above the disabled settings. */
export function settingsNote(owner: string | undefined): string {
  return strings.tunnels.settingsNote(owner);
}
