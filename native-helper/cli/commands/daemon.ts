// `warren daemon`: this namespace's helper in the foreground (what a service manager runs, and what `up`
// starts in the background). Also the foreground mode of `warren up`.
import { fstatSync } from 'node:fs';
import { ControlClient } from '../../../shared/ipc/control-client.js';
import { controlSocketPath, runtimeDirectory } from '../../../shared/ipc/socket-path.js';
import { loadCrypto } from '../../crypto/index.js';
import { type HelperService, startHelperService } from '../../daemon/helper-service.js';
import { createPlatform } from '../../platform/index.js';
import { TunnelStore, resolveStateDir } from '../../store/index.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, type ExitCode, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { requireRoot } from '../root.js';
import { packageVersion } from '../version.js';
import { reportFailure } from '../with-helper.js';

interface HelperChoice {
  exitWhenIdle: boolean;
  store?: TunnelStore;
  group?: string;
  env?: NodeJS.ProcessEnv;
}

/** Whether stderr is the journal (systemd sets JOURNAL_STREAM to its device:inode), which adds the time itself. */
function stderrIsJournal(): boolean {
  const stream = process.env.JOURNAL_STREAM;
  if (!stream) return false;
  try {
    const stat = fstatSync(2);
    return stream === `${stat.dev}:${stat.ino}`;
  } catch {
    return false;
  }
}

async function startHelper(io: CliIo, choice: HelperChoice): Promise<HelperService> {
  const env = choice.env ?? process.env;
  return startHelperService({
    socketPath: controlSocketPath(env),
    platform: createPlatform(),
    crypto: loadCrypto(),
    version: packageVersion(),
    exitWhenIdle: choice.exitWhenIdle,
    store: choice.store,
    controlGroup: choice.group,
    runtimeDirectory: runtimeDirectory(env),
    powerEvents: true,
    log: { output: (line) => io.stderr(`${line}\n`), journal: stderrIsJournal() },
  });
}

/** Stops the helper on SIGINT/SIGTERM: every tunnel down, keys wiped, system restored. */
function stopOnSignals(helper: HelperService): void {
  const stop = () => void helper.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  void helper.finished.then(() => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
}

export async function runForeground(
  io: CliIo,
  request: {
    name: string;
    config: string;
    source: string;
    allowScripts: boolean;
    blockUntunneled?: boolean;
    excludePrivateIps?: boolean;
  },
): Promise<ExitCode> {
  let helper: HelperService;
  try {
    helper = await startHelper(io, { exitWhenIdle: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr(`${text.general.prefix}${text.up.helperRunsAlready}\n`);
    } else {
      reportFailure(io, error);
    }
    return EXIT_FAILURE;
  }
  stopOnSignals(helper);
  const client = await ControlClient.connect(controlSocketPath());
  try {
    const status = await client.call('up', request);
    io.stdout(`${text.up.isUpForeground(status.name)}\n`);
    for (const warning of status.warnings) io.stderr(`${text.general.warning(warning)}\n`);
  } catch (error) {
    reportFailure(io, error);
    await helper.close();
    return EXIT_FAILURE;
  } finally {
    client.close();
  }
  await helper.finished;
  io.stdout(`${text.up.isDown(request.name)}\n`);
  return EXIT_OK;
}

export const daemon: Command = {
  name: 'daemon',
  summary: text.daemon.summary,
  help: text.daemon.help,
  syntax: {
    options: [
      { name: '--state-dir', value: 'directory' },
      { name: '--group', value: 'group' },
      { name: '--runtime-dir', value: 'directory' },
      { name: '--exit-when-idle' },
    ],
  },
  async run(args, io) {
    let exitWhenIdle = false;
    let stateDir: string | undefined;
    let group: string | undefined;
    let runtimeDir: string | undefined;
    const value = (i: number) => {
      const next = args[i + 1];
      if (next === undefined || next === '') throw new UsageError(text.general.needsValue(args[i]!));
      return next;
    };
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--exit-when-idle') exitWhenIdle = true;
      else if (args[i] === '--state-dir') stateDir = value(i++);
      else if (args[i] === '--group') group = value(i++);
      else if (args[i] === '--runtime-dir') runtimeDir = value(i++);
      else throw new UsageError(text.general.unexpectedArgument(args[i]!));
    }
    if (exitWhenIdle && stateDir !== undefined) throw new UsageError(text.daemon.stateDirUnused);
    if (!requireRoot(io, 'warren daemon')) return EXIT_FAILURE;
    const env = runtimeDir === undefined ? process.env : { ...process.env, WARREN_RUNTIME_DIR: runtimeDir };
    let helper: HelperService;
    try {
      const store = exitWhenIdle ? undefined : await TunnelStore.open(resolveStateDir({ flag: stateDir }));
      helper = await startHelper(io, { exitWhenIdle, store, group, env });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        io.stderr(`${text.general.prefix}${text.daemon.runsAlready}\n`);
      } else {
        reportFailure(io, error);
      }
      return EXIT_FAILURE;
    }
    stopOnSignals(helper);
    await helper.finished;
    return EXIT_OK;
  },
};
