/*
 * Import and export of tunnels, whatever brought the files: the open dialog (.conf and .zip), a drop on the
 * window or pasted text (the renderer sends the contents), a .conf opened from the file manager (argv of this
 * or a second instance). Files are read here and sent to the helper's `import`, which judges each one and
 * answers its errors at FILE:LINE; a file that cannot even be read gets a result of the same shape here.
 * Archives go through ZipCodec, a small interface in front of the zip library (zip-codec.ts). Export writes
 * every stored tunnel, keys included, into one zip: main holds the texts only while it builds it.
 *
 * What one import holds in memory is bounded: a file is read up to its kind's bound only (importReadLimit), and
 * all its configurations together, read or unpacked from any number of archives, are at most MAX_IMPORT_CONFIGS
 * files of MAX_IMPORT_BYTES in all (an ImportBudget, which an archive's entries are taken from by their declared
 * sizes before any is inflated). What goes to the helper is split into requests it accepts (import-batches.ts).
 */
import { basename, extname, resolve } from 'node:path';
import { MAX_ARCHIVE_BYTES, type ImportFile, type ImportOutcome } from '../shared/bridge/types.js';
import { MAX_CONFIG_BYTES } from '../shared/config/parse.js';
import { importBatches, tooLargeToSend } from '../shared/ipc/import-batches.js';
import type { HelperCalls } from './helper-connection.js';
import { strings } from './strings.js';

const t = strings.import;

export interface ZipEntry {
  /** Path inside the archive, '/'-separated. */
  name: string;
  data: Uint8Array;
}

/** A wanted entry of an archive: its bytes, or null when it declares more than `maxEntryBytes` (never inflated). */
export interface UnzippedEntry {
  name: string;
  data: Uint8Array | null;
}

/** What is left of an import's bound. */
export interface UnzipBudget {
  /** Takes `count` configurations of `bytes` in all; or, taking nothing, says why they do not fit. */
  take(count: number, bytes: number): string | null;
}

export interface UnzipLimits {
  /** Whether an entry (by its path in the archive) is wanted; the others are never inflated. */
  wanted(name: string): boolean;
  maxEntryBytes: number;
  /** The archive's wanted entries are taken from it all at once, before inflating, or the archive is refused. */
  budget: UnzipBudget;
}

export interface ZipCodec {
  /** The wanted entries, in the archive's order; throws, with a message for the user, for an archive it refuses. */
  unzip(archive: Uint8Array, limits: UnzipLimits): UnzippedEntry[];
  zip(entries: ZipEntry[]): Uint8Array;
}

/** Extensions the dialog offers and argv accepts. */
export const IMPORT_EXTENSIONS = ['conf', 'zip'] as const;
type ImportKind = (typeof IMPORT_EXTENSIONS)[number];
/** Configurations one import takes, from files and archives together. */
export const MAX_IMPORT_CONFIGS = 1024;
/** Bytes of configurations one import holds, from files and archives (unpacked) together. */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

/** The bound of one import, taken from by every file read and every archive unpacked. */
export class ImportBudget implements UnzipBudget {
  private configs = MAX_IMPORT_CONFIGS;
  private bytes = MAX_IMPORT_BYTES;

  take(count: number, bytes: number): string | null {
    if (count > MAX_IMPORT_CONFIGS) return t.tooManyConfigs(count, MAX_IMPORT_CONFIGS);
    if (bytes > MAX_IMPORT_BYTES) return t.tooManyBytes(bytes, MAX_IMPORT_BYTES);
    if (count > this.configs) return t.overConfigs(MAX_IMPORT_CONFIGS);
    if (bytes > this.bytes) return t.overBytes(MAX_IMPORT_BYTES);
    this.configs -= count;
    this.bytes -= bytes;
    return null;
  }
}

/** How much of a file an import reads (a reader returns one byte more for a file over it): a config's or an archive's bound. */
export function importReadLimit(path: string): number {
  return importKind(path) === 'zip' ? MAX_ARCHIVE_BYTES : MAX_CONFIG_BYTES;
}

function importKind(path: string): ImportKind | null {
  const extension = extname(path).toLowerCase().slice(1);
  return IMPORT_EXTENSIONS.find((kind) => kind === extension) ?? null;
}

/** The entries of an archive that are configurations: `.conf`, but not macOS's resource forks beside them. */
function isConfigEntry(name: string): boolean {
  return name.toLowerCase().endsWith('.conf') && !name.startsWith('__MACOSX/') && !basename(name).startsWith('._');
}

export interface ReadDeps {
  /** At most importReadLimit(path) + 1 bytes of the file, only a regular one (main/user-files.ts). */
  readFile(path: string): Promise<Uint8Array>;
  zip: ZipCodec;
}

export interface ReadFiles {
  files: ImportFile[];
  /** Files that could not be read or unpacked, already as results. */
  failures: ImportOutcome[];
}

export async function readImportPaths(paths: readonly string[], deps: ReadDeps): Promise<ReadFiles> {
  const out: ReadFiles = { files: [], failures: [] };
  const budget = new ImportBudget();
  for (const path of paths) {
    const display = basename(path);
    const kind = importKind(display);
    if (kind === null) {
      out.failures.push(notImportable(display));
      continue;
    }
    let data: Uint8Array;
    try {
      data = await deps.readFile(path);
    } catch (error) {
      out.failures.push(failure(display, `${display}: ${t.unreadable((error as Error).message)}`));
      continue;
    }
    addFile(out, display, kind, data, deps.zip, budget);
  }
  return out;
}

