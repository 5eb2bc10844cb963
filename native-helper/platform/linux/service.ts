/*
 * The helper as a systemd service, for an app that no package manager installed (the AppImage): what the .deb's
 * maintainer scripts do (packaging/deb), done by `warren service install` as root.
 *
 * An AppImage is mounted at a new path each time it runs, and only for its own user (root cannot read a FUSE
 * mount it did not make), so the service cannot run the helper from it. Install copies the app directory to
 * HELPER_DIRECTORY (root's, fixed), writes the unit the app ships (resources/warren.service, which names the
 * .deb's /opt/Warren) with its paths moved there, links /usr/local/bin/warren, creates the `warren` group, adds
 * the user, and enables and starts the unit when systemd runs the machine. Installing again replaces the copy
 * (after an AppImage update) and restarts the helper. Uninstall takes all of it back and keeps the tunnels in
 * /etc/warren unless purged. The .deb's own service (/usr/lib/systemd/system) is left to the package.
 */
import { constants } from 'node:fs';
import { access, cp, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_CONTROL_GROUP } from '../../../shared/ipc/access.js';
import type { ServiceInstallOptions, ServiceManager, ServiceStatus, ServiceUninstallOptions } from '../types.js';
import { CommandError, type CommandRunner } from './run-command.js';

export const UNIT_NAME = 'warren.service';

export interface LinuxServicePaths {
  /** Where install copies the app; the unit runs HELPER_DIRECTORY/warren. */
  helperDirectory: string;
  unitPath: string;
  /** The .deb's unit: when present, the package owns the service. */
  packagedUnitPath: string;
  /** The `warren` command for a shell. */
  commandLink: string;
  /** What a purge deletes: the tunnel store and the helper's state. */
  dataDirectories: readonly string[];
  /** Present when systemd is the running init (sd_booted(3)). */
  systemdRunDirectory: string;
}

export const LINUX_SERVICE_PATHS: LinuxServicePaths = {
  helperDirectory: '/opt/warren-helper',
  unitPath: `/etc/systemd/system/${UNIT_NAME}`,
  packagedUnitPath: `/usr/lib/systemd/system/${UNIT_NAME}`,
  commandLink: '/usr/local/bin/warren',
  dataDirectories: ['/etc/warren', '/var/lib/warren'],
  systemdRunDirectory: '/run/systemd/system',
};

/** The .deb's install directory, which the shipped unit names. */
const PACKAGED_APP_DIRECTORY = '/opt/Warren';
/** What an app directory holds, relative to it. */
const ELECTRON_BINARY = 'warren';
const HELPER_SCRIPT = 'resources/app.asar.unpacked/bin/warren.js';
const SHIPPED_UNIT = 'resources/warren.service';
const COMMAND = 'bin/warren';

/** POSIX portable user names, as useradd accepts them by default (no leading dash, at most 32). */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}[a-z0-9_$-]?$/i;

export class ServiceError extends Error {
  constructor(message: string, done: readonly string[]) {
    super(done.length === 0 ? message : `${message}\nAlready done:\n${done.map((step) => `  ${step}`).join('\n')}`);
    this.name = 'ServiceError';
  }
}

export interface LinuxServiceOptions {
  runner: CommandRunner;
  paths?: LinuxServicePaths;
  group?: string;
}

export class LinuxServiceManager implements ServiceManager {
  readonly #runner: CommandRunner;
  readonly #paths: LinuxServicePaths;
  readonly #group: string;

  constructor(options: LinuxServiceOptions) {
    this.#runner = options.runner;
    this.#paths = options.paths ?? LINUX_SERVICE_PATHS;
    this.#group = options.group ?? DEFAULT_CONTROL_GROUP;
  }

