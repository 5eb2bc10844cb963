/*
 * What the window says about a stored tunnel this user may not change: who owns it and who may change it. The
 * helper decides (its list's canChange: the owner or an administrator); these are only the words. 'root' owns
 * what an administrator stored, and is called that.
 */

/** The owner, who may change the tunnel, and who may read its config, as parts of a sentence. */
function parties(owner: string | undefined): { owner: string; mayChange: string; mayRead: string } {
  if (owner === undefined)
    return {
      owner: 'another user',
      mayChange: 'its owner or an administrator',
      mayRead: 'its owner and administrators',
    };
  if (owner === 'root') return { owner: 'an administrator', mayChange: 'an administrator', mayRead: 'administrators' };
  return { owner, mayChange: `${owner} or an administrator`, mayRead: `${owner} and administrators` };
}

/** The detail view's line beside the disabled actions. */
export function ownerNote(owner: string | undefined): string {
  const p = parties(owner);
  return `Owned by ${p.owner}: only ${p.mayChange} can change it. You can switch it on and off.`;
}

/** Under the interface, whose config only they may read. */
export function configNote(owner: string | undefined): string {
  const p = parties(owner);
  return `Its configuration belongs to ${p.owner}: its addresses, DNS and MTU show only to ${p.mayRead}.`;
}

/** Above the disabled settings. */
export function settingsNote(owner: string | undefined): string {
  return `Only ${parties(owner).mayChange} can change these settings.`;
}
