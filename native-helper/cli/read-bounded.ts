// Reading a config file named on the command line without trusting its size.
import { open } from 'node:fs/promises';
import { readUpTo } from '../store/read-file.js';

/** Reads at most `limit + 1` bytes, so a huge file (or /dev/zero) costs nothing and is reported as too large. */
export async function readBounded(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    return await readUpTo(handle, limit + 1);
  } finally {
    await handle.close();
  }
}
