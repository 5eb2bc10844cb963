/*
 * The helper as a systemd service, for an app that no package manager installed (the AppImage): what the .deb's
 * maintainer scripts do (packaging/deb), done by `warren service install` as root.
 *
 * An AppImage is mounted at a new path each time it runs, and only for its own user (root cannot read a FUSE
 * mount it did not make), so the service cannot run the helper from it. Install copies the app directory to
 * HELPER_DIRECTORY (root's, fixed), writes the unit the app ships (resources/warren.service, which names the
 * .deb's /opt/Warren) with its paths moved there, links /usr/local/bin/warren, installs the polkit action the app's
 * pkexec prompts use (the shipped resources/app.warren.policy, for that link instead of /usr/bin/warren), creates
 * the `warren` group, adds the user, and enables and starts the unit when systemd runs the machine. Installing
 * again replaces the copy (after an AppImage update) and restarts the helper. Uninstall takes all of it back and
 * keeps the tunnels in /etc/warren unless purged. The .deb's own service (/usr/lib/systemd/system) is left to
 * the package.
 *
 * The group must be a system group: its members control a root helper, so it must be one only an administrator
 * fills. A `warren` group that already exists as an ordinary one (a gid in the users' range, or the personal
 * group of a user named warren) is refused before anything is changed, as the .deb's postinst refuses it.
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
  /** The polkit action for pkexec on the command (the .deb installs the same file at the same place). */
  policyPath: string;
  /** Where system groups end (SYS_GID_MAX, GID_MIN), as groupadd reads it. */
  loginDefsPath: string;
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
  policyPath: '/usr/share/polkit-1/actions/app.warren.policy',
  loginDefsPath: '/etc/login.defs',
  dataDirectories: ['/etc/warren', '/var/lib/warren'],
  systemdRunDirectory: '/run/systemd/system',
};

