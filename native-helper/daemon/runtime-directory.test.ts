// The runtime directory on real files: created 0755 whatever the umask, corrected when ours, refused otherwise.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareRuntimeDirectory } from './runtime-directory.js';

let root: string;
const me = process.geteuid!();
const modeOf = (path: string) => lstatSync(path).mode & 0o7777;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'warren-runtime-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('prepareRuntimeDirectory', () => {
  it('creates it 0755 under a umask of 077, as `sudo warren daemon` may run', () => {
    const previous = process.umask(0o077);
    try {
      prepareRuntimeDirectory(join(root, 'run', 'warren'));
    } finally {
      process.umask(previous);
    }
    expect(modeOf(join(root, 'run', 'warren'))).toBe(0o755);
    expect(modeOf(join(root, 'run'))).toBe(0o755);
  });

  it('corrects a directory of its own with another mode (an older helper made it 0700)', () => {
    const path = join(root, 'warren');
    mkdirSync(path, { mode: 0o700 });
    chmodSync(path, 0o700);
    prepareRuntimeDirectory(path);
    expect(modeOf(path)).toBe(0o755);
    chmodSync(path, 0o777);
    prepareRuntimeDirectory(path);
    expect(modeOf(path)).toBe(0o755);
  });

  it('refuses a directory someone else owns, saying how to fix it, and leaves it as it is', () => {
    const path = join(root, 'warren');
    mkdirSync(path, { mode: 0o777 });
    chmodSync(path, 0o777);
    // As a helper running as uid me + 1 would find a directory of uid me.
    expect(() => prepareRuntimeDirectory(path, me + 1)).toThrow(
      `owned by uid ${me}, not uid ${me + 1}, so its owner could replace`,
    );
    expect(modeOf(path)).toBe(0o777);
  });

  it('refuses a symlink or a file where the directory should be', () => {
    const target = join(root, 'elsewhere');
    mkdirSync(target);
    symlinkSync(target, join(root, 'link'));
    expect(() => prepareRuntimeDirectory(join(root, 'link'))).toThrow(/not a directory/);
    writeFileSync(join(root, 'file'), '');
    expect(() => prepareRuntimeDirectory(join(root, 'file'))).toThrow(/EEXIST|not a directory/);
  });
});
