// The helper's tunnel store: one wg-quick `<name>.conf` per tunnel in one directory (so people and wg-quick can
// read them), plus `state.json` (state-file.ts) for which tunnels should be up and their options.
//
// Invariants:
//  - The store writes exactly the text it was given, byte for byte (UTF-8): nothing is canonicalised, so people's
//    comments and layout survive. Every write is atomic and durable (atomic-write.ts); files are 0600, the
//    directory 0700, and nothing here logs, so key material goes nowhere but the files.
//  - A file it cannot use (unreadable, not a regular file, too large, an invalid name, a config with errors) is
//    reported by problems() and skipped: never modified, deleted or replaced; the rest load. add() and rename()
//    refuse its name. The one thing open() removes is its own temporary files left by a killed writer.
//  - One helper owns the directory. Mutations are serialised in this process; reads are from memory.
//  - A state entry whose `.conf` is gone is an orphan: ignored at open, dropped at the next state write. The
//    multi-step operations are ordered on that: a crash between steps leaves an orphan at worst, never a tunnel
//    with someone else's options, two copies of a tunnel, or none.
import { chmod, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  formatDiagnostics,
  interfaceNameFromPath,
  MAX_CONFIG_BYTES,
  parseConfig,
  type Diagnostic,
  type TunnelConfig,
} from '../../shared/config/index.js';
import type { TunnelOptions } from '../../shared/ipc/control.js';
import {
  createFileAtomic,
  madeChange,
  renameDurably,
  temporaryOwner,
  unlinkDurably,
  writeFileAtomic,
} from './atomic-write.js';
import { defaultTunnelOptions } from './default-options.js';
import { pathExists, readStoreFile } from './read-file.js';
import {
  isMovedAsideStateFile,
  resolvedAddress,
  resolvedHost,
  STATE_FILE_NAME,
  StateFile,
  type StateEntry,
} from './state-file.js';
import { describeError, errnoCode, StoreError, type StoreProblem } from './store-error.js';

/** More than anyone uses, few enough that a list or a full load stays cheap. */
export const MAX_TUNNELS = 1024;

export interface StoredTunnel {
  name: string;
  /** The file, `<directory>/<name>.conf`. */
  path: string;
  /** The file's text exactly as stored. */
  text: string;
  config: TunnelConfig;
  /** Effective options: those set for the tunnel over its defaults (defaultTunnelOptions). */
  options: TunnelOptions;
  /** Whether it should be up: set while it is up, so the helper brings it back after a restart. */
  wantUp: boolean;
  /** Endpoint hostname -> the IP address it last resolved to (the fallback when a lookup fails). */
  lastResolved: Record<string, string>;
  /** The uid that created or imported it (0, root, for tunnels stored before owners were recorded). */
  owner: number;
}

interface Loaded {
  text: string;
  config: TunnelConfig;
}

