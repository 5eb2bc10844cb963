// `warren daemon`: this namespace's helper in the foreground (what a service manager runs, and what `up`
// starts in the background). Also the foreground mode of `warren up`.
import { ControlClient } from '../../../shared/ipc/control-client.js';
import { controlSocketPath } from '../../../shared/ipc/socket-path.js';
import { loadCrypto } from '../../crypto/index.js';
import { type HelperService, startHelperService } from '../../daemon/helper-service.js';
import { createPlatform } from '../../platform/index.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { requireRoot } from '../root.js';
import { packageVersion } from '../version.js';
import { reportFailure } from './up.js';

async function startHelper(io: CliIo, exitWhenIdle: boolean): Promise<HelperService> {
  return startHelperService({
    socketPath: controlSocketPath(),
    platform: createPlatform(),
    crypto: loadCrypto(),
    version: packageVersion(),
    exitWhenIdle,
    log: (message) => io.stderr(`${new Date().toISOString()} ${message}\n`),
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
  request: { name: string; config: string; source: string; allowScripts: boolean },
): Promise<number> {
  let helper: HelperService;
  try {
    helper = await startHelper(io, true);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr('warren: a Warren helper already runs in this network namespace; use `warren up` without --foreground\n');
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
    'Usage: warren daemon [--exit-when-idle]\n\n' +
    "Runs the helper that keeps this network namespace's tunnels, serving the control socket the app and the\n" +
    'warren command use. SIGINT or SIGTERM takes every tunnel down and exits.\n' +
    '  --exit-when-idle  exit once the last tunnel is down (how `warren up` starts it)\n',
  async run(args, io) {
    const exitWhenIdle = args.includes('--exit-when-idle');
    const unknown = args.find((a) => a !== '--exit-when-idle');
    if (unknown !== undefined) throw new UsageError(`unknown argument \`${unknown}\``);
    if (!requireRoot(io, 'warren daemon')) return EXIT_FAILURE;
    let helper: HelperService;
    try {
      helper = await startHelper(io, exitWhenIdle);
    } catch (error) {
      reportFailure(io, error);
      return EXIT_FAILURE;
    }
    stopOnSignals(helper);
    io.stderr(`${new Date().toISOString()} helper ${packageVersion()} listening on ${controlSocketPath()}\n`);
    await helper.finished;
    return EXIT_OK;
  },
};
