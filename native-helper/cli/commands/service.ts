// `warren service install|uninstall|status`: the helper as a system service for an app that no package
// manager installed (the AppImage, whose first start offers it through pkexec). The OS's part is a
// ServiceManager (platform/linux/service.ts); this is the command line around it.
import { dirname } from 'node:path';
import { createServiceManager, type ServiceManager } from '../../platform/index.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, type ExitCode, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { complain } from '../with-helper.js';

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
    summary: text.service.summary,
    help: text.service.help,
    syntax: {
      options: [{ name: '--from', value: 'directory' }, { name: '--user', value: 'user' }, { name: '--purge' }],
      operands: [['install', 'uninstall', 'status']],
    },
    async run(args, io) {
      const [action, ...rest] = args;
      if (action === 'status') {
        if (rest.length > 0) throw new UsageError(text.general.unexpectedArgument(rest[0]!));
        return printStatus(environment(), io);
      }
      if (action === 'install') return install(parseInstall(rest), environment(), io);
      if (action === 'uninstall') {
        const purge = rest.includes('--purge');
        const other = rest.find((arg) => arg !== '--purge');
        if (other !== undefined) throw new UsageError(text.general.unexpectedArgument(other));
        return uninstall(purge, environment(), io);
      }
      throw new UsageError(action === undefined ? text.service.missingAction : text.service.unknownAction(action));
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
    if (option === null) throw new UsageError(text.general.unexpectedArgument(arg!));
    const value = args[++i];
    if (value === undefined || value === '') throw new UsageError(text.general.needsValue(arg!));
    parsed[option] = value;
  }
  return parsed;
}

async function install(args: InstallArgs, environment: ServiceCommandEnvironment, io: CliIo): Promise<ExitCode> {
  const appDirectory = args.from ?? environment.runningAppDirectory;
  if (appDirectory === null) {
    throw new UsageError(text.service.fromNeeded);
  }
  if (!environment.isRoot) return complain(io, text.service.installNeedsRoot);
  return report(io, () =>
    environment.manager.install({ appDirectory, ...(args.user === undefined ? {} : { user: args.user }) }),
  );
}

async function uninstall(purge: boolean, environment: ServiceCommandEnvironment, io: CliIo): Promise<ExitCode> {
  if (!environment.isRoot) return complain(io, text.service.uninstallNeedsRoot);
  return report(io, () => environment.manager.uninstall({ purge }));
}

async function report(io: CliIo, action: () => Promise<string[]>): Promise<ExitCode> {
  try {
    for (const step of await action()) io.stdout(`${step}\n`);
    return EXIT_OK;
  } catch (error) {
    return complain(io, (error as Error).message);
  }
}

async function printStatus(environment: ServiceCommandEnvironment, io: CliIo): Promise<ExitCode> {
  const status = await environment.manager.status();
  const t = text.service;
  const lines = [
    t.unit(status.unitPath),
    ...(status.command === null ? [] : [t.runs(status.command)]),
    ...(status.enabled === null ? [t.noSystemd] : [t.enabled(String(status.enabled)), t.active(String(status.active))]),
    t.group(status.groupMembers),
  ];
  io.stdout(lines.join('\n') + '\n');
  return status.unitPath === null ? EXIT_FAILURE : EXIT_OK;
}

export const service = serviceCommand();
