// The contract every `warren` subcommand fulfils. Commands get their streams and arguments passed in, so they
// run the same from the real process (main.ts) and from tests in-process. Their exit statuses are the few below,
// the one table `warren help`, the man page and the README document.

export interface CliIo {
  /** Reads all of standard input, refusing more than `limit` bytes (returns null when over the limit). */
  readStdin(limit: number): Promise<Buffer | null>;
  stdout(text: string): void;
  /** Bytes on standard output as they are (a zip archive); the caller may wipe `data` once this returns. */
  stdoutBytes(data: Uint8Array): void;
  stderr(text: string): void;
  /** Whether stdout is a regular file that others may read (wg genkey warns about that). */
  stdoutIsWorldReadableFile(): boolean;
  /** Whether stdout is a terminal: no binary output there, and a QR code gets its colours set. */
  stdoutIsTerminal(): boolean;
}

/** What a word on the command line is, for shell completion. A list is the words allowed. */
export type WordKind =
  | 'tunnel'
  | 'tunnel-or-file'
  | 'file'
  | 'directory'
  | 'command'
  | 'user'
  | 'group'
  | 'number'
  | 'text'
  | readonly string[];

/** The words a command takes, declared beside its help (help.test.ts holds the two to each other). */
export interface CommandSyntax {
  /** Options: each one's name as typed (`--json`, `-o`) and the kind of its value; a switch has none. */
  options?: readonly { name: string; value?: WordKind }[];
  /** The positional words, in order. */
  operands?: readonly WordKind[];
  /** Whether the last operand repeats (`check FILE...`). */
  variadic?: boolean;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full help text, starting with the usage line. */
  help: string;
  syntax: CommandSyntax;
  /** For the shells' completion scripts only: left out of the command list, the man page and completion. */
  hidden?: boolean;
  run(args: string[], io: CliIo): Promise<ExitCode>;
}

/** Thrown by a command for a usage error: main prints it with the command's usage line and exits 2. */
export class UsageError extends Error {}

/** Done as asked. */
export const EXIT_OK = 0;
/** Not done, or not all of it: a file invalid, the helper not running or refusing, a tunnel that failed. */
export const EXIT_FAILURE = 1;
/** The command line is wrong: an unknown command or option, a missing or extra argument. */
export const EXIT_USAGE = 2;
/** A bug in warren (an exception no command expected): sysexits' EX_SOFTWARE. Never returned by a command. */
export const EXIT_INTERNAL = 70;

export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILURE | typeof EXIT_USAGE;
