// Runs the system's tools (ip, nft, sysctl, resolvectl, resolvconf, bash) without a shell, and turns a failure
// into a CommandError whose message names the command and carries its stderr, which is what the user needs
// ("RTNETLINK answers: File exists"). A prefix lets every command run elsewhere: the tests run all of them
// inside a network namespace with `ip netns exec NS`.
import { spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

export interface RunOptions {
  /** Written to the command's standard input; without it the input is /dev/null. */
  stdin?: string;
  /** Kill the command (SIGKILL) after this long; 0 means never. */
  timeoutMs?: number;
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  /** Resolves with the output when the command exits 0; rejects with a CommandError otherwise. */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandOutput>;
  /** Where `name` is on the PATH the commands run with (`type -p` in wg-quick), or null. */
  which(name: string): Promise<string | null>;
}

/** Most of these tools answer in milliseconds; a stuck one must not hang a tunnel's `up` forever. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** stderr beyond this is cut from an error message (the whole of it stays on the error). */
const MESSAGE_STDERR_LIMIT = 2000;

export class CommandError extends Error {
  readonly argv: readonly string[];
  /** null when the command did not exit by itself (see `signal`) or could not be started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number | null, signal: string | null, stderr: string, reason?: string) {
    const how = reason ?? (exitCode !== null ? `failed with exit code ${exitCode}` : `was killed by ${signal}`);
    const text = stderr.trim();
    const detail = text === '' ? '' : `: ${text.length > MESSAGE_STDERR_LIMIT ? text.slice(0, MESSAGE_STDERR_LIMIT) + '…' : text}`;
    super(`\`${formatCommand(argv)}\` ${how}${detail}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderr = stderr;
  }
}

/** argv as one would type it into a shell, for messages. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./~-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export interface CommandRunnerOptions {
  /** Put before every argv, e.g. ['ip', 'netns', 'exec', 'NS']; messages show the argv without it. */
  prefix?: readonly string[];
  /** The environment of the commands (PATH included); process.env by default. LC_ALL=C is always added, as
   *  wg-quick does, because the output of these tools is parsed. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function createCommandRunner(options: CommandRunnerOptions = {}): CommandRunner {
  const prefix = options.prefix ?? [];
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), LC_ALL: 'C' };
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    run: (argv, runOptions = {}) => runCommand(prefix, argv, env, runOptions.stdin, runOptions.timeoutMs ?? defaultTimeout),
    which: (name) => findExecutable(name, env.PATH ?? ''),
  };
}

function runCommand(
  prefix: readonly string[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin: string | undefined,
  timeoutMs: number,
): Promise<CommandOutput> {
  const full = [...prefix, ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, timeoutMs)
        : undefined;
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = error.code === 'ENOENT' ? 'could not be run: command not found' : `could not be run: ${error.message}`;
      reject(new CommandError(argv, null, null, '', reason));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      if (code === 0) resolve({ stdout: out, stderr: err });
      else if (timedOut) reject(new CommandError(argv, null, 'SIGKILL', err, `timed out after ${timeoutMs} ms`));
      else reject(new CommandError(argv, code, signal, err));
    });
    if (stdin !== undefined) {
      // A command that exits without reading its input must not turn into an EPIPE crash.
      child.stdin?.on('error', () => {});
      child.stdin?.end(stdin);
    }
  });
}

async function findExecutable(name: string, path: string): Promise<string | null> {
  const candidates = isAbsolute(name) ? [name] : path.split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
