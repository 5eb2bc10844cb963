// The helper's rule for tunnel names (shared/ipc/control.ts `tunnelName`), repeated here to say so while typing.
export const TUNNEL_NAME = /^[a-zA-Z0-9_=+.-]{1,15}$/;

/** Why `name` cannot be a new tunnel's name, or null when it can. */
export function tunnelNameProblem(name: string, taken: readonly string[] = []): string | null {
  if (name === '') return 'Give the tunnel a name.';
  if (!TUNNEL_NAME.test(name)) return 'Names are 1–15 of a–z A–Z 0–9 _ = + . -';
  if (taken.includes(name)) return `There is already a tunnel named ${name}.`;
  return null;
}
