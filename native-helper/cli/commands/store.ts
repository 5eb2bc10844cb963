// `warren list`, `warren import FILE...`, `warren delete NAME`, `warren logs [-n N]`: the helper's tunnel store and
// its log. These need the helper running (the service); files are read here and sent as text, since the helper
// (root) never opens a path on a client's behalf.
import { MAX_CONFIG_BYTES, TUNNEL_NAME_RULE } from '../../../shared/config/index.js';
import { type ControlParams, type TunnelSummary, tunnelName } from '../../../shared/ipc/control.js';
import { importBatches, tooLargeToSend } from '../../../shared/ipc/import-batches.js';
import { type CliIo, type Command, EXIT_FAILURE, UsageError } from '../command.js';
import { readBounded } from '../read-bounded.js';
import { notRunning, withHelper } from '../with-helper.js';

/** The table `warren list` prints; with `owners` (for an administrator), who owns each stored tunnel. */
export function formatList(tunnels: readonly TunnelSummary[], owners = false): string {
  const head = ['NAME', 'STATE', 'FROM', 'AUTOSTART', ...(owners ? ['OWNER'] : [])];
  const cells = (t: TunnelSummary) => [
    t.name,
    t.state,
    t.origin,
    t.origin === 'file' ? '-' : t.options.autostart ? 'yes' : 'no',
    ...(owners ? [t.owner ?? '-'] : []),
  ];
  const rows = [head, ...tunnels.map(cells)];
  // Every row has a cell for each column of the head.
  const widths = head.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return (
    rows
      .map((row, i) => {
        const line = row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd();
        const error = tunnels[i - 1]?.error; // row 0 is the head, with none
        return error ? `${line}  (${error})` : line;
      })
      .join('\n') + '\n'
  );
}

export const list: Command = {
  name: 'list',
  summary: 'List the stored tunnels and those up from files, with their state',
  help:
    'Usage: warren list\n\n' +
    "Lists the tunnels of this network namespace's helper: the stored ones and those brought up from a file,\n" +
    'each with its state (down, connecting, up, reconnecting, error); for an administrator, also who owns each\n' +
    'stored tunnel (who imported or created it).\n',
  async run(args, io) {
    if (args.length > 0) throw new UsageError('list takes no arguments');
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const tunnels = await client.call('list', {});
        if (tunnels.length === 0) io.stderr('no tunnels; store one with `warren import FILE`\n');
        else io.stdout(formatList(tunnels, process.geteuid?.() === 0));
      },
    );
  },
};

export const importCommand: Command = {
  name: 'import',
  summary: 'Store wg-quick files as tunnels (each judged on its own)',
  help:
    'Usage: warren import [--name NAME] FILE...\n\n' +
    'Stores each FILE as a tunnel named after it (wg0.conf: wg0), or NAME for a single FILE. Each file is judged\n' +
    'on its own: the valid ones are stored, the others reported as FILE:LINE: message. A name already stored is\n' +
    'refused, never overwritten. Exit status 1 when any file was not stored.\n',
  async run(args, io) {
    let name: string | undefined;
    const files: string[] = [];
    let optionsEnded = false;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (optionsEnded || !arg.startsWith('-')) {
        files.push(arg);
      } else if (arg === '--') {
        optionsEnded = true;
      } else if (arg === '--name') {
        name = args[++i];
        if (name === undefined || !tunnelName.safeParse(name).success)
          throw new UsageError(`--name needs a tunnel name: ${TUNNEL_NAME_RULE}`);
      } else {
        throw new UsageError(`unknown option \`${arg}\``);
      }
    }
    if (files.length === 0) throw new UsageError('import needs at least one FILE');
    if (name !== undefined && files.length > 1) throw new UsageError('--name is for a single FILE');
    let failed = false;
    const contents: ControlParams['import']['files'] = [];
    for (const file of files) {
      let bytes: Buffer;
      try {
        bytes = await readBounded(file, MAX_CONFIG_BYTES);
      } catch (error) {
        io.stderr(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
        failed = true;
        continue;
      }
      if (bytes.length > MAX_CONFIG_BYTES) {
        io.stderr(`${file}: larger than ${MAX_CONFIG_BYTES} bytes, not a WireGuard configuration\n`);
        failed = true;
        continue;
      }
      contents.push({ filename: file, text: bytes.toString('utf8'), ...(name ? { name } : {}) });
    }
    if (contents.length === 0) return EXIT_FAILURE;
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        for (const batch of importBatches(contents)) {
          if (!batch.sendable) {
            failed = true;
            for (const file of batch.files) io.stderr(`${tooLargeToSend(file.filename)}\n`);
            continue;
          }
          for (const result of await client.call('import', { files: batch.files })) {
            for (const warning of result.warnings) io.stderr(`${warning}\n`);
            if (result.ok) {
              io.stdout(`${result.filename}: stored as ${result.name}\n`);
            } else {
              failed = true;
              for (const error of result.errors) io.stderr(`${error}\n`);
            }
          }
        }
        return failed ? EXIT_FAILURE : undefined;
      },
    );
  },
};

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete a stored tunnel (taken down first if up)',
  help: 'Usage: warren delete NAME\n\nDeletes the stored tunnel NAME and its file; a tunnel that is up is taken down first.\n',
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || rest.length > 0 || name.startsWith('-'))
      throw new UsageError('delete takes exactly one NAME');
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        await client.call('delete', { name });
        io.stdout(`${name} is deleted\n`);
      },
    );
  },
};

export const logs: Command = {
  name: 'logs',
  summary: "Print the helper's recent log",
  help:
    'Usage: warren logs [-n N]\n\n' +
    "Prints the newest N entries (default 100, at most 10000) of the helper's log: time, level, tunnel, message.\n",
  async run(args, io: CliIo) {
    let limit: number | undefined;
    for (let i = 0; i < args.length; i++) {
      if (
        (args[i] === '-n' || args[i] === '--lines') &&
        /^[1-9][0-9]{0,4}$/.test(args[i + 1] ?? '') &&
        Number(args[i + 1]) <= 10_000
      ) {
        limit = Number(args[++i]);
      } else throw new UsageError(`unexpected argument \`${args[i]}\`; -n takes a number from 1 to 10000`);
    }
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        for (const entry of await client.call('logs', limit === undefined ? {} : { limit })) {
          io.stdout(`${new Date(entry.time).toISOString()} ${entry.level} ${entry.tunnel ?? '-'} ${entry.message}\n`);
        }
      },
    );
  },
};
