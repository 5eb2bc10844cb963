// Dispatch of `warren ARGS`: global options, `help`, then the command. Usage errors exit 2 with the usage line.
import { type CliIo, EXIT_OK, EXIT_USAGE, UsageError } from './command.js';
import { COMMANDS, findCommand, overview, suggestCommand } from './help.js';

export async function runCli(argv: string[], io: CliIo, version: string): Promise<number> {
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
    io.stdout(`warren ${version}\n`);
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
  if (first.startsWith('-')) return usageError(io, `unknown option \`${first}\``);

  const command = findCommand(first);
  if (!command) return usageError(io, unknownCommand(first));
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, command.help.split('\n')[0]);
    throw error;
  }
}

function unknownCommand(name: string): string {
  const suggestion = suggestCommand(name);
  return `unknown command \`${name}\`${suggestion ? `, did you mean \`${suggestion}\`?` : ''}`;
}

function usageError(io: CliIo, message: string, usage?: string): number {
  io.stderr(`warren: ${message}\n`);
  io.stderr(usage ? `${usage}\n` : `Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See warren --help.\n`);
  return EXIT_USAGE;
}