  async install(options: ServiceInstallOptions): Promise<string[]> {
    const paths = this.#paths;
    const done: string[] = [];
    if (await exists(paths.packagedUnitPath)) {
      throw new ServiceError(`the Warren package is installed and runs the helper (${paths.packagedUnitPath}): nothing to install`, done);
    }
    if (options.user !== undefined) await this.#checkUser(options.user, done);
    const unitText = await this.#checkAppDirectory(options.appDirectory, done);
    const unit = relocateUnit(unitText, paths.helperDirectory);

    await this.#step(done, `copied ${options.appDirectory} to ${paths.helperDirectory}`, () =>
      replaceDirectory(options.appDirectory, paths.helperDirectory),
    );
    await this.#step(done, `wrote ${paths.unitPath}`, async () => {
      await mkdir(dirname(paths.unitPath), { recursive: true });
      await writeFile(paths.unitPath, unit, { mode: 0o644 });
    });
    const link = join(paths.helperDirectory, COMMAND);
    const current = await readlink(paths.commandLink).catch(() => null);
    if (current === link) {
      // already ours
    } else if (current === null && (await exists(paths.commandLink))) {
      done.push(`left ${paths.commandLink} alone (not a link of Warren's); the command is ${link}`);
    } else {
      await this.#step(done, `linked ${paths.commandLink} to ${link}`, async () => {
        await mkdir(dirname(paths.commandLink), { recursive: true });
        await rm(paths.commandLink, { force: true });
        await symlink(link, paths.commandLink);
      });
    }
    if ((await this.#groupMembers()) === null) {
      await this.#step(done, `created the system group ${this.#group}`, () => this.#run(['groupadd', '--system', this.#group]));
    }
    if (options.user !== undefined) {
      const members = (await this.#groupMembers()) ?? [];
      if (!members.includes(options.user)) {
        await this.#step(done, `added ${options.user} to the group ${this.#group} (it applies from their next login)`, () =>
          this.#run(['usermod', '-aG', this.#group, options.user!]),
        );
      }
    }
    if (await this.#systemdRunning()) {
      await this.#step(done, 'reloaded systemd', () => this.#run(['systemctl', 'daemon-reload']));
      await this.#step(done, `enabled ${UNIT_NAME} (it starts at boot)`, () => this.#run(['systemctl', 'enable', '--quiet', UNIT_NAME]));
      // restart: starts a stopped service, and puts a running one (an older copy) on the new files.
      await this.#step(done, `started ${UNIT_NAME}`, () => this.#run(['systemctl', 'restart', UNIT_NAME]));
    } else if ((await this.#runner.which('systemctl')) !== null) {
      await this.#step(done, `enabled ${UNIT_NAME} (systemd is not running here: it starts at the next boot)`, () =>
        this.#run(['systemctl', 'enable', '--quiet', UNIT_NAME]),
      );
    } else {
      done.push(`systemd is not on this system: run the helper yourself (${paths.commandLink} daemon, as root)`);
    }
    return done;
  }

  async uninstall(options: ServiceUninstallOptions): Promise<string[]> {
    const paths = this.#paths;
    const done: string[] = [];
    if (await exists(paths.packagedUnitPath)) {
      throw new ServiceError(`the Warren package owns the service (${paths.packagedUnitPath}): remove the package instead (sudo apt remove warren)`, done);
    }
    if (await exists(paths.unitPath)) {
      if (await this.#systemdRunning()) {
        await this.#step(done, `stopped and disabled ${UNIT_NAME}`, () => this.#run(['systemctl', 'disable', '--now', '--quiet', UNIT_NAME]));
      } else if ((await this.#runner.which('systemctl')) !== null) {
        await this.#step(done, `disabled ${UNIT_NAME}`, () => this.#run(['systemctl', 'disable', '--quiet', UNIT_NAME]));
      }
      await this.#step(done, `removed ${paths.unitPath}`, () => rm(paths.unitPath, { force: true }));
      if (await this.#systemdRunning()) await this.#step(done, 'reloaded systemd', () => this.#run(['systemctl', 'daemon-reload']));
    }
    if ((await readlink(paths.commandLink).catch(() => null)) === join(paths.helperDirectory, COMMAND)) {
      await this.#step(done, `removed ${paths.commandLink}`, () => rm(paths.commandLink, { force: true }));
    }
    if (await exists(paths.helperDirectory)) {
      await this.#step(done, `removed ${paths.helperDirectory}`, () => rm(paths.helperDirectory, { recursive: true, force: true }));
    }
    if (options.purge) {
      for (const directory of paths.dataDirectories) {
        if (await exists(directory)) {
          await this.#step(done, `removed ${directory}`, () => rm(directory, { recursive: true, force: true }));
        }
      }
      if ((await this.#groupMembers()) !== null) {
        await this.#step(done, `deleted the group ${this.#group}`, () => this.#run(['groupdel', this.#group]));
      }
    } else if (await exists(paths.dataDirectories[0] ?? '')) {
      done.push(`kept the tunnels in ${paths.dataDirectories[0]} (--purge deletes them)`);
    }
    if (done.length === 0) done.push('the helper service was not installed: nothing to do');
    return done;
  }

  async status(): Promise<ServiceStatus> {
    const paths = this.#paths;
    const unitPath = (await exists(paths.unitPath)) ? paths.unitPath : (await exists(paths.packagedUnitPath)) ? paths.packagedUnitPath : null;
    let command: string | null = null;
    if (unitPath !== null) {
      const line = (await readFile(unitPath, 'utf8')).split('\n').find((l) => l.startsWith('ExecStart='));
      command = line?.slice('ExecStart='.length).trim() ?? null;
    }
    let enabled: string | null = null;
    let active: string | null = null;
    if (await this.#systemdRunning()) {
      // `show` answers for any unit, installed or not, and exits 0 (is-enabled and is-active exit 1 for "no").
      const { stdout } = await this.#run(['systemctl', 'show', '--property=UnitFileState,ActiveState', UNIT_NAME]);
      const values = new Map(stdout.split('\n').map((line) => line.split('=', 2) as [string, string]));
      enabled = values.get('UnitFileState') || 'not installed';
      active = values.get('ActiveState') || 'unknown';
    }
    return { unitPath, command, enabled, active, groupMembers: await this.#groupMembers() };
  }

  /** The app directory holds what the unit runs; resolves with the unit it ships. */
  async #checkAppDirectory(directory: string, done: string[]): Promise<string> {
    for (const [file, mode] of [
      [ELECTRON_BINARY, constants.X_OK],
      [HELPER_SCRIPT, constants.R_OK],
      [SHIPPED_UNIT, constants.R_OK],
    ] as const) {
      try {
        await access(join(directory, file), mode);
      } catch {
        throw new ServiceError(`${directory} is not a Warren app directory: ${join(directory, file)} is missing`, done);
      }
    }
    return readFile(join(directory, SHIPPED_UNIT), 'utf8');
  }

  async #checkUser(user: string, done: string[]): Promise<void> {
    if (!USER_NAME.test(user)) throw new ServiceError(`not a user name: ${JSON.stringify(user)}`, done);
    if (user === 'root') throw new ServiceError('root may use the helper already: name the user who runs the app', done);
    try {
      await this.#run(['getent', 'passwd', user]);
    } catch {
      throw new ServiceError(`no such user: ${user}`, done);
    }
  }

  /** The group's members, or null when it does not exist. */
  async #groupMembers(): Promise<string[] | null> {
    let line: string;
    try {
      line = (await this.#run(['getent', 'group', this.#group])).stdout.trim();
    } catch (error) {
      // getent exits 2 for "no such entry"; anything else is a real failure.
      if (error instanceof CommandError && error.exitCode === 2) return null;
      throw error;
    }
    const members = line.split(':')[3] ?? '';
    return members === '' ? [] : members.split(',');
  }

  async #systemdRunning(): Promise<boolean> {
    try {
      return (await stat(this.#paths.systemdRunDirectory)).isDirectory();
    } catch {
      return false;
    }
  }

  #run(argv: string[]) {
    return this.#runner.run(argv);
  }

  async #step(done: string[], what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      throw new ServiceError(`failed (${what}): ${(error as Error).message}`, done);
    }
    done.push(what);
  }
}

