// `warren up NAME|FILE`: a tunnel up in this network namespace, run by the namespace's helper. A NAME is a stored
// tunnel, which needs the helper running. A FILE is read here and sent as text: the tunnel is held by the helper
// (started in the background when none runs) and never stored; `--foreground` runs the helper here instead and
// stays attached until Ctrl-C.
import { existsSync } from 'node:fs';
import {
  MAX_CONFIG_BYTES,
  formatDiagnostics,
  interfaceNameFromPath,
  parseConfig,
} from '../../../shared/config/index.js';
import { tunnelName } from '../../../shared/ipc/control.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, type ExitCode, UsageError } from '../command.js';
import { connectOrStartHelper } from '../helper-connection.js';
import { routeTableNames } from '../../platform/index.js';
import { text } from '../messages/index.js';
import { readBounded } from '../read-bounded.js';
import { requireRoot } from '../root.js';
import { complain, notRunning, reportFailure, withHelper } from '../with-helper.js';
import { describeReadError } from './check.js';
import { runForeground } from './daemon.js';

/** A path (it has a `/`), or an existing file whose name ends in `.conf`; anything else names a stored tunnel. */
export function isFileArgument(argument: string): boolean {
  return argument.includes('/') || (argument.endsWith('.conf') && existsSync(argument));
}

async function upStored(name: string, io: CliIo): Promise<ExitCode> {
  if (!tunnelName.safeParse(name).success) return complain(io, text.up.neitherFileNorName(name));
  return withHelper(
    io,
    () => notRunning(io),
    async (client) => {
      const status = await client.call('up', { name });
      io.stdout(`${text.up.isUp(status.name)}\n`);
      for (const warning of status.warnings) io.stderr(`${text.general.warning(warning)}\n`);
    },
  );
}

export const up: Command = {
  name: 'up',
  summary: text.up.summary,
  help: text.up.help,
  syntax: {
    options: [
      { name: '--foreground' },
      { name: '--allow-scripts' },
      { name: '--block-untunneled' },
      { name: '--exclude-private-ips' },
    ],
    operands: ['tunnel-or-file'],
  },
  async run(args, io) {
    let foreground = false;
    let allowScripts = false;
    let blockUntunneled = false;
    let excludePrivateIps = false;
    const files: string[] = [];
    for (const arg of args) {
      if (arg === '--foreground') foreground = true;
      else if (arg === '--allow-scripts') allowScripts = true;
      else if (arg === '--block-untunneled') blockUntunneled = true;
      else if (arg === '--exclude-private-ips') excludePrivateIps = true;
      else if (arg.startsWith('-')) throw new UsageError(text.general.unknownOption(arg));
      else files.push(arg);
    }
    const [file, ...more] = files;
    if (file === undefined || more.length > 0) throw new UsageError(text.up.oneNameOrFile);
    if (!isFileArgument(file)) {
      const fileOnly = [
        ...(foreground ? ['--foreground'] : []),
        ...(allowScripts ? ['--allow-scripts'] : []),
        ...(blockUntunneled ? ['--block-untunneled'] : []),
        ...(excludePrivateIps ? ['--exclude-private-ips'] : []),
      ];
      if (fileOnly.length > 0) {
        throw new UsageError(text.up.fileOnly(fileOnly[0]!));
      }
      return upStored(file, io);
    }

    const name = interfaceNameFromPath(file);
    if (!name.ok) return complain(io, `${file}: ${name.error}`);
    let config: string;
    try {
      config = (await readBounded(file, MAX_CONFIG_BYTES)).toString('utf8');
    } catch (error) {
      return complain(io, text.general.cannotRead(file, describeReadError(error)));
    }
    // The parser bounds the size itself (an oversized file is one error at line 1).
    const parsed = parseConfig(config, { routeTableNames: await routeTableNames() });
    if (!parsed.ok) {
      for (const line of formatDiagnostics(file, parsed.errors)) io.stderr(`${line}\n`);
      return EXIT_FAILURE;
    }
    if (!requireRoot(io, 'warren up')) return EXIT_FAILURE;

    const request = { name: name.name, config, source: file, allowScripts, blockUntunneled, excludePrivateIps };
    if (foreground) return runForeground(io, request);
    try {
      const client = await connectOrStartHelper();
      try {
        const status = await client.call('up', request);
        io.stdout(`${text.up.isUp(status.name)}\n`);
        for (const warning of status.warnings) io.stderr(`${text.general.warning(warning)}\n`);
        return EXIT_OK;
      } finally {
        client.close();
      }
    } catch (error) {
      reportFailure(io, error);
      return EXIT_FAILURE;
    }
  },
};
