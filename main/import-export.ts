/*
 * Import and export of tunnels, whatever brought the files: the open dialog (.conf and .zip), a drop on the
 * window or pasted text (the renderer sends the contents), a .conf opened from the file manager (argv of this
 * or a second instance). Files are read here and sent to the helper's `import`, which judges each one and
 * answers its errors at FILE:LINE; a file that cannot even be read gets a result of the same shape here.
 * Archives go through ZipCodec, a small interface in front of the zip library (zip-codec.ts). Export writes
 * every stored tunnel, keys included, into one zip: main holds the texts only while it builds it.
 */
import { basename, extname, resolve } from 'node:path';
import type { ImportFile, ImportOutcome } from '../shared/bridge/types.js';
import type { HelperCalls } from './helper-connection.js';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated. */
  name: string;
  data: Uint8Array;
}

export interface ZipCodec {
  unzip(archive: Uint8Array): ZipEntry[];
  zip(entries: ZipEntry[]): Uint8Array;
}

/** The helper's bound on one config text. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** How many files go in one `import` request (the protocol's bound). */
const IMPORT_BATCH = 256;
/** Extensions the dialog offers and argv accepts. */
export const IMPORT_EXTENSIONS = ['conf', 'zip'] as const;

export interface ReadDeps {
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
  for (const path of paths) {
    const display = basename(path);
    let data: Uint8Array;
    try {
      data = await deps.readFile(path);
    } catch (error) {
      out.failures.push(failure(display, `${display}: cannot be read: ${(error as Error).message}`));
      continue;
    }
    addFile(out, display, data, deps.zip);
  }
  return out;
}

/** Files whose bytes came with them (archives dropped on the window), read as files from disk are. */
export function readImportData(files: readonly { filename: string; data: Uint8Array }[], zip: ZipCodec): ReadFiles {
  const out: ReadFiles = { files: [], failures: [] };
  for (const file of files) addFile(out, basename(file.filename), file.data, zip);
  return out;
}

function addFile(out: ReadFiles, display: string, data: Uint8Array, zip: ZipCodec): void {
  const extension = extname(display).toLowerCase();
  if (extension === '.zip') {
    let entries: ZipEntry[];
    try {
      entries = zip.unzip(data);
    } catch (error) {
      out.failures.push(failure(display, `${display}: ${(error as Error).message}`));
      return;
    }
    const configs = entries.filter((e) => e.name.endsWith('.conf') && !e.name.startsWith('__MACOSX/') && !basename(e.name).startsWith('._'));
    if (configs.length === 0) out.failures.push(failure(display, `${display}: has no .conf file inside`));
    for (const entry of configs) addText(out, `${display}/${entry.name}`, entry.data);
  } else if (extension === '.conf') {
    addText(out, display, data);
  } else {
    out.failures.push(failure(display, `${display}: not a WireGuard configuration (.conf) or an archive of them (.zip)`));
  }
}

function addText(out: ReadFiles, filename: string, data: Uint8Array): void {
  if (data.byteLength > MAX_CONFIG_BYTES) {
    out.failures.push(failure(filename, `${filename}: larger than ${MAX_CONFIG_BYTES} bytes, not a WireGuard configuration`));
    return;
  }
  try {
    out.files.push({ filename, text: new TextDecoder('utf-8', { fatal: true }).decode(data) });
  } catch {
    out.failures.push(failure(filename, `${filename}: not UTF-8 text`));
  }
}

function failure(filename: string, error: string): ImportOutcome {
  return { filename, ok: false, errors: [error], warnings: [] };
}

/** Sends the files to the helper (in batches the protocol allows); the results in the order of the files. */
export async function importFiles(helper: HelperCalls, files: readonly ImportFile[], failures: readonly ImportOutcome[] = []): Promise<ImportOutcome[]> {
  const results: ImportOutcome[] = [...failures];
  for (let i = 0; i < files.length; i += IMPORT_BATCH) {
    const batch = files.slice(i, i + IMPORT_BATCH).map((f) => ({ filename: f.filename, text: f.text, ...(f.name ? { name: f.name } : {}) }));
    try {
      for (const r of await helper.call('import', { files: batch })) {
        results.push({ filename: r.filename, ok: r.ok, ...(r.name ? { name: r.name } : {}), errors: r.errors, warnings: r.warnings });
      }
    } catch (error) {
      const message = (error as Error).message;
      const details = (error as { details?: string[] }).details ?? [];
      for (const file of batch) results.push({ filename: file.filename, ok: false, errors: [`${file.filename}: ${message}`, ...details], warnings: [] });
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

/** Every stored tunnel as NAME.conf with its private key, zipped. */
export async function exportAllZip(helper: HelperCalls, zip: ZipCodec): Promise<Uint8Array> {
  const tunnels = (await helper.call('list', {})).filter((t) => t.origin === 'store');
  const entries: ZipEntry[] = [];
  const encoder = new TextEncoder();
  try {
    for (const tunnel of tunnels) {
      const { text } = await helper.call('get', { name: tunnel.name, includePrivateKey: true });
      entries.push({ name: `${tunnel.name}.conf`, data: encoder.encode(text) });
    }
    return zip.zip(entries);
  } finally {
    for (const entry of entries) entry.data.fill(0);
  }
}
