/*
 * The AppImage's first start: no package manager has installed the helper service, so when no helper answers
 * the app offers to install it, says exactly what that does, and runs `warren service install` as root through
 * pkexec (the desktop's password prompt) on the app's own Electron as Node.
 *
 * Root cannot read an AppImage's FUSE mount (it is its user's only), so the app directory is first copied, as
 * the user, to a private staging directory, and pkexec runs the command from there; the command copies it on to
 * /opt/warren-helper, which the service runs (the AppImage's path changes each time it runs). pkexec clears the
 * environment, hence `env ELECTRON_RUN_AS_NODE=1`. Electron's dialog and the process runner (pkexec.ts) come in as
 * parameters, so this runs and is tested under plain Node; main/index.ts wires it.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionState } from '../shared/bridge/types.js';
import { PKEXEC_DISMISSED, PKEXEC_NOT_AUTHORIZED, type RunCommand } from './pkexec.js';
import { strings } from './strings.js';

const t = strings.serviceOffer;

export const HELPER_DIRECTORY = '/opt/warren-helper';
const HELPER_SCRIPT = 'resources/app.asar.unpacked/bin/warren.js';

export interface OfferQuestion {
  title: string;
  message: string;
  detail: string;
  /** The first installs, the second declines. */
  buttons: [string, string];
}

export interface ServiceOfferOptions {
  /** $APPIMAGE: set by the AppImage runtime to the .AppImage file; the offer is only for AppImages. */
  appImage: string | undefined;
  /** The directory of the running Electron binary (the AppImage's mount point). */
  appDirectory: string;
  /** The user running the app, to add to the helper's group. */
  user: string;
  /** Asks; resolves true for install. */
  ask(question: OfferQuestion): Promise<boolean>;
  /** Tells the outcome. */
  inform(kind: 'info' | 'error', message: string, detail: string): Promise<void> | void;
  /** Copies the app directory to a new directory only this user may write; resolves with its path. */
  stage(appDirectory: string): Promise<string>;
  /** Deletes the staging directory. */
  unstage(directory: string): Promise<void>;
  /** Runs argv to its end (pkexec.ts's runToEnd). */
  run: RunCommand;
  /** After an install: look for the helper now. */
  retry(): void;
}

export type OfferOutcome = 'not-offered' | 'declined' | 'installed' | 'failed';

/** What the dialog says: every change the install makes, and how to take it back. */
export function offerQuestion(user: string): OfferQuestion {
  return {
    title: t.title,
    message: t.message,
    detail: t.detail(HELPER_DIRECTORY, user),
    buttons: [t.install, t.notNow],
  };
}

/** The command pkexec runs: the staged app's Electron as Node, running `warren service install`. */
export function installCommand(stagedDirectory: string, user: string): string[] {
  return [
    'pkexec',
    'env',
    'ELECTRON_RUN_AS_NODE=1',
    `${stagedDirectory}/warren`,
    `${stagedDirectory}/${HELPER_SCRIPT}`,
    'service',
    'install',
    '--from',
    stagedDirectory,
    '--user',
    user,
  ];
}

export class HelperServiceOffer {
  readonly #options: ServiceOfferOptions;
  #considered = false;

  constructor(options: ServiceOfferOptions) {
    this.#options = options;
  }

  /**
   * Called with each connection state; offers the install once per start of the app, the first time the
   * helper is missing, and only in an AppImage. Resolves with what happened.
   */
  async consider(connection: ConnectionState): Promise<OfferOutcome> {
    if (this.#considered || connection.kind === 'connecting') return 'not-offered';
    // The first answer decides: a helper that answers (or refuses us) is installed already.
    this.#considered = true;
    if (connection.kind !== 'helper-missing' || !this.#options.appImage) return 'not-offered';
    return this.#offer();
  }

  async #offer(): Promise<OfferOutcome> {
    const options = this.#options;
    if (!(await options.ask(offerQuestion(options.user)))) return 'declined';
    let staged: string | null = null;
    try {
      staged = await options.stage(options.appDirectory);
      const result = await options.run(installCommand(staged, options.user));
      if (result.code === 0) {
        await options.inform('info', t.installed, t.installedDetail);
        options.retry();
        return 'installed';
      }
      if (result.code === PKEXEC_DISMISSED || result.code === PKEXEC_NOT_AUTHORIZED) {
        await options.inform('error', t.notInstalled, t.passwordNotGiven);
        return 'failed';
      }
      await options.inform('error', t.failed, result.stderr.trim() || t.exited(result.code));
      return 'failed';
    } catch (error) {
      const detail =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? t.noPkexec(
              `sudo env ELECTRON_RUN_AS_NODE=1 "${options.appDirectory}/warren" "${options.appDirectory}/${HELPER_SCRIPT}" service install --user ${options.user}`,
            )
          : (error as Error).message;
      await options.inform('error', t.failed, detail);
      return 'failed';
    } finally {
      if (staged !== null) await options.unstage(staged).catch(() => {});
    }
  }
}

/** ServiceOfferOptions.stage: a copy in a new 0700 directory of this user's (mkdtemp), modes kept. */
export async function stageAppDirectory(appDirectory: string, parent = tmpdir()): Promise<string> {
  const staged = await mkdtemp(join(parent, 'warren-install-'));
  try {
    await cp(appDirectory, join(staged, 'app'), { recursive: true, verbatimSymlinks: true });
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
  return join(staged, 'app');
}

/** ServiceOfferOptions.unstage for a directory stageAppDirectory made. */
export async function unstageAppDirectory(staged: string): Promise<void> {
  await rm(join(staged, '..'), { recursive: true, force: true });
}
