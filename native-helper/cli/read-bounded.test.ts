import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotAFileError, readBounded } from './read-bounded.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-read-bounded-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readBounded', () => {
  it('reads a file up to the limit whole, and one byte more of a larger one', async () => {
    writeFileSync(join(dir, 'small'), 'hello');
    expect((await readBounded(join(dir, 'small'), 5)).toString()).toBe('hello');
    writeFileSync(join(dir, 'large'), 'x'.repeat(100));
    expect(await readBounded(join(dir, 'large'), 10)).toHaveLength(11);
  });

  it('reads limit + 1 bytes of a 10 GB (sparse) file and of /dev/zero, not all of them', async () => {
    const fd = openSync(join(dir, 'huge'), 'w');
    ftruncateSync(fd, 10 * 1024 ** 3);
    closeSync(fd);
    expect(await readBounded(join(dir, 'huge'), 1000)).toHaveLength(1001);
    expect(await readBounded('/dev/zero', 1000)).toHaveLength(1001);
  });

  it('refuses a FIFO at once instead of waiting for a writer (open() of one would block)', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe.conf')]);
    const read = readBounded(join(dir, 'pipe.conf'), 1000);
    await expect(read).rejects.toThrow(NotAFileError);
    await expect(read).rejects.toThrow('is a FIFO (a pipe), not a regular file');
  });

  it('refuses a directory, and passes on what open() says of a missing file', async () => {
    await expect(readBounded(dir, 1000)).rejects.toThrow('is a directory, not a regular file');
    await expect(readBounded(join(dir, 'absent'), 1000)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
