// System errors as Node reports its own: `code` is the errno name, `errno` the negative number, `syscall` the
// call. The addon throws these; the doubles and the JS side make the same shape here.
import { constants } from 'node:os';

/** Linux errnos that Node's table lacks but a TUN or socket can return. */
const EXTRA_ERRNOS: Record<string, number> = { EBADFD: 77 };

export interface ErrnoError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

export function isErrnoError(error: unknown, code?: string): error is ErrnoError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ErrnoError>).code === 'string' &&
    typeof (error as Partial<ErrnoError>).syscall === 'string' &&
    (code === undefined || (error as ErrnoError).code === code)
  );
}

export function errnoError(code: string, syscall: string, detail?: string): ErrnoError {
  const number = (constants.errno as Record<string, number>)[code] ?? EXTRA_ERRNOS[code] ?? 0;
  const suffix = detail === undefined ? '' : ` (${detail})`;
  const error = new Error(`${syscall} ${code}${suffix}`) as ErrnoError;
  error.code = code;
  error.errno = -number;
  error.syscall = syscall;
  return error;
}
