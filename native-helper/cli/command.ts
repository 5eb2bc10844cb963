// The contract every `warren` subcommand fulfils. Commands get their streams and arguments passed in, so they
// run the same from the real process (main.ts) and from tests in-process.

export interface CliIo {
  /** Reads all of standard input, refusing more than `limit` bytes (returns null when over the limit). */
  readStdin(limit: number): Promise<Buffer | null>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a regular file that others may read (wg genkey warns about that). */
  stdoutIsWorldReadableFile(): boolean;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full help text, starting with the usage line. */
  help: string;
  /** Returns the exit code: 0 success, 1 failure, 2 usage error. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown by a command for a usage error: main prints it with the command's usage line and exits 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
