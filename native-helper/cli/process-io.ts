/*
 * The CliIo of the real process: its standard streams and the file system.
 *
 * Output to a pipe is written by Node as the pipe takes it: what a full pipe does not take at once waits in the
 * stream's queue, and process.exit() drops that queue (`warren check FILE | less` once lost all but the first
 * ~4,600 lines). So the process ends only after flushOutput(): both streams written out. A reader that goes
 * away (`warren logs | head -1`) ends the output quietly, as it ends cat's (EPIPE: the rest is not written, the
 * command finishes), instead of an unhandled 'error' event; any other write error (a full disk) is kept, and
 * main reports it and fails, since the output is then incomplete.
 */
import { fstatSync } from 'node:fs';
import type { CliIo } from './command.js';

type OutputStream = NodeJS.WriteStream;

export interface ProcessIo extends CliIo {
  /** Resolves once everything written to stdout and stderr is written out (or cannot be any more). */
  flushOutput(): Promise<void>;
  /** The first write error of stdout other than EPIPE, which makes the output incomplete. */
  outputError(): NodeJS.ErrnoException | null;
}

export function createProcessIo(): ProcessIo {
  const closed = new Set<OutputStream>();
  let outputError: NodeJS.ErrnoException | null = null;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      closed.add(stream);
      if (stream === process.stdout && error.code !== 'EPIPE') outputError ??= error;
    });
  }
  const write = (stream: OutputStream, data: string | Uint8Array) => {
    if (!closed.has(stream)) stream.write(data);
  };
  const drained = (stream: OutputStream) =>
    new Promise<void>((resolve) => {
      if (closed.has(stream) || stream.writableLength === 0) return resolve();
      // Writes complete in order: this one's callback runs once everything before it is written, or failed.
      stream.write('', () => resolve());
      stream.once('close', () => resolve());
    });

  return {
    async readStdin(limit) {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > limit) return null;
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    },
    stdout: (text) => write(process.stdout, text),
    // A copy: a pipe may take the bytes later, and the caller wipes its own (key material) once this returns.
    stdoutBytes: (data) => write(process.stdout, Buffer.from(data)),
    stderr: (text) => write(process.stderr, text),
    stdoutIsWorldReadableFile() {
      try {
        const stat = fstatSync(1);
        return stat.isFile() && (stat.mode & 0o007) !== 0;
      } catch {
        return false;
      }
    },
    stdoutIsTerminal: () => process.stdout.isTTY === true,
    async flushOutput() {
      await Promise.all([drained(process.stdout), drained(process.stderr)]);
    },
    outputError: () => outputError,
  };
}