/**
 * The shipped unit (written for the .deb's /opt/Warren) with its paths moved to `directory`. Throws when the
 * unit does not run the helper from /opt/Warren, so a changed unit cannot be installed half-moved.
 */
export function relocateUnit(unit: string, directory: string): string {
  const exec = unit.split('\n').find((line) => line.startsWith('ExecStart='));
  const binary = `${PACKAGED_APP_DIRECTORY}/${ELECTRON_BINARY}`;
  const script = `${PACKAGED_APP_DIRECTORY}/${HELPER_SCRIPT} daemon`;
  // Runtime flags may stand between the two (V8's, as --max-semi-space-size=1), none of them a path.
  const words = exec?.trim().slice('ExecStart='.length).split(/\s+/) ?? [];
  const flags = words.slice(1, -2);
  if (words[0] !== binary || words.slice(-2).join(' ') !== script || !flags.every((flag) => /^--[a-z0-9-]+(=[0-9]+)?$/.test(flag))) {
    throw new Error(`the shipped unit does not run ${binary} ${script}`);
  }
  return unit.replaceAll(`${PACKAGED_APP_DIRECTORY}/`, `${directory}/`);
}

/** Copies `from` to `to` whole: into a sibling first, then swapped in, so `to` is never half a copy. */
async function replaceDirectory(from: string, to: string): Promise<void> {
  const fresh = `${to}.new`;
  const old = `${to}.old`;
  await rm(fresh, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
  await mkdir(dirname(to), { recursive: true });
  // Modes come along (the binaries stay executable); the copy is root's, as the process making it.
  await cp(from, fresh, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  if (await exists(to)) await rename(to, old);
  await rename(fresh, to);
  await rm(old, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
