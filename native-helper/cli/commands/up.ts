// `warren up FILE`: a tunnel up in this network namespace, run by the namespace's helper (started in the
// background when none runs); `--foreground` runs the helper here instead and stays attached until Ctrl-C.
import { MAX_CONFIG_BYTES, formatDiagnostic, interfaceNameFromPath, parseConfig } from '../../../shared/config/index.js';
import { ControlCallError } from '../../../shared/ipc/control-client.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { connectOrStartHelper } from '../helper-connection.js';
import { readBounded } from '../read-bounded.js';
import { requireRoot } from '../root.js';
import { runForeground } from './daemon.js';

export const up: Command = {
  name: 'up',
  summary: 'Bring a tunnel up from a wg-quick file (needs root)',
  help:
    'Usage: warren up [--foreground] [--allow-scripts] FILE\n\n' +
    'Brings the tunnel described by FILE up in the current network namespace and returns once it is up; the\n' +
    "namespace's Warren helper keeps it running. The interface is named after the file (wg0.conf: wg0).\n" +
    '  --foreground     run the tunnel in this process; Ctrl-C takes it down\n' +
    '  --allow-scripts  run the PreUp/PostUp/PreDown/PostDown commands of the file (off by default)\n',
  async run(args, io) {
    let foreground = false;
    let allowScripts = false;
    const files: string[] = [];
    for (const arg of args) {
      if (arg === '--foreground') foreground = true;
      else if (arg === '--allow-scripts') allowScripts = true;
      else if (arg.startsWith('-')) throw new UsageError(`unknown option \`${arg}\``);
      else files.push(arg);
    }
    if (files.length !== 1) throw new UsageError('up takes exactly one FILE');
    const file = files[0];

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

    const request = { name: name.name, config: text, source: file, allowScripts };
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

export function reportFailure(io: { stderr(text: string): void }, error: unknown): void {
  if (error instanceof ControlCallError) {
    io.stderr(`warren: ${error.message}\n`);
    for (const line of error.details) io.stderr(`${line}\n`);
  } else {
    io.stderr(`warren: ${(error as Error).message}\n`);
  }
}
