import { describe, expect, it } from 'vitest';
import { UndoStack } from './undo-stack.js';

describe('UndoStack', () => {
  it('undoes newest first, goes on past failures and reports them oldest first', async () => {
    const stack = new UndoStack();
    const done: string[] = [];
    stack.push(async () => void done.push('a'));
    stack.push(null);
    stack.push(async () => {
      done.push('b');
      throw new Error('b failed');
    });
    stack.push(async () => {
      done.push('c');
      throw new Error('c failed');
    });
    const errors = await stack.unwind();
    expect(done).toEqual(['c', 'b', 'a']);
    expect(errors.map((e) => e.message)).toEqual(['c failed', 'b failed']);
    expect(stack.size).toBe(0);
    expect(await stack.unwind()).toEqual([]);
  });

  it('rollBack returns the original error, or an AggregateError leading with it when undoing failed too', async () => {
    const clean = new UndoStack();
    clean.push(async () => {});
    const original = new Error('step failed');
    expect(await clean.rollBack(original)).toBe(original);

    const dirty = new UndoStack();
    dirty.push(async () => {
      throw new Error('undo failed');
    });
    const error = await dirty.rollBack(original);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors[0]).toBe(original);
    expect(error.message).toBe('step failed (undoing what was done also failed: undo failed)');
  });

  it('asUndo rejects naming every failure', async () => {
    const stack = new UndoStack();
    stack.push(async () => {
      throw new Error('one');
    });
    stack.push(async () => {
      throw new Error('two');
    });
    await expect(stack.asUndo('the thing')()).rejects.toThrow('undoing the thing: 2 steps failed: two; one');
  });
});
