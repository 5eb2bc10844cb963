// `warren daemon`: this namespace's helper in the foreground (what a service manager runs, and what `up`
// starts in the background). Also the foreground mode of `warren up`.
import { fstatSync } from 'node:fs';
import { ControlClient } from '../../../shared/ipc/control-client.js';
import { controlSocketPath, runtimeDirectory } from '../../../shared/ipc/socket-path.js';
import { loadCrypto } from '../../crypto/index.js';
import { type HelperService, startHelperService } from '../../daemon/helper-service.js';
import { createPlatform } from '../../platform/index.js';
import { TunnelStore, resolveStateDir } from '../../store/index.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
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
): Promise<number> {
  let helper: HelperService;
  try {
    helper = await startHelper(io, { exitWhenIdle: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr(
        'warren: a Warren helper already runs in this network namespace; use `warren up` without --foreground\n',
      );
    } else {
      reportFailure(io, error);
    }
    return EXIT_FAILURE;
  }
  stopOnSignals(helper);
  const client = await ControlClient.connect(controlSocketPath());
  try {
    const status = await client.call('up', request);
    io.stdout(`${status.name} is up; Ctrl-C takes it down\n`);
    for (const warning of status.warnings) io.stderr(`warning: ${warning}\n`);
  } catch (error) {
    reportFailure(io, error);
    await helper.close();
    return EXIT_FAILURE;
  } finally {
    client.close();
  }
  await helper.finished;
  io.stdout(`${request.name} is down\n`);
  return EXIT_OK;
}

export const daemon: Command = {
  name: 'daemon',
  summary: "Run this network namespace's helper in the foreground (needs root)",
  help:
    'Usage: warren daemon [--state-dir DIR] [--group NAME] [--runtime-dir DIR] [--exit-when-idle]\n\n' +
    "Runs the helper that keeps this network namespace's tunnels, serving the control socket the app and the\n" +
    'warren command use. At the first start of a boot it brings up the tunnels marked autostart; started again\n' +
    'within the same boot (after a crash or a restart) it brings back the tunnels that were up. SIGINT or\n' +
    'SIGTERM takes every tunnel down and exits; they come back at the next start within this boot.\n' +
    '  --state-dir DIR    the tunnel store (default $WARREN_STATE_DIR, else /etc/warren)\n' +
    '  --group NAME       besides root, members of this group may use the helper (default warren)\n' +
    '  --runtime-dir DIR  the control socket, boot marker and tunnel journal (default $WARREN_RUNTIME_DIR,\n' +
    '                     else /run/warren)\n' +
    '  --exit-when-idle   tunnels from files only, no store; exit once the last tunnel is down (how\n' +
    '                     `warren up FILE` starts a helper when none runs)\n',
  async run(args, io) {
    let exitWhenIdle = false;
    let stateDir: string | undefined;
    let group: string | undefined;
    let runtimeDir: string | undefined;
    const value = (i: number) => {
      const next = args[i + 1];
      if (next === undefined || next === '') throw new UsageError(`${args[i]} needs a value`);
      return next;
    };
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--exit-when-idle') exitWhenIdle = true;
      else if (args[i] === '--state-dir') stateDir = value(i++);
      else if (args[i] === '--group') group = value(i++);
      else if (args[i] === '--runtime-dir') runtimeDir = value(i++);
      else throw new UsageError(`unknown argument \`${args[i]}\``);
    }
    if (exitWhenIdle && stateDir !== undefined)
      throw new UsageError('--state-dir has no use with --exit-when-idle, which runs no store');
    if (!requireRoot(io, 'warren daemon')) return EXIT_FAILURE;
    const env = runtimeDir === undefined ? process.env : { ...process.env, WARREN_RUNTIME_DIR: runtimeDir };
    let helper: HelperService;
    try {
      const store = exitWhenIdle ? undefined : await TunnelStore.open(resolveStateDir({ flag: stateDir }));
      helper = await startHelper(io, { exitWhenIdle, store, group, env });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        io.stderr('warren: a Warren helper already runs in this network namespace\n');
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
