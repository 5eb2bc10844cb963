// DNS by writing /etc/resolv.conf ourselves, for systems with neither systemd-resolved nor resolvconf. The
// flow, in an order that a crash at any point can be recovered from:
//  1. refuse if a backup exists: another tunnel's DNS is in place, or a crash left it (recoverResolvConf first);
//  2. write the backup: the original file's bytes, mode and owner (or the symlink's target, or "absent") and the
//     bytes we are about to write, as JSON, atomically (temporary file, fsync, rename) at a fixed path,
//     RESOLV_CONF_BACKUP_PATH, which persists across a reboot, as /etc/resolv.conf does;
//  3. write the new file atomically (temporary file in /etc, fsync, rename). When /etc/resolv.conf is a mount
//     point (a container's, or `ip netns exec` bind-mounting /etc/netns/NS/resolv.conf), rename cannot replace
//     it (EBUSY), so it is rewritten in place;
//  4. on down, or on recovery after a crash: if the file still holds what we wrote (or a prefix of it, from an
//     in-place write cut short), put the original back byte for byte (mode, owner, or the symlink); if someone
//     else has rewritten it since (a DHCP client, say), theirs is newer than our original and stays. Then the
//     backup goes.
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, open, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { assertInterfaceName } from '../interface-name.js';
import type { DnsConfigurator, DnsSettings, Undo } from '../types.js';

export const RESOLV_CONF_PATH = '/etc/resolv.conf';
export const RESOLV_CONF_BACKUP_PATH = '/var/lib/warren/resolv.conf.backup.json';
const MOUNT_INFO_PATH = '/proc/self/mountinfo';

export interface ResolvConfFileOptions {
  /** The resolver file; /etc/resolv.conf. */
  path?: string;
  /** Where the original is kept while a tunnel is up; RESOLV_CONF_BACKUP_PATH. */
  backupPath?: string;
}

type Original =
  | { kind: 'file'; content: string; mode: number; uid: number; gid: number }
  | { kind: 'symlink'; target: string }
  | { kind: 'absent' };

interface Backup {
  format: 1;
  interface: string;
  path: string;
  /** base64 of the file we wrote */
  written: string;
  /** for a file, `content` is base64 */
  original: Original;
}

export function renderResolvConf(link: string, settings: DnsSettings): string {
  const lines = [
    settings.forSignIn
      ? `# Written by Warren for signing in to this network: its own resolvers, while the sign-in is open. The ` +
        `tunnel ${link}'s DNS comes back when it closes, and the previous file when the tunnel goes down.`
      : `# Written by Warren while the tunnel ${link} is up; the previous file comes back when it goes down.`,
  ];
  // glibc reads only the first three nameservers (MAXNS); the rest are written anyway, for other resolvers.
  for (const server of settings.servers) lines.push(`nameserver ${server}`);
  if (settings.search.length > 0) lines.push(`search ${settings.search.join(' ')}`);
  return lines.join('\n') + '\n';
}

export class ResolvConfFileDnsConfigurator implements DnsConfigurator {
  readonly method = 'resolv.conf';
  readonly perLink = false;
  readonly #path: string;
  readonly #backupPath: string;

  constructor(options: ResolvConfFileOptions = {}) {
    this.#path = resolve(options.path ?? RESOLV_CONF_PATH);
    this.#backupPath = options.backupPath ?? RESOLV_CONF_BACKUP_PATH;
  }

