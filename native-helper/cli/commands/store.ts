// `warren list`, `warren import FILE...`, `warren delete NAME`, `warren logs [-n N]`: the helper's tunnel store and
// its log. These need the helper running (the service); files are read here and sent as text, since the helper
// (root) never opens a path on a client's behalf.
import { MAX_CONFIG_BYTES, TUNNEL_NAME_RULE } from '../../../shared/config/index.js';
import { type ControlParams, type TunnelSummary, tunnelName } from '../../../shared/ipc/control.js';
import { importBatches, tooLargeToSend } from '../../../shared/ipc/import-batches.js';
import { type Command, EXIT_FAILURE, UsageError } from '../command.js';
import { jsonFlag, listJson, printJson } from '../json-output.js';
import { text } from '../messages/index.js';
import { readBounded } from '../read-bounded.js';
import { notRunning, withHelper } from '../with-helper.js';

/** The table `warren list` prints; with `owners` (for an administrator), who owns each stored tunnel. */
export function formatList(tunnels: readonly TunnelSummary[], owners = false): string {
  const t = text.list;
  const head = [
    t.header.name,
    t.header.state,
    t.header.origin,
    t.header.autostart,
    ...(owners ? [t.header.owner] : []),
  ];
  const cells = (tunnel: TunnelSummary) => [
    tunnel.name,
    text.tunnelStates[tunnel.state],
    t.origins[tunnel.origin],
    tunnel.origin === 'file' ? '-' : tunnel.options.autostart ? t.yes : t.no,
    ...(owners ? [tunnel.owner ?? '-'] : []),
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
        const tunnel = tunnels[i - 1]; // row 0 is the head, with none
        const notes = [
          ...(tunnel?.error ? [`(${tunnel.error})`] : []),
          ...(tunnel?.onDemand ? [t.onDemand(tunnel.onDemand.reason)] : []),
        ];
        return [line, ...notes].join('  ');
      })
      .join('\n') + '\n'
  );
}

export const list: Command = {
  name: 'list',
  summary: text.list.summary,
  help: text.list.help,
  syntax: { options: [{ name: '--json' }] },
  async run(args, io) {
    const json = jsonFlag(args);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const tunnels = await client.call('list', {});
        if (json) io.stdout(printJson(listJson(tunnels)));
        else if (tunnels.length === 0) io.stderr(`${text.list.none}\n`);
        else io.stdout(formatList(tunnels, process.geteuid?.() === 0));
      },
    );
  },
};

export const importCommand: Command = {
  name: 'import',
  summary: text.importing.summary,
  help: text.importing.help,
  syntax: { options: [{ name: '--name', value: 'text' }], operands: ['file'], variadic: true },
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
          throw new UsageError(text.importing.nameRule(TUNNEL_NAME_RULE));
      } else {
        throw new UsageError(text.general.unknownOption(arg));
      }
    }
    if (files.length === 0) throw new UsageError(text.importing.needsFile);
    if (name !== undefined && files.length > 1) throw new UsageError(text.importing.nameForOne);
    let failed = false;
    const contents: ControlParams['import']['files'] = [];
    for (const file of files) {
      let bytes: Buffer;
      try {
        bytes = await readBounded(file, MAX_CONFIG_BYTES);
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        io.stderr(`${text.general.cannotRead(file, reason)}\n`);
        failed = true;
        continue;
      }
      if (bytes.length > MAX_CONFIG_BYTES) {
        io.stderr(`${text.general.largerThanConfig(file, MAX_CONFIG_BYTES)}\n`);
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
              io.stdout(`${text.importing.stored(result.filename, result.name ?? '')}\n`);
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
  summary: text.deleting.summary,
  help: text.deleting.help,
  syntax: { operands: ['tunnel'] },
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || rest.length > 0 || name.startsWith('-')) throw new UsageError(text.deleting.oneName);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        await client.call('delete', { name });
        io.stdout(`${text.deleting.deleted(name)}\n`);
      },
    );
  },
};

export const logs: Command = {
  name: 'logs',
  summary: text.logs.summary,
  help: text.logs.help,
  syntax: { options: [{ name: '-n', value: 'number' }] },
  async run(args, io) {
    let limit: number | undefined;
    for (let i = 0; i < args.length; i++) {
      if (
        (args[i] === '-n' || args[i] === '--lines') &&
        /^[1-9][0-9]{0,4}$/.test(args[i + 1] ?? '') &&
        Number(args[i + 1]) <= 10_000
      ) {
        limit = Number(args[++i]);
      } else throw new UsageError(text.logs.badArgument(args[i]!));
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
