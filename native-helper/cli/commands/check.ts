// `warren check FILE...`: judge wg-quick files without touching the system. Exit 0 when every file is valid
// (warnings printed), 1 when any is not, errors as `FILE:LINE: message` on stderr so editors can jump to them.
import {
  MAX_CONFIG_BYTES,
  formatDiagnostic,
  interfaceNameFromPath,
  parseConfig,
} from '../../../shared/config/index.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { readBounded } from '../read-bounded.js';

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return (error as Error).message;
  }
}

async function checkOne(file: string, io: CliIo): Promise<boolean> {
  let bytes: Buffer | null;
  try {
    bytes = file === '-' ? await io.readStdin(MAX_CONFIG_BYTES) : await readBounded(file, MAX_CONFIG_BYTES);
  } catch (error) {
    io.stderr(`${file}: cannot read: ${describeReadError(error)}\n`);
    return false;
  }
  const shown = file === '-' ? '<stdin>' : file;
  // Standard input over the limit comes as null, a file as one byte over it.
  if (bytes === null || bytes.length > MAX_CONFIG_BYTES) {
    io.stderr(
      formatDiagnostic(shown, { severity: 'error', line: 1, message: `larger than ${MAX_CONFIG_BYTES} bytes` }) + '\n',
    );
    return false;
  }
  const result = parseConfig(bytes.toString('utf8'));
  for (const warning of result.warnings) io.stderr(formatDiagnostic(shown, warning) + '\n');
  if (!result.ok) {
    for (const error of result.errors) io.stderr(formatDiagnostic(shown, error) + '\n');
    return false;
  }
  if (file !== '-') {
    const name = interfaceNameFromPath(file);
    if (!name.ok) io.stderr(`${shown}: warning: ${name.error}\n`);
  }
  const peers = result.config.peers.length;
  io.stdout(
    `${shown}: ok, ${peers} peer${peers === 1 ? '' : 's'}${result.warnings.length ? `, ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}` : ''}\n`,
  );
  return true;
}

export const check: Command = {
  name: 'check',
  summary: 'Validate wg-quick .conf files (errors as FILE:LINE: message)',
  help:
    'Usage: warren check FILE...\n\n' +
    'Parses each wg-quick configuration file (`-` reads standard input) and reports every error as\n' +
    '`FILE:LINE: message` on standard error, with warnings for valid but risky settings.\n' +
    'Exit status: 0 when every file is valid, 1 when any is not, 2 for a usage error.\n',
  async run(args, io) {
    const files: string[] = [];
    let optionsEnded = false;
    for (const arg of args) {
      if (!optionsEnded && arg === '--') optionsEnded = true;
      else if (!optionsEnded && arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option \`${arg}\``);
      else files.push(arg);
    }
    if (files.length === 0) throw new UsageError('check needs at least one FILE');
    let allValid = true;
    for (const file of files) {
      if (!(await checkOne(file, io))) allValid = false;
    }
    return allValid ? EXIT_OK : EXIT_FAILURE;
  },
};