/** Files whose bytes came with them (archives dropped on the window), read as files from disk are. */
export function readImportData(files: readonly { filename: string; data: Uint8Array }[], zip: ZipCodec): ReadFiles {
  const out: ReadFiles = { files: [], failures: [] };
  const budget = new ImportBudget();
  for (const file of files) {
    const display = basename(file.filename);
    const kind = importKind(display);
    if (kind === null) out.failures.push(notImportable(display));
    else addFile(out, display, kind, file.data, zip, budget);
  }
  return out;
}

function addFile(
  out: ReadFiles,
  display: string,
  kind: ImportKind,
  data: Uint8Array,
  zip: ZipCodec,
  budget: ImportBudget,
): void {
  if (data.byteLength > importReadLimit(display)) {
    out.failures.push(tooLarge(display, kind));
    return;
  }
  if (kind === 'conf') {
    const refusal = budget.take(1, data.byteLength);
    if (refusal === null) addText(out, display, data);
    else out.failures.push(failure(display, `${display}: ${refusal}`));
    return;
  }
  let entries: UnzippedEntry[];
  try {
    entries = zip.unzip(data, { wanted: isConfigEntry, maxEntryBytes: MAX_CONFIG_BYTES, budget });
  } catch (error) {
    out.failures.push(failure(display, `${display}: ${(error as Error).message}`));
    return;
  }
  if (entries.length === 0) out.failures.push(failure(display, `${display}: ${t.noConf}`));
  for (const entry of entries) {
    const filename = `${display}/${entry.name}`;
    if (entry.data === null) out.failures.push(tooLarge(filename, 'conf'));
    else addText(out, filename, entry.data);
  }
}

function tooLarge(filename: string, kind: ImportKind): ImportOutcome {
  const limit = importReadLimit(filename);
  return failure(filename, `${filename}: ${kind === 'zip' ? t.tooLargeArchive(limit) : t.tooLargeConf(limit)}`);
}

function notImportable(display: string): ImportOutcome {
  return failure(display, `${display}: ${t.notImportable}`);
}

function addText(out: ReadFiles, filename: string, data: Uint8Array): void {
  try {
    out.files.push({ filename, text: new TextDecoder('utf-8', { fatal: true }).decode(data) });
  } catch {
    out.failures.push(failure(filename, `${filename}: ${t.notUtf8}`));
  }
}

function failure(filename: string, error: string): ImportOutcome {
  return { filename, ok: false, errors: [error], warnings: [] };
}

/** Sends the files to the helper (in requests it accepts, import-batches.ts); the results in the order of the files. */
export async function importFiles(
  helper: HelperCalls,
  files: readonly ImportFile[],
  failures: readonly ImportOutcome[] = [],
): Promise<ImportOutcome[]> {
  const results: ImportOutcome[] = [...failures];
  const requested = files.map((f) => ({ filename: f.filename, text: f.text, ...(f.name ? { name: f.name } : {}) }));
  for (const { files: batch, sendable } of importBatches(requested)) {
    if (!sendable) {
      for (const file of batch) results.push(failure(file.filename, tooLargeToSend(file.filename)));
      continue;
    }
    try {
      for (const r of await helper.call('import', { files: batch })) {
        results.push({
          filename: r.filename,
          ok: r.ok,
          ...(r.name ? { name: r.name } : {}),
          errors: r.errors,
          warnings: r.warnings,
        });
      }
    } catch (error) {
      const message = (error as Error).message;
      const details = (error as { details?: string[] }).details ?? [];
      for (const file of batch)
        results.push({
          filename: file.filename,
          ok: false,
          errors: [`${file.filename}: ${message}`, ...details],
          warnings: [],
        });
    }
  }
  return results;
}

/** The .conf and .zip paths among command-line arguments (a file opened from the file manager). */
export function importPathsFromArgv(argv: readonly string[], workingDirectory: string): string[] {
  return argv
    .filter((arg) => !arg.startsWith('-') && IMPORT_EXTENSIONS.some((ext) => arg.toLowerCase().endsWith(`.${ext}`)))
    .map((arg) => resolve(workingDirectory, arg.startsWith('file://') ? new URL(arg).pathname : arg));
}

/** Which stored tunnels an export of all takes: those this user may read, and the others, left out. */
export interface ExportPlan {
  names: string[];
  leftOut: { name: string; owner?: string }[];
}

/**
 * Every stored tunnel this user may read (its own; all of them for an administrator) goes into an export; another
 * owner's is left out, named: the helper would refuse its config (a file's tunnel has nothing stored to export).
 */
export async function exportPlan(helper: HelperCalls): Promise<ExportPlan> {
  const stored = (await helper.call('list', {})).filter((t) => t.origin === 'store');
  return {
    names: stored.filter((t) => t.canChange).map((t) => t.name),
    leftOut: stored
      .filter((t) => !t.canChange)
      .map((t) => ({ name: t.name, ...(t.owner === undefined ? {} : { owner: t.owner }) })),
  };
}

/** These tunnels as NAME.conf, each with its private key (the text `get` answers, as the export of one writes), zipped. */
export async function exportZip(helper: HelperCalls, zip: ZipCodec, names: readonly string[]): Promise<Uint8Array> {
  const entries: ZipEntry[] = [];
  const encoder = new TextEncoder();
  try {
    for (const name of names) {
      const { text } = await helper.call('get', { name, includePrivateKey: true });
      entries.push({ name: `${name}.conf`, data: encoder.encode(text) });
    }
    return zip.zip(entries);
  } finally {
    for (const entry of entries) entry.data.fill(0);
  }
}

/** Every stored tunnel this user may read, zipped (exportPlan, exportZip). */
export async function exportAllZip(helper: HelperCalls, zip: ZipCodec): Promise<Uint8Array> {
  return exportZip(helper, zip, (await exportPlan(helper)).names);
}