  async apply(link: string, settings: DnsSettings): Promise<Undo> {
    assertInterfaceName(link);
    const existing = await readBackup(this.#backupPath);
    if (existing !== null) {
      throw new Error(
        `${this.#path} already holds the DNS of the tunnel ${existing.interface} (its original is kept in ` +
          `${this.#backupPath}); take that tunnel down, or recover DNS, first`,
      );
    }
    const original = await readOriginal(this.#path);
    const content = Buffer.from(renderResolvConf(link, settings));
    const backup: Backup = {
      format: 1,
      interface: link,
      path: this.#path,
      written: content.toString('base64'),
      original,
    };
    await mkdir(dirname(this.#backupPath), { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.#backupPath, Buffer.from(JSON.stringify(backup) + '\n'), 0o600);
    try {
      await writeResolvConf(this.#path, content, original.kind === 'file' ? original.mode : 0o644);
    } catch (error) {
      await restoreResolvConf({ path: this.#path, backupPath: this.#backupPath }).catch(() => {});
      throw error;
    }
    const options = { path: this.#path, backupPath: this.#backupPath };
    return async () => {
      await restoreResolvConf(options);
    };
  }
}

/**
 * Puts back the resolv.conf a tunnel replaced, from the backup; for `down` and for recovery after a crash.
 * Resolves true when the original was written back; false when there was no backup, or when someone else has
 * rewritten the file since (theirs stays). Either way the backup is gone afterwards, unless this rejects.
 */
export async function restoreResolvConf(options: ResolvConfFileOptions = {}): Promise<boolean> {
  const path = resolve(options.path ?? RESOLV_CONF_PATH);
  const backupPath = options.backupPath ?? RESOLV_CONF_BACKUP_PATH;
  const backup = await readBackup(backupPath);
  if (backup === null) return false;
  if (backup.path !== path) {
    throw new Error(`the DNS backup ${backupPath} is of ${backup.path}, not ${path}; restore it by hand`);
  }
  const current = await readIfFile(path);
  const written = Buffer.from(backup.written, 'base64');
  const ours = current !== null && written.subarray(0, current.length).equals(current);
  if (ours) await putBack(path, backup.original);
  await rm(backupPath, { force: true });
  return ours;
}

async function readBackup(backupPath: string): Promise<Backup | null> {
  const backup = (await readBackupJson(backupPath, 'restore /etc/resolv.conf by hand')) as Backup | null;
  if (backup === null) return null;
  if (backup?.format !== 1 || typeof backup.written !== 'string' || typeof backup.original?.kind !== 'string') {
    throw new Error(`the DNS backup ${backupPath} is not one this version writes; restore by hand and remove it`);
  }
  return backup;
}

/**
 * A DNS method's backup file as JSON (this one's and NetworkManager's, dns-networkmanager.ts), for its caller to
 * check: null when there is none; a file that is not JSON is an error saying what to do by hand (`byHand`).
 */
export async function readBackupJson(backupPath: string, byHand: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(backupPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`the DNS backup ${backupPath} is not readable JSON; ${byHand} and remove it`);
  }
}

async function readOriginal(path: string): Promise<Original> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  if (stats.isSymbolicLink()) return { kind: 'symlink', target: await readlink(path) };
  if (!stats.isFile()) throw new Error(`${path} is neither a file nor a symlink; not touching it`);
  const content = await readFile(path);
  return {
    kind: 'file',
    content: content.toString('base64'),
    mode: stats.mode & 0o7777,
    uid: stats.uid,
    gid: stats.gid,
  };
}

/** The bytes of `path` when it is a regular file (not through a symlink), else null. */
async function readIfFile(path: string): Promise<Buffer | null> {
  try {
    if (!(await lstat(path)).isFile()) return null;
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function putBack(path: string, original: Original): Promise<void> {
  switch (original.kind) {
    case 'file':
      await writeResolvConf(path, Buffer.from(original.content, 'base64'), original.mode);
      await chmod(path, original.mode);
      await chown(path, original.uid, original.gid);
      return;
    case 'symlink': {
      const temporary = temporaryPath(path);
      await symlink(original.target, temporary);
      await renameDurably(temporary, path);
      return;
    }
    case 'absent':
      await rm(path, { force: true });
      return;
  }
}

async function writeResolvConf(path: string, content: Buffer, mode: number): Promise<void> {
  if (await isMountPoint(path)) {
    const file = await open(path, 'w');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    return;
  }
  await writeFileAtomically(path, content, mode);
}

/** Writes a file whole or not at all: a temporary file beside it, fsync, rename, fsync of the directory. */
export async function writeFileAtomically(path: string, content: Buffer, mode: number): Promise<void> {
  const temporary = temporaryPath(path);
  const file = await open(temporary, 'wx', mode);
  try {
    await file.writeFile(content);
    await file.chmod(mode); // the umask narrowed open's mode
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  try {
    await renameDurably(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A name beside `path`, so that the rename stays within one file system. */
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.warren-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  const directory = await open(dirname(to), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** Whether something is mounted on `path` itself (mountinfo's fifth field, with its octal escapes). */
async function isMountPoint(path: string): Promise<boolean> {
  let mountInfo: string;
  try {
    mountInfo = await readFile(MOUNT_INFO_PATH, 'utf8');
  } catch {
    return false;
  }
  return mountInfo.split('\n').some((line) => {
    const field = line.split(' ')[4];
    return (
      field !== undefined &&
      field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))) === path
    );
  });
}
