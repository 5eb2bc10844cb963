/*
 * How the files of one import are split into `import` requests, for every client (Electron's main process and
 * `warren import`): at most MAX_IMPORT_FILES files a request (the protocol's bound on `import.files`) and at most
 * MAX_CONTROL_MESSAGE_BYTES once encoded. The helper drops a connection that sends a longer line, so a request is
 * measured before it is sent, never after: each file by the UTF-8 bytes of its JSON (escapes included, so text
 * full of control characters counts six bytes a character), which is never less than what the framer counts.
 * A file too large for a request of its own is set apart, in its place, and never sent.
 */
import { Buffer } from 'node:buffer';
import { MAX_CONTROL_MESSAGE_BYTES } from './control.js';

/** Files in one `import` request: the bound in control.ts (METHODS.import), checked against it by the tests. */
export const MAX_IMPORT_FILES = 256;
/** Room for the request around its files: {"v":1,"id":N,"method":"import","params":{"files":[...]}} and the newline. */
const ENVELOPE_BYTES = 1024;
/** What the files of one request may take, as JSON, with a comma between each two. */
export const MAX_IMPORT_REQUEST_FILE_BYTES = MAX_CONTROL_MESSAGE_BYTES - ENVELOPE_BYTES;

export interface ImportBatch<F> {
  files: F[];
  /** False for a file alone that no request can carry: it gets an error of its own (tooLargeToSend). */
  sendable: boolean;
}

/** The files in requests, in their order: sending the sendable batches one after another keeps the results in order. */
export function importBatches<F>(files: readonly F[]): ImportBatch<F>[] {
  const batches: ImportBatch<F>[] = [];
  let current: F[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length > 0) batches.push({ files: current, sendable: true });
    current = [];
    bytes = 0;
  };
  for (const file of files) {
    const size = encodedSize(file);
    if (size > MAX_IMPORT_REQUEST_FILE_BYTES) {
      flush();
      batches.push({ files: [file], sendable: false });
      continue;
    }
    if (current.length === MAX_IMPORT_FILES || bytes + 1 + size > MAX_IMPORT_REQUEST_FILE_BYTES) flush();
    bytes += (current.length > 0 ? 1 : 0) + size;
    current.push(file);
  }
  flush();
  return batches;
}

/** The error for a file set apart by importBatches. */
export function tooLargeToSend(filename: string): string {
  return `${filename}: too large to send to the Warren helper (more than ${MAX_IMPORT_REQUEST_FILE_BYTES} bytes once encoded), not a WireGuard configuration`;
}

function encodedSize(file: unknown): number {
  return Buffer.byteLength(JSON.stringify(file), 'utf8');
}
