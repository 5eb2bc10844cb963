// The CliIo of the real process: standard streams and the file system.
import { fstatSync } from 'node:fs';
import type { CliIo } from './command.js';

export const processIo: CliIo = {
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
  stdout(text) {
    process.stdout.write(text);
  },
  stderr(text) {
    process.stderr.write(text);
  },
  stdoutIsWorldReadableFile() {
    try {
      const stat = fstatSync(1);
      return stat.isFile() && (stat.mode & 0o007) !== 0;
    } catch {
      return false;
    }
  },
};
