// Runs the system's tools (ip, nft, sysctl, resolvectl, resolvconf, bash) without a shell, and turns a failure
// into a CommandError whose message names the command and carries its stderr, which is what the user needs
// ("RTNETLINK answers: File exists"). A prefix lets every command run elsewhere: the tests run all of them
// inside a network namespace with `ip netns exec NS`.
//
// A command is not trusted to end or to be brief (a hook is the user's script): each runs in a process group of
// its own, and a timeout kills the whole group, not only its first process (bash's `sleep 600 &` would otherwise
// live on); once the command has exited, its pipes get a short grace and no more, since a background child may
// hold them open for as long as it likes; and only the first OUTPUT_LIMIT_BYTES of each stream are kept.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';

export interface RunOptions {
  /** Written to the command's standard input; without it the input is /dev/null. */
  stdin?: string;
  /** Kill the command and all it started (its process group, SIGKILL) after this long; 0 means never. */
  timeoutMs?: number;
  /** Bytes of stdout and of stderr kept, each; OUTPUT_LIMIT_BYTES by default. */
  outputLimitBytes?: number;
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
/**
 * Output kept per stream; the rest is counted and dropped, so a command printing gigabytes costs the helper this
 * much. The largest output parsed (`nft -j` of a kill switch table, `ip -j rule show`) is tens of KiB.
 */
export const OUTPUT_LIMIT_BYTES = 1024 * 1024;
/** How long the pipes may stay open after the command exited: its own last output is read in milliseconds. */
const PIPE_GRACE_MS = 200;

export class CommandError extends Error {
  readonly argv: readonly string[];
  /** null when the command did not exit by itself (see `signal`) or could not be started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderr: string;

  constructor(
    argv: readonly string[],
    exitCode: number | null,
    signal: string | null,
    stderr: string,
    reason?: string,
  ) {
    const how = reason ?? (exitCode !== null ? `failed with exit code ${exitCode}` : `was killed by ${signal}`);
    const text = stderr.trim();
    const detail =
      text === '' ? '' : `: ${text.length > MESSAGE_STDERR_LIMIT ? text.slice(0, MESSAGE_STDERR_LIMIT) + '…' : text}`;
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
  return argv
    .map((arg) => (/^[A-Za-z0-9_@%+=:,./~-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
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
    run: (argv, runOptions = {}) => runCommand(prefix, argv, env, runOptions, runOptions.timeoutMs ?? defaultTimeout),
    which: (name) => findExecutable(name, env.PATH ?? ''),
  };
}

/** The first `limit` bytes of a stream, and a count of the rest. */
class BoundedOutput {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(chunk: Buffer): void {
    const keep = Math.min(chunk.length, this.#limit - this.#kept);
    if (keep > 0) this.#chunks.push(keep === chunk.length ? chunk : Buffer.from(chunk.subarray(0, keep)));
    this.#kept += keep;
    this.#dropped += chunk.length - keep;
  }

  text(): string {
    const text = Buffer.concat(this.#chunks).toString('utf8');
    return this.#dropped === 0 ? text : `${text}\n[${this.#dropped} bytes more]`;
  }
}

/** SIGKILL to the command's process group: the command and whatever it started that did not leave the group. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing is left of the group.
  }
}

function runCommand(
  prefix: readonly string[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions,
  timeoutMs: number,
): Promise<CommandOutput> {
  const { stdin } = options;
  const [command, ...args] = [...prefix, ...argv];
  return new Promise((resolve, reject) => {
    if (command === undefined) {
      reject(new CommandError(argv, null, null, '', 'could not be run: no command'));
      return;
    }
    // detached: a process group (and session) of its own, so that a timeout can kill all of it, and so that a
    // terminal's Ctrl-C reaches only the helper, whose own handling decides what happens to a running hook.
    const child = spawn(command, args, {
      env,
      detached: true,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const limit = options.outputLimitBytes ?? OUTPUT_LIMIT_BYTES;
    const stdout = new BoundedOutput(limit);
    const stderr = new BoundedOutput(limit);
    let timedOut = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            killGroup(child);
          }, timeoutMs)
        : undefined;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      // A background child that outlives the command may still write: its output is read and thrown away, and
      // the pipes no longer keep this process alive.
      for (const stream of [child.stdout, child.stderr]) {
        stream?.removeAllListeners('data');
        stream?.resume();
        if (stream instanceof Socket) stream.unref();
      }
      return true;
    };
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!settle()) return;
      const out = stdout.text();
      const err = stderr.text();
      if (code === 0) resolve({ stdout: out, stderr: err });
      else if (timedOut) reject(new CommandError(argv, null, 'SIGKILL', err, `timed out after ${timeoutMs} ms`));
      else reject(new CommandError(argv, code, signal, err));
    };
    child.stdout?.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (!settle()) return;
      const reason =
        error.code === 'ENOENT' ? 'could not be run: command not found' : `could not be run: ${error.message}`;
      reject(new CommandError(argv, null, null, '', reason));
    });
    child.on('exit', (code, signal) => {
      // What the command left running is its own business (a hook may start a daemon); only the wait is bounded.
      clearTimeout(timer);
      // setImmediate: after a stall of the event loop the timer could come before the read of output that was
      // waiting all along; I/O is polled before immediates run, so that output is in.
      grace = setTimeout(() => setImmediate(() => finish(code, signal)), PIPE_GRACE_MS);
    });
    child.on('close', finish);
    if (stdin !== undefined) {
      // A command that exits without reading its input must not turn into an EPIPE crash.
      child.stdin?.on('error', () => {});
      child.stdin?.end(stdin);
    }
  });
}

async function findExecutable(name: string, path: string): Promise<string | null> {
  const candidates = isAbsolute(name)
    ? [name]
    : path
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
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
