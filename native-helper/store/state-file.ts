// The store's state file, `state.json`: which tunnels should be up, each tunnel's options, and the address each
// endpoint hostname last resolved to (the fallback when a lookup fails: configure-device.ts). JSON for people to
// read, versioned, validated on every read, written atomically. Never key material.
//
// A state file that cannot be read or fails validation is reported and read as empty (tunnels get default
// options and none is brought up), and it is not touched until the state next changes: then it is first renamed
// to `state.json.corrupt-<time>` and only then is a new one written, so nothing that was in it is lost.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseIpAddress } from '../../shared/config/ip.js';
import { tunnelName, tunnelOptions, type TunnelOptions } from '../../shared/ipc/control.js';
import { DirectorySyncError, renameDurably, writeFileAtomic } from './atomic-write.js';
import { pathExists, readStoreFile } from './read-file.js';
import { describeError, errnoCode, type StoreProblem } from './store-error.js';

export const STATE_FILE_NAME = 'state.json';
export const STATE_FILE_VERSION = 1;
/** 1024 tunnels at a few hundred bytes each, with room to spare. */
export const MAX_STATE_BYTES = 1024 * 1024;
const CORRUPT_SUFFIX = '.corrupt-';

/** True for the names the state file is moved aside to, which the store leaves alone. */
export function isMovedAsideStateFile(name: string): boolean {
  return name.startsWith(STATE_FILE_NAME + CORRUPT_SUFFIX);
}

/** A DNS name as an Endpoint may hold one: at most 253 characters, no spaces or control characters. */
export const resolvedHost = z
  .string()
  .min(1)
  .max(253)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
  .regex(/^[^\s\x00-\x1f/]+$/);
export const resolvedAddress = z
  .string()
  .max(64)
  .refine((text) => parseIpAddress(text).ok, 'not an IP address');

const stateEntry = z.object({
  // Partial: an option added by a later version is absent from older files, and takes its default.
  options: tunnelOptions.partial(),
  wantUp: z.boolean(),
  // Optional: files written before it have none.
  lastResolved: z.record(resolvedHost, resolvedAddress).optional(),
  // The uid that created or imported the tunnel; absent (root's) for tunnels stored before owners were recorded.
  owner: z.number().int().min(0).max(0xfffffffe).optional(),
});

const stateFileSchema = z.object({
  version: z.literal(STATE_FILE_VERSION),
  tunnels: z.record(tunnelName, stateEntry),
});

/** What the state file keeps for one tunnel. Options not set here take the tunnel's defaults. */
export interface StateEntry {
  options: Partial<TunnelOptions>;
  wantUp: boolean;
  /** Endpoint hostname -> the IP address it last resolved to; absent when none has been. */
  lastResolved?: Record<string, string>;
  /** The uid that created or imported it; absent means root. */
  owner?: number;
}

export interface StateRead {
  entries: Map<string, StateEntry>;
  /** Set when the file exists but could not be used; it was read as empty. */
  problem: StoreProblem | null;
}

export class StateFile {
  readonly path: string;
  /** The file on disk holds something we could not read: move it aside before writing over it. */
  private unreadable = false;

  private constructor(path: string) {
    this.path = path;
  }

  static async read(directory: string): Promise<{ file: StateFile; read: StateRead }> {
    const file = new StateFile(join(directory, STATE_FILE_NAME));
    const read = await file.load();
    return { file, read };
  }

  private async load(): Promise<StateRead> {
    const empty = new Map<string, StateEntry>();
    // lstat, not read's ENOENT: a dangling symlink is something on disk, not an absent file.
    try {
      await lstat(this.path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { entries: empty, problem: null };
      return this.unusable(describeError(error));
    }
    const result = await readStoreFile(this.path, MAX_STATE_BYTES);
    if (!result.ok) return this.unusable(result.error);
    let json: unknown;
    try {
      json = JSON.parse(result.bytes.toString('utf8'));
    } catch (error) {
      return this.unusable(`is not valid JSON (${describeError(error)})`);
    }
    const version = (json as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > STATE_FILE_VERSION) {
      return this.unusable(
        `was written by a newer Warren (version ${version}; this one reads version ${STATE_FILE_VERSION})`,
      );
    }
    const parsed = stateFileSchema.safeParse(json);
    if (!parsed.success) {
      // zod reports at least one issue with a failure; were there none, the file is still refused.
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      return this.unusable(`does not have the expected shape${where}: ${issue?.message ?? 'invalid'}`);
    }
    for (const [name, entry] of Object.entries(parsed.data.tunnels)) {
      empty.set(name, {
        options: entry.options,
        wantUp: entry.wantUp,
        ...(entry.lastResolved ? { lastResolved: entry.lastResolved } : {}),
        ...(entry.owner !== undefined ? { owner: entry.owner } : {}),
      });
    }
    return { entries: empty, problem: null };
  }

  private unusable(why: string): StateRead {
    this.unreadable = true;
    const message =
      `${this.path} ${why}. It is read as empty: tunnels have their default options and none is brought up at start. ` +
      `The file is kept as it is; when the state next changes it is renamed to ${STATE_FILE_NAME}${CORRUPT_SUFFIX}<time> first.`;
    return { entries: new Map(), problem: { file: this.path, message } };
  }

  async write(entries: ReadonlyMap<string, StateEntry>): Promise<void> {
    if (this.unreadable) {
      await this.moveAside();
      this.unreadable = false;
    }
    const tunnels: Record<string, StateEntry> = {};
    // Sorted: a stable file, so a diff between two versions shows what changed.
    for (const name of [...entries.keys()].sort()) {
      const entry = entries.get(name)!;
      const lastResolved =
        entry.lastResolved !== undefined && Object.keys(entry.lastResolved).length > 0
          ? { lastResolved: entry.lastResolved }
          : {};
      const owner = entry.owner !== undefined && entry.owner !== 0 ? { owner: entry.owner } : {};
      tunnels[name] = { options: entry.options, wantUp: entry.wantUp, ...lastResolved, ...owner };
    }
    const text = JSON.stringify({ version: STATE_FILE_VERSION, tunnels }, null, 2) + '\n';
    await writeFileAtomic(this.path, text, 0o600);
  }

  /** Renames the unreadable file to a name that no later move aside can take. Returns the new path, or null
   *  when the file is gone already (someone removed it: then there is nothing to keep). */
  private async moveAside(): Promise<string | null> {
    const stamp = new Date().toISOString().replace(/:/g, '');
    for (let attempt = 0; ; attempt++) {
      const aside = `${this.path}${CORRUPT_SUFFIX}${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
      // rename(2) would replace an earlier moved-aside file of the same millisecond; look first (we are the
      // directory's only writer).
      if (await pathExists(aside)) continue;
      try {
        await renameDurably(this.path, aside);
        return aside;
      } catch (error) {
        // Moved, not yet durable: the write that follows fsyncs the same directory, and reports if that fails.
        if (error instanceof DirectorySyncError) return aside;
        if (errnoCode(error) === 'ENOENT') return null;
        throw error;
      }
    }
  }
}
