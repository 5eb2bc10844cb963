// `warren service install|uninstall|status`: the helper as a system service for an app that no package
// manager installed (the AppImage, whose first start offers it through pkexec). The OS's part is a
// ServiceManager (platform/linux/service.ts); this is the command line around it.
import { dirname } from 'node:path';
import { createServiceManager, type ServiceManager } from '../../platform/index.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';

const USAGE = 'Usage: warren service install [--from DIR] [--user NAME] | uninstall [--purge] | status';

export interface ServiceCommandEnvironment {
  manager: ServiceManager;
  /** The app directory of the Electron running this command as Node, or null under plain Node. */
  runningAppDirectory: string | null;
  isRoot: boolean;
}

function defaultEnvironment(): ServiceCommandEnvironment {
  return {
    manager: createServiceManager(),
    // ELECTRON_RUN_AS_NODE: process.execPath is the app's Electron binary, in the app directory.
    runningAppDirectory: process.versions.electron ? dirname(process.execPath) : null,
    isRoot: process.getuid?.() === 0,
  };
}

/** The command, with its environment passed in (tests give a manager of their own). */
export function serviceCommand(environment: () => ServiceCommandEnvironment = defaultEnvironment): Command {
  return {
    name: 'service',
    summary: 'Install, remove or show the helper service (for the AppImage; the .deb does it by itself)',
    help:
      `${USAGE}\n\n` +
      'install    copies the app to /opt/warren-helper (an AppImage moves each time it runs), installs the\n' +
      '           systemd unit warren.service running the helper from there, links /usr/local/bin/warren,\n' +
      '           installs the polkit action app.warren.manage for `pkexec /usr/local/bin/warren`, creates the\n' +
      '           system group `warren`, adds USER to it, and enables and starts the service. Running it again\n' +
      '           after an update replaces the copy and restarts the helper. A `warren` group that exists but is\n' +
      "           not a system group (a user's own group) is refused: its members would control the helper.\n" +
      '           --from DIR   the app directory (the Electron binary `warren` and resources/); by default the\n' +
      '                        app whose Electron runs this command\n' +
      '           --user NAME  the user to add to the group (they may use the app from their next login)\n' +
      'uninstall  stops and disables the service and removes what install made; the tunnels in /etc/warren\n' +
      '           stay unless --purge, which also deletes them, /var/lib/warren and the group.\n' +
      'status     where the unit is, what it runs, whether it is enabled and running, the group members.\n' +
      'install and uninstall need root. A .deb installation is managed by the package instead.\n',
    async run(args, io) {
      const [action, ...rest] = args;
      if (action === 'status') {
        if (rest.length > 0) throw new UsageError(`unexpected argument \`${rest[0]}\``);
        return printStatus(environment(), io);
      }
      if (action === 'install') return install(parseInstall(rest), environment(), io);
      if (action === 'uninstall') {
        const purge = rest.includes('--purge');
        const other = rest.find((arg) => arg !== '--purge');
        if (other !== undefined) throw new UsageError(`unexpected argument \`${other}\``);
        return uninstall(purge, environment(), io);
      }
      throw new UsageError(
        action === undefined ? 'missing install, uninstall or status' : `unknown action \`${action}\``,
      );
    },
  };
}

interface InstallArgs {
  from?: string;
  user?: string;
}

function parseInstall(args: string[]): InstallArgs {
  const parsed: InstallArgs = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const option = arg === '--from' ? 'from' : arg === '--user' ? 'user' : null;
    if (option === null) throw new UsageError(`unexpected argument \`${arg}\``);
    const value = args[++i];
    if (value === undefined || value === '') throw new UsageError(`${arg} needs a value`);
    parsed[option] = value;
  }
  return parsed;
}

async function install(args: InstallArgs, environment: ServiceCommandEnvironment, io: CliIo): Promise<number> {
  const appDirectory = args.from ?? environment.runningAppDirectory;
  if (appDirectory === null) {
    throw new UsageError(
      "--from DIR is needed: this is not the app's own Electron (DIR holds the binary `warren` and resources/)",
    );
  }
  if (!environment.isRoot) {
    io.stderr(
      'warren: service install needs root: it installs a system service and creates a group. Run it with sudo.\n',
    );
    return EXIT_FAILURE;
  }
  return report(io, () =>
    environment.manager.install({ appDirectory, ...(args.user === undefined ? {} : { user: args.user }) }),
  );
}

async function uninstall(purge: boolean, environment: ServiceCommandEnvironment, io: CliIo): Promise<number> {
  if (!environment.isRoot) {
    io.stderr('warren: service uninstall needs root: it removes a system service. Run it with sudo.\n');
    return EXIT_FAILURE;
  }
  return report(io, () => environment.manager.uninstall({ purge }));
}

async function report(io: CliIo, action: () => Promise<string[]>): Promise<number> {
  try {
    for (const step of await action()) io.stdout(`${step}\n`);
    return EXIT_OK;
  } catch (error) {
    io.stderr(`warren: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

async function printStatus(environment: ServiceCommandEnvironment, io: CliIo): Promise<number> {
  const status = await environment.manager.status();
  const lines = [
    `unit: ${status.unitPath ?? 'not installed'}`,
    ...(status.command === null ? [] : [`runs: ${status.command}`]),
    ...(status.enabled === null
      ? ['systemd: not running here']
      : [`enabled: ${status.enabled}`, `active: ${status.active}`]),
    `group warren: ${status.groupMembers === null ? 'does not exist' : status.groupMembers.length === 0 ? 'no members' : status.groupMembers.join(', ')}`,
  ];
  io.stdout(lines.join('\n') + '\n');
  return status.unitPath === null ? EXIT_FAILURE : EXIT_OK;
}

export const service = serviceCommand();
