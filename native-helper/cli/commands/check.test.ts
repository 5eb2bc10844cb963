import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from '../../../shared/config/index.js';
import { runCli } from '../run.js';
import { memoryIo } from '../testing/memory-io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-cli-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('warren check, of files that are not configs', () => {
  it('reports a 10 GB file, /dev/zero and too much standard input as larger than the bound, at line 1', async () => {
    const huge = join(dir, 'huge.conf');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 10 * 1024 ** 3);
    closeSync(fd);
    const io = memoryIo({ stdin: null });
    expect(await runCli(['check', huge, '/dev/zero', '-'], io, 'v')).toBe(1);
    expect(io.err).toBe(
      `${huge}:1: larger than ${MAX_CONFIG_BYTES} bytes\n/dev/zero:1: larger than ${MAX_CONFIG_BYTES} bytes\n<stdin>:1: larger than ${MAX_CONFIG_BYTES} bytes\n`,
    );
  });

  it('refuses a FIFO and a directory at once, without waiting for a writer', async () => {
    const fifo = join(dir, 'pipe.conf');
    execFileSync('mkfifo', [fifo]);
    const io = memoryIo();
    expect(await runCli(['check', fifo, dir], io, 'v')).toBe(1);
    expect(io.err).toBe(
      `${fifo}: cannot read: is a FIFO (a pipe), not a regular file\n${dir}: cannot read: is a directory, not a regular file\n`,
    );
  });
});
