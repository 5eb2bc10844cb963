// `warren check FILE...`: judge wg-quick files without touching the system. Exit 0 when every file is valid
// (warnings printed), 1 when any is not, findings as `FILE:LINE: message` on stderr so editors can jump to them,
// at most MAX_REPORTED_DIAGNOSTICS of them per file and a line counting the rest (a binary file has one on
// nearly every line).
import {
  MAX_CONFIG_BYTES,
  formatDiagnostics,
  interfaceNameFromPath,
  parseConfig,
} from '../../../shared/config/index.js';
import { byLine, error as errorAt } from '../../../shared/config/diagnostics.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { routeTableNames } from '../../platform/index.js';
import { text } from '../messages/index.js';
import { readBounded } from '../read-bounded.js';

/** Why a file the user named cannot be read, in words. */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return text.general.noSuchFile;
    case 'EACCES':
    case 'EPERM':
      return text.general.permissionDenied;
    case 'EISDIR':
      return text.general.isDirectory;
    default:
      return (error as Error).message;
  }
}

async function checkOne(file: string, io: CliIo, routeTableNames: readonly string[]): Promise<boolean> {
  let bytes: Buffer | null;
  try {
    bytes = file === '-' ? await io.readStdin(MAX_CONFIG_BYTES) : await readBounded(file, MAX_CONFIG_BYTES);
  } catch (error) {
    io.stderr(`${text.general.cannotRead(file, describeReadError(error))}\n`);
    return false;
  }
  const shown = file === '-' ? text.check.stdinName : file;
  const report = (lines: string[]) => {
    for (const line of lines) io.stderr(`${line}\n`);
  };
  // Standard input over the limit comes as null, a file as one byte over it.
  if (bytes === null || bytes.length > MAX_CONFIG_BYTES) {
    report(formatDiagnostics(shown, [errorAt(1, text.general.largerThan(MAX_CONFIG_BYTES))]));
    return false;
  }
  const result = parseConfig(bytes.toString('utf8'), { routeTableNames });
  report(formatDiagnostics(shown, byLine([...result.warnings, ...(result.ok ? [] : result.errors)])));
  if (!result.ok) return false;
  if (file !== '-') {
    const name = interfaceNameFromPath(file);
    if (!name.ok) io.stderr(`${shown}: ${text.general.warning(name.error)}\n`);
  }
  io.stdout(`${text.check.ok(shown, result.config.peers.length, result.warnings.length)}\n`);
  return true;
}

export const check: Command = {
  name: 'check',
  summary: text.check.summary,
  help: text.check.help,
  syntax: { operands: ['file'], variadic: true },
  async run(args, io) {
    const files: string[] = [];
    let optionsEnded = false;
    for (const arg of args) {
      if (!optionsEnded && arg === '--') optionsEnded = true;
      else if (!optionsEnded && arg.startsWith('-') && arg !== '-')
        throw new UsageError(text.general.unknownOption(arg));
      else files.push(arg);
    }
    if (files.length === 0) throw new UsageError(text.check.needsFile);
    // The names ip(8) knows here: a `Table = NAME` it does not know would fail `up`.
    const tables = await routeTableNames();
    let allValid = true;
    for (const file of files) {
      if (!(await checkOne(file, io, tables))) allValid = false;
    }
    return allValid ? EXIT_OK : EXIT_FAILURE;
  },
};
