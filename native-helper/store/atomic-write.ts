// Atomic, durable file writes: a reader (or the helper after a crash or power loss) sees the old file or the new
// one in full, never a torn one. The flow:
//   1. create a temporary file beside the target (same directory, so same file system): a unique name, O_EXCL
//      (an existing file or symlink at that name is an error, never opened) and the final mode from creation,
//      so the data is never readable by anyone it should not be, not even for a moment;
//   2. write everything, fsync;
//   3. rename over the target (writeFileAtomic) or hard-link to it (createFileAtomic, which refuses to replace);
//   4. fsync the directory, so the new name survives a power loss.
// On a failure before step 3 the temporary file is removed and the target is untouched. A failure of step 4 alone
// (EIO: a failing disk) is a DirectorySyncError: the change is made, only its durability is unknown, so callers
// can keep their view of the files right. The same holds for unlinkDurably and renameDurably. A process killed
// between 1 and 3 leaves its temporary file behind; TunnelStore.open removes those (temporaryOwner names their writer).
//
// Symlinks: rename(2) replaces the directory entry at the target, so a symlink there is replaced by the new file
// and whatever it pointed to is untouched; nothing is ever written through a link.
//
// This file imports only Node built-ins: the kill test runs it in a child process on its own.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMPORARY_MARK = '.warren-tmp-';
/** `.<target name>.warren-tmp-<pid>-<16 hex>`: hidden, and never ending in `.conf`, so never taken for a tunnel. */
const TEMPORARY_NAME = /^\.(.+)\.warren-tmp-(\d+)-[0-9a-f]{16}$/;

export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMPORARY_MARK}${process.pid}-${randomBytes(8).toString('hex')}`);
}

/** The pid in a name of our temporary-file pattern, or null when the name is not one of ours. */
export function temporaryOwner(name: string): number | null {
  const match = TEMPORARY_NAME.exec(name);
  return match === null ? null : Number(match[2]);
}

/** The change is made (the name points at the new data, or is gone), but fsync of the directory failed, so it may
 *  not survive a power loss. */
export class DirectorySyncError extends Error {
  constructor(directory: string, cause: unknown) {
    super(
      `the change in ${directory} is made but could not be made durable (fsync: ${(cause as Error)?.message ?? String(cause)})`,
      { cause },
    );
    this.name = 'DirectorySyncError';
  }
}

/** Replaces (or creates) `path` with `data`, atomically and durably; the file gets exactly `mode`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temporary = await writeTemporary(path, data, mode);
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  await syncAfterChange(dirname(path));
}

/**
 * Creates `path` with `data`, atomically and durably, failing with EEXIST (and changing nothing) when anything,
 * even a dangling symlink, is already there. link(2) is the no-replace rename: the name appears complete or not
 * at all, and an existing one is never overwritten.
 */
export async function createFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temporary = await writeTemporary(path, data, mode);
  try {
    await link(temporary, path);
  } finally {
    // After a successful link the data lives on under `path`; before it, this is the cleanup.
    await unlink(temporary).catch(() => {});
  }
  await syncAfterChange(dirname(path));
}

async function writeTemporary(path: string, data: string | Uint8Array, mode: number): Promise<string> {
  const temporary = temporaryPathFor(path);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(temporary, flags, mode);
  try {
    // The umask may have narrowed the mode open() set; this makes it exact (never wider than asked, at any time).
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    throw error;
  }
  return temporary;
}

/** fsync of a directory makes a rename, link or unlink in it durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory (EINVAL); there, a rename is as durable as it gets.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
}

async function syncAfterChange(directory: string): Promise<void> {
  try {
    await syncDirectory(directory);
  } catch (error) {
    throw new DirectorySyncError(directory, error);
  }
}

/** Unlinks `path` and makes that durable. */
export async function unlinkDurably(path: string): Promise<void> {
  await unlink(path);
  await syncAfterChange(dirname(path));
}

/** Renames `from` to `to` (replacing `to`) and makes that durable; both must be in one directory. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncAfterChange(dirname(to));
}

/** Awaits a change: null when it is made and durable, the DirectorySyncError when it is made but maybe not
 *  durable; any other error (the change is not made) is thrown. */
export async function madeChange(change: Promise<void>): Promise<DirectorySyncError | null> {
  try {
    await change;
    return null;
  } catch (error) {
    if (error instanceof DirectorySyncError) return error;
    throw error;
  }
}