export class TunnelStore {
  readonly directory: string;
  private readonly tunnels: Map<string, Loaded>;
  /** Valid tunnel names whose `.conf` is on disk but could not be loaded: their names are taken. */
  private readonly unloadable: Set<string>;
  private readonly skipped: StoreProblem[];
  private readonly stateFile: StateFile;
  private entries: Map<string, StateEntry>;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    directory: string,
    loaded: { tunnels: Map<string, Loaded>; unloadable: Set<string>; problems: StoreProblem[] },
    stateFile: StateFile,
    entries: Map<string, StateEntry>,
  ) {
    this.directory = directory;
    this.tunnels = loaded.tunnels;
    this.unloadable = loaded.unloadable;
    this.skipped = loaded.problems;
    this.stateFile = stateFile;
    this.entries = entries;
  }

  /**
   * Opens (creating it 0700 if missing) the store in `directory`: checks that it is safe, removes temporary files
   * left by a killed writer, loads every `*.conf` and the state file. Throws StoreError('unsafe-directory') for
   * a directory others could write to; everything else wrong is in problems().
   */
  static async open(directory: string): Promise<TunnelStore> {
    const dir = resolve(directory);
    await prepareDirectory(dir);
    const loaded = await loadDirectory(dir);
    const { file, read } = await StateFile.read(dir);
    if (read.problem !== null) loaded.problems.push(read.problem);
    for (const name of read.entries.keys()) {
      if (!loaded.tunnels.has(name) && !loaded.unloadable.has(name)) read.entries.delete(name);
    }
    return new TunnelStore(dir, loaded, file, read.entries);
  }

  list(): StoredTunnel[] {
    return [...this.tunnels.keys()].sort().map((name) => this.get(name)!);
  }

  get(name: string): StoredTunnel | undefined {
    const tunnel = this.tunnels.get(name);
    if (tunnel === undefined) return undefined;
    const entry = this.entries.get(name);
    return {
      name,
      path: this.pathOf(name),
      text: tunnel.text,
      // A copy: the caller may change what it gets without changing the store.
      config: structuredClone(tunnel.config),
      options: { ...defaultTunnelOptions(tunnel.config), ...entry?.options },
      wantUp: entry?.wantUp ?? false,
      lastResolved: { ...entry?.lastResolved },
      owner: entry?.owner ?? 0,
    };
  }

  /** The files skipped at open (and any temporary file that could not be removed), in directory order. */
  problems(): StoreProblem[] {
    return this.skipped.map((p) => ({ ...p }));
  }

  /** Stores a new tunnel, owned by uid `owner`. `options` override its defaults and are kept from now on. */
  add(name: string, text: string, options: Partial<TunnelOptions> = {}, owner = 0): Promise<StoredTunnel> {
    return this.serial(async () => {
      checkName(name);
      this.checkNameFree(name);
      if (this.tunnels.size >= MAX_TUNNELS) {
        throw new StoreError('limit', `the store holds at most ${MAX_TUNNELS} tunnels; delete one first`);
      }
      const config = checkConfig(name, text);
      const entry: StateEntry = {
        options: { ...defaultTunnelOptions(config), ...definedOnly(options) },
        wantUp: false,
        ...(owner === 0 ? {} : { owner }),
      };
      // The state entry first: a crash before the file exists leaves an orphan entry, ignored at the next open,
      // rather than a tunnel without the options it was added with.
      const before = this.entries;
      await this.saveState(withEntry(before, name, entry));
      let late;
      try {
        // Never replaces: a file put there by hand since open stays.
        late = await madeChange(createFileAtomic(this.pathOf(name), text));
      } catch (error) {
        await this.saveState(before).catch(() => {});
        this.entries = before;
        if (errnoCode(error) === 'EEXIST') throw takenOnDisk(this.pathOf(name));
        throw error;
      }
      this.tunnels.set(name, { text, config });
      if (late !== null) throw late;
      return this.get(name)!;
    });
  }

  /** Replaces a tunnel's text. Options and wantUp stay. */
  update(name: string, text: string): Promise<StoredTunnel> {
    return this.serial(async () => {
      this.existing(name);
      const config = checkConfig(name, text);
      const late = await madeChange(writeFileAtomic(this.pathOf(name), text));
      this.tunnels.set(name, { text, config });
      if (late !== null) throw late;
      return this.get(name)!;
    });
  }

  /**
   * Renames a tunnel, its options and wantUp with it. The text does not change, so the file is moved with one
   * rename(2): there is never a moment with two copies of it, or none. Around it, crash-safe by ordering:
   *   1. state: the entry under both names (a crash now: `to` is an orphan, dropped at open);
   *   2. rename `from.conf` to `to.conf` (a crash now: `from` is the orphan);
   *   3. state: the entry under `to` only.
   */
  rename(from: string, to: string): Promise<StoredTunnel> {
    return this.serial(async () => {
      const tunnel = this.existing(from);
      checkName(to);
      if (to === from) return this.get(from)!;
      this.checkNameFree(to);
      // rename(2) replaces what is at `to`: look first, so that a file put there by hand since open stays.
      if (await pathExists(this.pathOf(to))) throw takenOnDisk(this.pathOf(to));
      const before = this.entries;
      const entry = before.get(from);
      if (entry !== undefined) await this.saveState(withEntry(before, to, entry));
      let late;
      try {
        late = await madeChange(renameDurably(this.pathOf(from), this.pathOf(to)));
      } catch (error) {
        if (entry !== undefined) {
          await this.saveState(before).catch(() => {});
          this.entries = before;
        }
        throw error;
      }
      this.tunnels.delete(from);
      this.tunnels.set(to, tunnel);
      await this.dropEntry(from);
      if (late !== null) throw late;
      return this.get(to)!;
    });
  }

  /** Removes a tunnel's file, then its state entry. */
  delete(name: string): Promise<void> {
    return this.serial(async () => {
      this.existing(name);
      // The file first: a crash after it leaves an orphan entry (ignored), never a tunnel back with defaults.
      const late = await madeChange(unlinkDurably(this.pathOf(name)));
      this.tunnels.delete(name);
      await this.dropEntry(name);
      if (late !== null) throw late;
    });
  }

  /** Sets some options; from now on all of the tunnel's options are kept as they are now. */
  setOptions(name: string, options: Partial<TunnelOptions>): Promise<TunnelOptions> {
    return this.serial(async () => {
      this.existing(name);
      const current = this.get(name)!;
      const next: TunnelOptions = { ...current.options, ...definedOnly(options) };
      await this.saveState(
        withEntry(this.entries, name, { ...this.entries.get(name), options: next, wantUp: current.wantUp }),
      );
      return { ...next };
    });
  }

  setWantUp(name: string, wantUp: boolean): Promise<void> {
    return this.serial(async () => {
      this.existing(name);
      const entry = this.entries.get(name);
      if ((entry?.wantUp ?? false) === wantUp) return;
      // Options not set stay unset, so they keep following the config's defaults.
      await this.saveState(withEntry(this.entries, name, { ...entry, options: entry?.options ?? {}, wantUp }));
    });
  }

  /**
   * Notes that an endpoint hostname of a tunnel resolved to `address`. Written only when it differs from what
   * is noted; hostnames the tunnel's config no longer has are dropped at the same time.
   */
  rememberResolved(name: string, host: string, address: string): Promise<void> {
    return this.serial(async () => {
      const tunnel = this.existing(name);
      const hosts = new Set(tunnel.config.peers.flatMap((peer) => (peer.endpoint ? [peer.endpoint.host] : [])));
      if (!hosts.has(host)) return; // an answer for a config since replaced
      // What the state file would refuse to read back is never written (it would lose the whole file's state).
      if (!resolvedHost.safeParse(host).success || !resolvedAddress.safeParse(address).success) {
        throw new StoreError(
          'config',
          `cannot remember ${JSON.stringify(host)} as resolving to ${JSON.stringify(address)}`,
        );
      }
      const entry = this.entries.get(name);
      const before = sortedByHost(entry?.lastResolved ?? {});
      const lastResolved = sortedByHost({
        ...Object.fromEntries(Object.entries(before).filter(([h]) => hosts.has(h))),
        [host]: address,
      });
      if (JSON.stringify(lastResolved) === JSON.stringify(before)) return;
      await this.saveState(
        withEntry(this.entries, name, {
          ...entry,
          options: entry?.options ?? {},
          wantUp: entry?.wantUp ?? false,
          lastResolved,
        }),
      );
    });
  }

  private pathOf(name: string): string {
    return join(this.directory, `${name}.conf`);
  }

  private existing(name: string): Loaded {
    const tunnel = this.tunnels.get(name);
    if (tunnel === undefined)
      throw new StoreError('not-found', `there is no stored tunnel named ${JSON.stringify(name)}`);
    return tunnel;
  }

  private checkNameFree(name: string): void {
    if (this.tunnels.has(name)) {
      throw new StoreError('exists', `a tunnel named ${JSON.stringify(name)} is already stored; choose another name`);
    }
    if (this.unloadable.has(name)) throw takenOnDisk(this.pathOf(name));
  }

  private async saveState(next: Map<string, StateEntry>): Promise<void> {
    const late = await madeChange(this.stateFile.write(next));
    this.entries = next;
    if (late !== null) throw late;
  }

  /**
   * Drops the entry of a tunnel whose file is already gone. Best effort: if the write fails the entry is an
   * orphan, which open() ignores, and the next state write drops it, so the operation has still happened.
   */
  private async dropEntry(name: string): Promise<void> {
    if (!this.entries.has(name)) return;
    const next = new Map(this.entries);
    next.delete(name);
    await this.saveState(next).catch(() => {});
    this.entries = next;
  }

  /** Runs mutations one after another, so that two never interleave their steps. */
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => {});
    return result;
  }
}

