// Dispatch of `warren ARGS`: global options, `help`, then the command. Usage errors exit 2 with the usage line.
import { type CliIo, EXIT_OK, EXIT_USAGE, type ExitCode, UsageError } from './command.js';
import { VISIBLE_COMMANDS, findCommand, overview, suggestCommand } from './help.js';
import { text } from './messages/index.js';

export async function runCli(argv: string[], io: CliIo, version: string): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(overview(version));
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h') {
    io.stdout(overview(version));
    return EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout(`${text.overview.version(version)}\n`);
    return EXIT_OK;
  }
  if (first === 'help') {
    const [topic, ...more] = rest;
    if (topic === undefined) {
      io.stdout(overview(version));
      return EXIT_OK;
    }
    const command = findCommand(topic);
    if (!command || more.length > 0) return usageError(io, unknownCommand(topic));
    io.stdout(command.help);
    return EXIT_OK;
  }
  if (first.startsWith('-')) return usageError(io, text.general.unknownOption(first));

  const command = findCommand(first);
  if (!command) return usageError(io, unknownCommand(first));
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, usageLines(command.help));
    throw error;
  }
}

/** A help text's usage: its first line and the lines continuing it, up to the first blank line. */
function usageLines(help: string): string {
  return help.slice(0, help.indexOf('\n\n') < 0 ? undefined : help.indexOf('\n\n'));
}

function unknownCommand(name: string): string {
  return text.general.unknownCommand(name, suggestCommand(name));
}

function usageError(io: CliIo, message: string, usage?: string): ExitCode {
  io.stderr(`${text.general.prefix}${message}\n`);
  io.stderr(usage ? `${usage}\n` : `${text.general.commandList(VISIBLE_COMMANDS.map((c) => c.name).join(', '))}\n`);
  return EXIT_USAGE;
}
