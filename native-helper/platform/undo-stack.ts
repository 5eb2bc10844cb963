// The changes a multi-step operation made, newest last, so a failure (or a later `down`) can take them back in
// reverse. Unwinding never stops at a failed undo: one stuck route must not leave the DNS changed.
import type { Undo } from './types.js';

export class UndoStack {
  #undos: Undo[] = [];

  /** Records a change; null (nothing was changed) is ignored. */
  push(undo: Undo | null): void {
    if (undo !== null) this.#undos.push(undo);
  }

  get size(): number {
    return this.#undos.length;
  }

  /** Undoes everything, newest first, and empties the stack; resolves with the errors, oldest failure first. */
  async unwind(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.#undos.length > 0) {
      const undo = this.#undos.pop() as Undo;
      try {
        await undo();
      } catch (error) {
        errors.push(asError(error));
      }
    }
    return errors;
  }

  /** The whole stack as one Undo that rejects with every failure. */
  asUndo(what: string): Undo {
    return async () => {
      const errors = await this.unwind();
      if (errors.length > 0) throw combinedError(`undoing ${what}`, errors);
    };
  }

  /** For a failed operation: unwinds, and returns the error to throw, which is `error` itself unless undoing
   *  failed too; then it is an AggregateError that leads with `error`. */
  async rollBack(error: unknown): Promise<Error> {
    const first = asError(error);
    const errors = await this.unwind();
    if (errors.length === 0) return first;
    const detail = errors.map((e) => e.message).join('; ');
    return new AggregateError([first, ...errors], `${first.message} (undoing what was done also failed: ${detail})`);
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** One error naming all of `errors`, or the error itself when there is one. */
export function combinedError(what: string, errors: Error[]): Error {
  if (errors.length === 1) return errors[0]!;
  return new AggregateError(
    errors,
    `${what}: ${errors.length} steps failed: ${errors.map((e) => e.message).join('; ')}`,
  );
}
