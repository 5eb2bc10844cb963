/*
 * Allowing a tunnel's scripts. PreUp/PostUp/PreDown/PostDown run as root, so the helper lets only an
 * administrator turn them on (native-helper/daemon/access-policy.ts) and refuses a member of the group who asks.
 * The app asks for an administrator the desktop way: `pkexec WARREN set NAME --allow-scripts on` shows polkit's
 * password dialog and runs the installed `warren` command as root, which asks the helper. The polkit action
 * (app.warren.manage, packaging/linux) names that command's exact path, so it must be the installed one:
 * /usr/bin/warren (the .deb) or /usr/local/bin/warren (linked by the AppImage's `warren service install`).
 * An app that runs as root is an administrator already and asks the helper itself (tunnel-editing.ts).
 */
import { existsSync } from 'node:fs';
import { PKEXEC_DISMISSED, PKEXEC_NOT_AUTHORIZED, type ProcessResult, type RunCommand, runToEnd } from './pkexec.js';
import { strings } from './strings.js';

/** Where the packages install `warren`, in the order they are tried. */
export const INSTALLED_WARREN = ['/usr/bin/warren', '/usr/local/bin/warren'] as const;

/** How this app becomes an administrator: the system's (systemAdministrator), or a test's stand-in. */
export interface Administrator {
  /** This process is root: the helper takes its requests as they are. */
  isRoot: boolean;
  /** The installed `warren` command's path, or null when there is none. */
  warrenCommand(): string | null;
  /** Runs the pkexec command line (pkexec.ts). */
  run: RunCommand;
}

/** The first of INSTALLED_WARREN that exists, or null. */
export function installedWarren(exists: (path: string) => boolean = existsSync): string | null {
  return INSTALLED_WARREN.find((path) => exists(path)) ?? null;
}

export function systemAdministrator(): Administrator {
  return { isRoot: process.getuid?.() === 0, warrenCommand: () => installedWarren(), run: runToEnd };
}

/** The command an administrator types instead, for the messages. */
export function allowScriptsCommand(name: string): string {
  return `sudo warren set ${name} --allow-scripts on`;
}

/**
 * Asks an administrator, through pkexec, to allow name's scripts. Resolves once they are allowed; otherwise
 * throws an Error whose message says, in words for the user, why they stay off and what to do instead.
 */
export async function allowScriptsAsAdministrator(name: string, admin: Administrator): Promise<void> {
  const t = strings.allowScripts;
  const instead = t.instead(allowScriptsCommand(name));
  const warren = admin.warrenCommand();
  if (warren === null) throw new Error(t.noWarrenCommand(INSTALLED_WARREN, instead));
  const argv = ['pkexec', warren, 'set', name, '--allow-scripts', 'on'];
  let result: ProcessResult;
  try {
    result = await admin.run(argv);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(t.noPkexec(instead), { cause: error });
  }
  if (result.code === 0) return;
  if (result.code === PKEXEC_DISMISSED) throw new Error(t.cancelled);
  if (result.code === PKEXEC_NOT_AUTHORIZED) {
    // pkexec's own words (no authentication agent, say) come on stderr; a shell would answer 127 for no pkexec too.
    const why = result.stderr.trim();
    throw new Error(t.notAuthorized(why, instead));
  }
  throw new Error(result.stderr.trim() || t.commandFailed(argv.join(' '), result.code));
}
