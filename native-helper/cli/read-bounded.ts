// Reading a file the user named, on the command line or in the app's open dialog, without trusting it: never more
// than `limit + 1` bytes (so a file over the limit is told from one at it, and a 10 GB file or /dev/zero costs
// `limit` bytes), and never a FIFO or socket, whose open() or read() would wait for a writer that may never come.
// A device is read like a file, within the bound (`warren check /dev/zero` reports a file too large).
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { readUpTo } from '../store/read-file.js';

/** Refused before a byte is read: a directory, FIFO or socket. Its message is what to tell the user. */
export class NotAFileError extends Error {
  constructor(what: string) {
    super(`is ${what}, not a regular file`);
    this.name = 'NotAFileError';
  }
}

/** At most `limit + 1` bytes of the file at `path`; more than `limit` means the file is larger than the limit. */
export async function readBounded(path: string, limit: number): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; it is then refused below.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new NotAFileError('a directory');
    if (stats.isFIFO()) throw new NotAFileError('a FIFO (a pipe)');
    if (stats.isSocket()) throw new NotAFileError('a socket');
    return await readUpTo(handle, limit + 1);
  } finally {
    await handle.close();
  }
}
