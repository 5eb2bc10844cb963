// Reading a file of the store without trusting it: only a regular file is read (a FIFO named x.conf would
// otherwise block open() forever, a device could be endless), and never more than `limit + 1` bytes.
import { constants } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { errnoCode } from './store-error.js';

export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; error: string; code?: string };

export async function readStoreFile(path: string, limit: number): Promise<ReadResult> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; it is then refused below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'it is a symlink to nothing (or vanished while being read)' : (error as Error).message;
    return { ok: false, error: `cannot be read: ${why}`, code };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      return { ok: false, error: `is ${kind(stats)}, not a regular file` };
    }
    if (stats.size > limit) return { ok: false, error: tooLarge(limit) };
    const bytes = await readUpTo(handle, limit + 1);
    // It may have grown since the stat.
    if (bytes.length > limit) return { ok: false, error: tooLarge(limit) };
    return { ok: true, bytes };
  } catch (error) {
    return {
      ok: false,
      error: `cannot be read: ${(error as Error).message}`,
      code: (error as NodeJS.ErrnoException).code,
    };
  } finally {
    await handle.close();
  }
}

/** At most `max` bytes from an open file, whatever it claims its size is (a device may be endless). */
export async function readUpTo(handle: FileHandle, max: number): Promise<Buffer> {
  const buffer = Buffer.alloc(max);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function tooLarge(limit: number): string {
  return `is larger than ${limit} bytes, the limit; is it the right file?`;
}

function kind(stats: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'a device';
}

/** Whether something (a file, a link, anything) is at path; errors other than ENOENT are thrown. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}