async function prepareDirectory(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode went through the umask; make it exact.
  if (created !== undefined) await chmod(dir, 0o700);
  const stats = await stat(dir);
  if (!stats.isDirectory())
    throw new StoreError('unsafe-directory', `${dir} is not a directory; the tunnel store needs one`);
  // Whoever can write to the directory can swap tunnel configs (and with them the commands in PostUp) under us.
  const uid = process.geteuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    const who = uid === 0 ? 'root' : `uid ${uid}, the user the helper runs as`;
    throw new StoreError(
      'unsafe-directory',
      `refusing to use ${dir}: it is owned by uid ${stats.uid}, not ${who}; the tunnel store holds private keys. ` +
        `Fix it with \`chown ${uid} ${dir}\` if it is the right directory.`,
    );
  }
  if ((stats.mode & 0o022) !== 0) {
    const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
    throw new StoreError(
      'unsafe-directory',
      `refusing to use ${dir}: it is writable by ${stats.mode & 0o002 ? 'everyone' : 'its group'} (mode ${mode}); ` +
        `the tunnel store holds private keys. Fix it with \`chmod 700 ${dir}\` if it is the right directory.`,
    );
  }
}

async function loadDirectory(dir: string) {
  const tunnels = new Map<string, Loaded>();
  const unloadable = new Set<string>();
  const problems: StoreProblem[] = [];
  const names = (await readdir(dir)).sort();
  for (const entry of names) {
    const file = join(dir, entry);
    const owner = temporaryOwner(entry);
    if (owner !== null) {
      if (!isAlive(owner)) {
        await unlink(file).catch((error) =>
          problems.push({
            file,
            message: `${file}: a leftover temporary file that could not be removed: ${describeError(error)}`,
          }),
        );
      }
      continue;
    }
    // Anything else that is not a config (a README, an editor's `wg0.conf~`) is not ours to judge.
    if (!entry.endsWith('.conf') || entry === STATE_FILE_NAME || isMovedAsideStateFile(entry)) continue;
    const named = interfaceNameFromPath(entry);
    if (!named.ok) {
      problems.push({ file, message: `${file}: ${named.error}; skipped` });
      continue;
    }
    const name = named.name;
    if (tunnels.size >= MAX_TUNNELS) {
      unloadable.add(name);
      problems.push({ file, message: `${file}: skipped: the store holds at most ${MAX_TUNNELS} tunnels` });
      continue;
    }
    const read = await readStoreFile(file, MAX_CONFIG_BYTES);
    if (!read.ok) {
      unloadable.add(name);
      problems.push({ file, message: `${file}: ${read.error}; skipped` });
      continue;
    }
    // Invalid UTF-8 becomes U+FFFD here, which the parser reports at its line.
    const text = read.bytes.toString('utf8');
    const parsed = parseConfig(text);
    if (!parsed.ok) {
      unloadable.add(name);
      problems.push({ file, message: errorLines(file, parsed.errors).join('\n') });
      continue;
    }
    tunnels.set(name, { text, config: parsed.config });
  }
  return { tunnels, unloadable, problems };
}

