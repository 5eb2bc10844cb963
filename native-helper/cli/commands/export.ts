/*
 * `warren export [NAME...] [-o FILE]`: stored tunnels with their private keys, for a backup or another device,
 * as the app's export makes them (NAME.conf files in a zip), or one tunnel's text. What the caller may read is
 * the helper's rule (a member: the tunnels it owns); the tunnels `list` says it may not read are left out with a
 * line each saying why, before any key is asked for, and the rest are exported. Key material is held only
 * while the output is made, and wiped after.
 */
import { zipSync } from 'fflate';
import { ControlCallError, type ControlClient } from '../../../shared/ipc/control-client.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, type ExitCode, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { readRefusal } from '../tunnel-access.js';
import { notRunning, withHelper } from '../with-helper.js';
import { writePrivateFile } from '../write-private-file.js';

interface ExportArgs {
  names: string[];
  output: string | undefined;
}

function parseArgs(args: readonly string[]): ExportArgs {
  const parsed: ExportArgs = { names: [], output: undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-o' || arg === '--output') {
      const value = args[++i];
      if (value === undefined || value === '') throw new UsageError(text.general.needsValue(arg));
      if (parsed.output !== undefined) throw new UsageError(text.general.unexpectedArgument(arg));
      parsed.output = value;
    } else if (arg.startsWith('-')) {
      throw new UsageError(text.general.unknownOption(arg));
    } else if (!parsed.names.includes(arg)) {
      parsed.names.push(arg);
    }
  }
  return parsed;
}

export const exportCommand: Command = {
  name: 'export',
  summary: text.exporting.summary,
  help: text.exporting.help,
  syntax: {
    options: [
      { name: '-o', value: 'file' },
      { name: '--output', value: 'file' },
    ],
    operands: ['tunnel'],
    variadic: true,
  },
  async run(args, io) {
    const { names, output } = parseArgs(args);
    const asText = output === undefined ? names.length === 1 : output.toLowerCase().endsWith('.conf');
    if (output !== undefined && asText && names.length !== 1) throw new UsageError(text.exporting.confForOne);
    if (output === undefined && !asText && io.stdoutIsTerminal()) throw new UsageError(text.exporting.notToTerminal);
    return withHelper(
      io,
      () => notRunning(io),
      (client) => exportTunnels(client, names, { output, asText }, io),
    );
  },
};

async function exportTunnels(
  client: ControlClient,
  names: readonly string[],
  target: { output: string | undefined; asText: boolean },
  io: CliIo,
): Promise<ExitCode> {
  const tunnels = await client.call('list', {});
  const wanted = names.length > 0 ? names : tunnels.filter((t) => t.origin === 'store').map((t) => t.name);
  if (wanted.length === 0) {
    io.stderr(`${text.general.prefix}${text.exporting.none}\n`);
    return EXIT_FAILURE;
  }
  let complete = true;
  const leaveOut = (name: string, why: string) => {
    complete = false;
    io.stderr(`${text.general.prefix}${text.exporting.leftOut(name, why)}\n`);
  };
  const entries: { name: string; data: Uint8Array }[] = [];
  const encoder = new TextEncoder();
  try {
    for (const name of wanted) {
      const refusal = readRefusal(tunnels, name, text.exporting.verb);
      if (refusal !== null) {
        leaveOut(name, refusal);
        continue;
      }
      try {
        const { text: config } = await client.call('get', { name, includePrivateKey: true });
        entries.push({ name, data: encoder.encode(config) });
      } catch (error) {
        // Changed since the list (deleted, handed to someone else): the helper's own words.
        if (!(error instanceof ControlCallError)) throw error;
        leaveOut(name, error.message);
      }
    }
    if (entries.length === 0) {
      io.stderr(`${text.general.prefix}${text.exporting.nothing}\n`);
      return EXIT_FAILURE;
    }
    const data = target.asText
      ? entries[0]!.data // asText: exactly one NAME was wanted, and it is here
      : zipSync(Object.fromEntries(entries.map((e) => [`${e.name}.conf`, [e.data, { level: 6 }]])));
    try {
      if (target.output === undefined) {
        if (io.stdoutIsWorldReadableFile()) io.stderr(`${text.exporting.worldReadable}\n`);
        io.stdoutBytes(data);
      } else {
        await writePrivateFile(target.output, data);
        io.stdout(`${text.exporting.written(target.output, entries.map((e) => e.name).join(', '))}\n`);
      }
    } finally {
      if (data !== entries[0]?.data) data.fill(0);
    }
  } finally {
    for (const entry of entries) entry.data.fill(0);
  }
  return complete ? EXIT_OK : EXIT_FAILURE;
}
