// `warren up NAME|FILE`: a tunnel up in this network namespace, run by the namespace's helper. A NAME is a stored
// tunnel, which needs the helper running. A FILE is read here and sent as text: the tunnel is held by the helper
// (started in the background when none runs) and never stored; `--foreground` runs the helper here instead and
// stays attached until Ctrl-C.
import { existsSync } from 'node:fs';
import {
  MAX_CONFIG_BYTES,
  formatDiagnostic,
  interfaceNameFromPath,
  parseConfig,
} from '../../../shared/config/index.js';
import { tunnelName } from '../../../shared/ipc/control.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { connectOrStartHelper } from '../helper-connection.js';
import { readBounded } from '../read-bounded.js';
import { requireRoot } from '../root.js';
import { notRunning, reportFailure, withHelper } from '../with-helper.js';
import { runForeground } from './daemon.js';

/** A path (it has a `/`), or an existing file whose name ends in `.conf`; anything else names a stored tunnel. */
export function isFileArgument(argument: string): boolean {
  return argument.includes('/') || (argument.endsWith('.conf') && existsSync(argument));
}

async function upStored(name: string, io: CliIo): Promise<number> {
  if (!tunnelName.safeParse(name).success) {
    io.stderr(`warren: ${name} is neither a file nor the name of a stored tunnel\n`);
    return EXIT_FAILURE;
  }
  return withHelper(
    io,
    () => notRunning(io),
    async (client) => {
      const status = await client.call('up', { name });
      io.stdout(`${status.name} is up\n`);
      for (const warning of status.warnings) io.stderr(`warning: ${warning}\n`);
    },
  );
}

export const up: Command = {
  name: 'up',
  summary: 'Bring a stored tunnel, or one from a wg-quick file, up',
  help:
    'Usage: warren up NAME\n' +
    '       warren up [--foreground] [--allow-scripts] [--block-untunneled] [--exclude-private-ips] FILE\n\n' +
    'Brings the stored tunnel NAME up (the Warren helper must be running; it brings it back after a restart\n' +
    'until `warren down NAME`), or the tunnel described by FILE (a path with a `/`, or an existing file ending\n' +
    "in .conf; needs root). A tunnel from a file is held by the namespace's helper, started in the background\n" +
    'when none runs, and never stored. The interface is named after the file (wg0.conf: wg0).\n' +
    '  --foreground     run the tunnel from FILE in this process; Ctrl-C takes it down\n' +
    '  --allow-scripts  run the PreUp/PostUp/PreDown/PostDown commands of FILE (off by default)\n' +
    '  --block-untunneled     while it is up, drop traffic that does not go through the tunnel (kill switch)\n' +
    '  --exclude-private-ips  a full tunnel leaves private IPv4 networks (the LAN) to the local network; with\n' +
    '                         --block-untunneled, the LAN stays reachable\n',
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
      else if (arg.startsWith('-')) throw new UsageError(`unknown option \`${arg}\``);
      else files.push(arg);
    }
    const [file, ...more] = files;
    if (file === undefined || more.length > 0) throw new UsageError('up takes exactly one NAME or FILE');
    if (!isFileArgument(file)) {
      const fileOnly = [
        ...(foreground ? ['--foreground'] : []),
        ...(allowScripts ? ['--allow-scripts'] : []),
        ...(blockUntunneled ? ['--block-untunneled'] : []),
        ...(excludePrivateIps ? ['--exclude-private-ips'] : []),
      ];
      if (fileOnly.length > 0) {
        throw new UsageError(`${fileOnly[0]} is for a FILE; a stored tunnel runs in the helper, with its own options`);
      }
      return upStored(file, io);
    }

    const name = interfaceNameFromPath(file);
    if (!name.ok) {
      io.stderr(`warren: ${file}: ${name.error}\n`);
      return EXIT_FAILURE;
    }
    let text: string;
    try {
      text = (await readBounded(file, MAX_CONFIG_BYTES)).toString('utf8');
    } catch (error) {
      io.stderr(`warren: ${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return EXIT_FAILURE;
    }
    // The parser bounds the size itself (an oversized file is one error at line 1).
    const parsed = parseConfig(text);
    if (!parsed.ok) {
      for (const error of parsed.errors) io.stderr(formatDiagnostic(file, error) + '\n');
      return EXIT_FAILURE;
    }
    if (!requireRoot(io, 'warren up')) return EXIT_FAILURE;

    const request = { name: name.name, config: text, source: file, allowScripts, blockUntunneled, excludePrivateIps };
    if (foreground) return runForeground(io, request);
    try {
      const client = await connectOrStartHelper();
      try {
        const status = await client.call('up', request);
        io.stdout(`${status.name} is up\n`);
        for (const warning of status.warnings) io.stderr(`warning: ${warning}\n`);
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