/** A binary file has an error on nearly every line: in the store's problems, the first few say enough. */
const MAX_REPORTED_ERRORS = 10;

function errorLines(file: string, errors: Diagnostic[]): string[] {
  return formatDiagnostics(file, errors, MAX_REPORTED_ERRORS);
}

function checkName(name: string): void {
  const named = interfaceNameFromPath(`${name}.conf`);
  // A name with a slash would pass as its last component: compare.
  if (!named.ok || named.name !== name) {
    const why = named.ok ? 'it contains a path separator' : named.error;
    throw new StoreError('invalid-name', `${JSON.stringify(name)} is not a valid tunnel name: ${why}`);
  }
}

/** Parses text to be stored; it must be a valid config that UTF-8 can carry exactly. */
function checkConfig(name: string, text: string): TunnelConfig {
  const file = `${name}.conf`;
  // A lone surrogate has no UTF-8 form: the file would not hold the text it was given.
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text);
  if (lone !== null) {
    const line = text.slice(0, lone.index).split('\n').length;
    throw new StoreError('config', `${file} cannot be stored`, [
      `${file}:${line}: the text has a lone UTF-16 surrogate, which UTF-8 cannot hold`,
    ]);
  }
  const parsed = parseConfig(text);
  if (!parsed.ok) {
    throw new StoreError('config', `${file} has errors`, errorLines(file, parsed.errors));
  }
  return parsed.config;
}

function takenOnDisk(path: string): StoreError {
  return new StoreError(
    'exists',
    `${path} exists but is not a usable tunnel (see the store's problems); it is left as it is, so fix or remove it by hand, or choose another name`,
  );
}

function sortedByHost(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

function withEntry(entries: ReadonlyMap<string, StateEntry>, name: string, entry: StateEntry): Map<string, StateEntry> {
  return new Map(entries).set(name, entry);
}

/** `{ autostart: undefined }` means "not given", not "set to undefined". */
function definedOnly(options: Partial<TunnelOptions>): Partial<TunnelOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** Whether a process with this pid exists (EPERM: it does, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== 'ESRCH';
  }
}
