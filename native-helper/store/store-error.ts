// What the store reports: a StoreError for a refused or failed operation (its code and details map one to one
// onto the control protocol's error), a StoreProblem for a file found on disk that could not be used.

/** 'config' carries the FILE:LINE: message lines in `details`. Stable, for programs. */
export type StoreErrorCode = 'config' | 'exists' | 'not-found' | 'invalid-name' | 'limit' | 'unsafe-directory';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly details: string[] | undefined;

  constructor(code: StoreErrorCode, message: string, details?: string[]) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    this.details = details;
  }
}

/**
 * A file in the store's directory that was skipped: unreadable, too large, not a config, an invalid name, or a
 * corrupt state file. It stays on disk as it is. `message` holds FILE:LINE: lines for a config that fails to
 * parse; like every store message it never contains key material the store put there (the parser's messages
 * quote at most 60 characters of a malformed line).
 */
export interface StoreProblem {
  /** Absolute path of the file. */
  file: string;
  message: string;
}

export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** An I/O error in words, without the stack: `ENOENT: no such file or directory, open '...'`. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