/** The .deb's install directory, which the shipped unit names. */
const PACKAGED_APP_DIRECTORY = '/opt/Warren';
/** What an app directory holds, relative to it. */
const ELECTRON_BINARY = 'warren';
const HELPER_SCRIPT = 'resources/app.asar.unpacked/bin/warren.js';
const SHIPPED_UNIT = 'resources/warren.service';
const SHIPPED_POLICY = 'resources/app.warren.policy';
const COMMAND = 'bin/warren';
/** The command the shipped policy names: the .deb's link. */
const PACKAGED_COMMAND = '/usr/bin/warren';
const EXEC_PATH_KEY = 'org.freedesktop.policykit.exec.path';

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
      throw new ServiceError(
        `the Warren package is installed and runs the helper (${paths.packagedUnitPath}): nothing to install`,
        done,
      );
    }
    if (options.user !== undefined) await this.#checkUser(options.user, done);
    await this.#checkGroup(done);
    const shipped = await this.#checkAppDirectory(options.appDirectory, done);
    const unit = relocateUnit(shipped.unit, paths.helperDirectory);
    const link = join(paths.helperDirectory, COMMAND);
    const current = await readlink(paths.commandLink).catch(() => null);
    // A file at the link's place that is not a link stays; the polkit action is then for the copy's own command
    // (an action for the link's path would give our prompt to a program that is not Warren).
    const keepForeignCommand = current === null && (await exists(paths.commandLink));
    const command = keepForeignCommand ? link : paths.commandLink;
    const policy = relocatePolicy(shipped.policy, command);

    await this.#step(done, `copied ${options.appDirectory} to ${paths.helperDirectory}`, () =>
      replaceDirectory(options.appDirectory, paths.helperDirectory),
    );
    await this.#step(done, `wrote ${paths.unitPath}`, async () => {
      await mkdir(dirname(paths.unitPath), { recursive: true });
      await writeFile(paths.unitPath, unit, { mode: 0o644 });
    });
    if (current === link) {
      // already ours
    } else if (keepForeignCommand) {
      done.push(`left ${paths.commandLink} alone (not a link of Warren's); the command is ${link}`);
    } else {
      await this.#step(done, `linked ${paths.commandLink} to ${link}`, async () => {
        await mkdir(dirname(paths.commandLink), { recursive: true });
        await rm(paths.commandLink, { force: true });
        await symlink(link, paths.commandLink);
      });
    }
    await this.#step(
      done,
      `installed the polkit action ${POLICY_ACTION} for \`pkexec ${command}\` (${paths.policyPath})`,
      async () => {
        await mkdir(dirname(paths.policyPath), { recursive: true });
        await writeFile(paths.policyPath, policy, { mode: 0o644 });
      },
    );
    if ((await this.#groupMembers()) === null) {
      await this.#step(done, `created the system group ${this.#group}`, () =>
        this.#run(['groupadd', '--system', this.#group]),
      );
    }
    if (options.user !== undefined) {
      const members = (await this.#groupMembers()) ?? [];
      if (!members.includes(options.user)) {
        await this.#step(
          done,
          `added ${options.user} to the group ${this.#group} (it applies from their next login)`,
          () => this.#run(['usermod', '-aG', this.#group, options.user!]),
        );
      }
    }
    if (await this.#systemdRunning()) {
      await this.#step(done, 'reloaded systemd', () => this.#run(['systemctl', 'daemon-reload']));
      await this.#step(done, `enabled ${UNIT_NAME} (it starts at boot)`, () =>
        this.#run(['systemctl', 'enable', '--quiet', UNIT_NAME]),
      );
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
      throw new ServiceError(
        `the Warren package owns the service (${paths.packagedUnitPath}): remove the package instead (sudo apt remove warren)`,
        done,
      );
    }
    if (await exists(paths.unitPath)) {
      if (await this.#systemdRunning()) {
        await this.#step(done, `stopped and disabled ${UNIT_NAME}`, () =>
          this.#run(['systemctl', 'disable', '--now', '--quiet', UNIT_NAME]),
        );
      } else if ((await this.#runner.which('systemctl')) !== null) {
        await this.#step(done, `disabled ${UNIT_NAME}`, () =>
          this.#run(['systemctl', 'disable', '--quiet', UNIT_NAME]),
        );
      }
      await this.#step(done, `removed ${paths.unitPath}`, () => rm(paths.unitPath, { force: true }));
      if (await this.#systemdRunning())
        await this.#step(done, 'reloaded systemd', () => this.#run(['systemctl', 'daemon-reload']));
    }
    if ((await readlink(paths.commandLink).catch(() => null)) === join(paths.helperDirectory, COMMAND)) {
      await this.#step(done, `removed ${paths.commandLink}`, () => rm(paths.commandLink, { force: true }));
    }
    // Only the action install wrote: one for this install's command.
    const policy = await readFile(paths.policyPath, 'utf8').catch(() => null);
    const ours = [paths.commandLink, join(paths.helperDirectory, COMMAND)];
    if (policy !== null && ours.includes(policyCommand(policy) ?? '')) {
      await this.#step(done, `removed ${paths.policyPath}`, () => rm(paths.policyPath, { force: true }));
    }
    if (await exists(paths.helperDirectory)) {
      await this.#step(done, `removed ${paths.helperDirectory}`, () =>
        rm(paths.helperDirectory, { recursive: true, force: true }),
      );
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
    const unitPath = (await exists(paths.unitPath))
      ? paths.unitPath
      : (await exists(paths.packagedUnitPath))
        ? paths.packagedUnitPath
        : null;
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

  /** The app directory holds what the unit runs; resolves with the unit and the polkit policy it ships. */
  async #checkAppDirectory(directory: string, done: string[]): Promise<{ unit: string; policy: string }> {
    for (const [file, mode] of [
      [ELECTRON_BINARY, constants.X_OK],
      [HELPER_SCRIPT, constants.R_OK],
      [SHIPPED_UNIT, constants.R_OK],
      [SHIPPED_POLICY, constants.R_OK],
    ] as const) {
      try {
        await access(join(directory, file), mode);
      } catch {
        throw new ServiceError(`${directory} is not a Warren app directory: ${join(directory, file)} is missing`, done);
      }
    }
    return {
      unit: await readFile(join(directory, SHIPPED_UNIT), 'utf8'),
      policy: await readFile(join(directory, SHIPPED_POLICY), 'utf8'),
    };
  }

  /** Refuses a group of that name that is not a system group (see notSystemGroupReason). */
  async #checkGroup(done: string[]): Promise<void> {
    const group = await this.#getent('group', this.#group);
    if (group === null) return;
    const user = await this.#getent('passwd', this.#group);
    const loginDefs = await readFile(this.#paths.loginDefsPath, 'utf8').catch(() => '');
    const reason = notSystemGroupReason({
      name: this.#group,
      gid: Number(group[2]),
      systemGidMax: systemGidMax(loginDefs),
      sameNamedUserGid: user === null ? null : Number(user[3]),
    });
    if (reason !== null) throw new ServiceError(notSystemGroupMessage(this.#group, reason), done);
  }

  /** The fields of a getent entry, or null when there is none. */
  async #getent(database: 'group' | 'passwd', key: string): Promise<string[] | null> {
    try {
      return (await this.#run(['getent', database, key])).stdout.trim().split(':');
    } catch (error) {
      // getent exits 2 for "no such entry"; anything else is a real failure.
      if (error instanceof CommandError && error.exitCode === 2) return null;
      throw error;
    }
  }

  async #checkUser(user: string, done: string[]): Promise<void> {
    if (!USER_NAME.test(user)) throw new ServiceError(`not a user name: ${JSON.stringify(user)}`, done);
    if (user === 'root')
      throw new ServiceError('root may use the helper already: name the user who runs the app', done);
    try {
      await this.#run(['getent', 'passwd', user]);
    } catch {
      throw new ServiceError(`no such user: ${user}`, done);
    }
  }

  /** The group's members, or null when it does not exist. */
  async #groupMembers(): Promise<string[] | null> {
    const entry = await this.#getent('group', this.#group);
    if (entry === null) return null;
    const members = entry[3] ?? '';
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
  if (
    words[0] !== binary ||
    words.slice(-2).join(' ') !== script ||
    !flags.every((flag) => /^--[a-z0-9-]+(=[0-9]+)?$/.test(flag))
  ) {
    throw new Error(`the shipped unit does not run ${binary} ${script}`);
  }
  return unit.replaceAll(`${PACKAGED_APP_DIRECTORY}/`, `${directory}/`);
}

