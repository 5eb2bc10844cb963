// A CliIo in memory for the CLI's tests: what a command wrote, and standard input and the kind of stdout given.
import type { CliIo } from '../command.js';

export interface MemoryIo extends CliIo {
  out: string;
  err: string;
  /** What stdoutBytes wrote, in order. */
  bytes: Buffer;
}

export function memoryIo(
  options: { stdin?: Buffer | string | null; terminal?: boolean; worldReadable?: boolean } = {},
): MemoryIo {
  const { stdin = '', terminal = false, worldReadable = false } = options;
  const io: MemoryIo = {
    out: '',
    err: '',
    bytes: Buffer.alloc(0),
    async readStdin(limit) {
      if (stdin === null) return null;
      const data = typeof stdin === 'string' ? Buffer.from(stdin, 'latin1') : stdin;
      return data.length > limit ? null : data;
    },
    stdout: (text) => void (io.out += text),
    stdoutBytes: (data) => void (io.bytes = Buffer.concat([io.bytes, Buffer.from(data)])),
    stderr: (text) => void (io.err += text),
    stdoutIsWorldReadableFile: () => worldReadable,
    stdoutIsTerminal: () => terminal,
  };
  return io;
}
