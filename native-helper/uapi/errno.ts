// The errno values a UAPI reply carries (`errno=N`), as wireguard-go answers them: negated, as kernel calls
// return them. wg(8) negates the number back and prints strerror of it ("Address already in use").
export const UAPI_OK = 0;
export const EIO = -5;
export const EINVAL = -22;
export const EPROTO = -71;
export const EADDRINUSE = -98;

/** A failed set: the reply's errno and, for the helper's log, why. */
export class UapiError extends Error {
  readonly errno: number;

  constructor(errno: number, message: string) {
    super(message);
    this.errno = errno;
  }
}