/** The action the shipped policy declares (packaging/linux/app.warren.policy). */
export const POLICY_ACTION = 'app.warren.manage';

/**
 * The shipped polkit policy (for the .deb's /usr/bin/warren) for the command at `command` instead: pkexec
 * matches an action by its exec.path, exactly, so the AppImage's link needs its own. Throws when the policy
 * is not the one action for /usr/bin/warren, so a changed policy cannot be installed for the wrong program.
 */
export function relocatePolicy(policy: string, command: string): string {
  const annotation = `<annotate key="${EXEC_PATH_KEY}">${PACKAGED_COMMAND}</annotate>`;
  if (
    policy.split(annotation).length !== 2 ||
    policy.split('<action ').length !== 2 ||
    !policy.includes(`<action id="${POLICY_ACTION}">`)
  ) {
    throw new Error(`the shipped polkit policy is not the one action ${POLICY_ACTION} for ${PACKAGED_COMMAND}`);
  }
  return policy.replace(annotation, `<annotate key="${EXEC_PATH_KEY}">${command}</annotate>`);
}

/** The program a policy lets pkexec run (its exec.path), or null. */
export function policyCommand(policy: string): string | null {
  return /<annotate key="org\.freedesktop\.policykit\.exec\.path">([^<]*)<\/annotate>/.exec(policy)?.[1] ?? null;
}

/**
 * Where system groups end, as groupadd --system reads /etc/login.defs: SYS_GID_MAX, else GID_MIN - 1, else 999
 * (login.defs(5)).
 */
export function systemGidMax(loginDefs: string): number {
  const value = (key: string): number | null => {
    let found: number | null = null;
    for (const line of loginDefs.split('\n')) {
      const [name, number] = line.trim().split(/\s+/);
      if (name === key && /^\d+$/.test(number ?? '')) found = Number(number);
    }
    return found;
  };
  const max = value('SYS_GID_MAX');
  if (max !== null) return max;
  const min = value('GID_MIN');
  return min !== null ? min - 1 : 999;
}

export interface ExistingGroup {
  name: string;
  gid: number;
  systemGidMax: number;
  /** The primary gid of the user with the group's name, or null when there is no such user. */
  sameNamedUserGid: number | null;
}

/**
 * Why an existing group is not a system group one may trust with the helper, or null when it is one. A
 * user's personal group (useradd's user private group) has that user as an unlisted member, and any group in
 * the users' range is one an administrator may not have meant for a root helper.
 */
export function notSystemGroupReason(group: ExistingGroup): string | null {
  if (group.sameNamedUserGid === group.gid) {
    return `it is the personal group of the user ${group.name} (that user's primary group, gid ${group.gid})`;
  }
  if (group.gid > group.systemGidMax) {
    return `its gid ${group.gid} is above ${group.systemGidMax}, where system groups end (SYS_GID_MAX in /etc/login.defs)`;
  }
  return null;
}

/** What `warren service install` says when it refuses the group; the .deb's postinst says the same. */
export function notSystemGroupMessage(name: string, reason: string): string {
  return (
    `the group ${name} exists, but it is not a system group: ${reason}.\n` +
    `The Warren helper runs as root and takes orders from the members of the group ${name}, so an ordinary ` +
    `user's group would let that user, and whoever is put in it, control the root helper without an ` +
    `administrator granting it.\n` +
    `Rename that group (sudo groupmod -n NEW-NAME ${name}: its gid, members and files stay as they are), or give ` +
    `its users a different group and delete it (sudo groupdel ${name}); then run this again, and Warren creates ` +
    `its own system group ${name}.`
  );
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
