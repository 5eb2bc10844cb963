// The `warren` binary as a user runs it (compiled by `npm install`/`npm run build`), against the real wg(8):
// key tools agree with `wg` byte for byte, and `warren check` judges the fixture corpus on the right lines.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../shared/config/index.js';
import { load, mismatches } from '../fixtures/conf/corpus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WARREN = fileURLToPath(new URL('../../bin/warren.js', import.meta.url));

function run(command: string, args: string[], input = '') {
  const result = spawnSync(command, args, { input, encoding: 'utf8', cwd: ROOT, timeout: 15_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const warren = (args: string[], input?: string) => run(process.execPath, [WARREN, ...args], input);
const wg = (args: string[], input?: string) => run('wg', args, input);

describe('warren key tools agree with wg', () => {
  it('computes the same public key as `wg pubkey` for keys from either tool', () => {
    for (let i = 0; i < 12; i++) {
      const fromWg = wg(['genkey']).stdout;
      const fromWarren = warren(['genkey']).stdout;
      expect(fromWarren).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
      for (const key of [fromWg, fromWarren]) {
        const ours = warren(['pubkey'], key);
        expect(ours.status).toBe(0);
        expect(ours.stdout).toBe(wg(['pubkey'], key).stdout);
      }
    }
  });

  it('accepts and refuses the same pubkey inputs as wg, with exit 1 for the refused', () => {
    const key = wg(['genkey']).stdout.trim();
    const last = key[42];
    const nonCanonical = key.slice(0, 42) + String.fromCharCode(last!.charCodeAt(0) + 1) + '=';
    const inputs = [
      key,
      `${key}\n`,
      `${key}  \n\n`,
      `${key}\0`,
      ` ${key}`,
      `${key}x`,
      key.slice(0, 43),
      `${key.slice(0, 43)}A`,
      nonCanonical,
      `${key}\n${key}`,
      '',
      '\n',
      `${'A'.repeat(43)}=`,
      `${'*'.repeat(43)}=`,
    ];
    for (const input of inputs) {
      const theirs = wg(['pubkey'], input);
      const ours = warren(['pubkey'], input);
      expect(ours.status, JSON.stringify(input)).toBe(theirs.status);
      expect(ours.stdout, JSON.stringify(input)).toBe(theirs.stdout);
    }
  });

  it('genpsk prints 32 random bytes that wg accepts as a key', () => {
    const psk = warren(['genpsk']).stdout;
    expect(Buffer.from(psk.trim(), 'base64')).toHaveLength(32);
    expect(wg(['pubkey'], psk).status).toBe(0);
  });
});

describe('warren check on the fixture corpus', () => {
  const parseDiagnostics = (path: string, stderr: string, severity: 'error' | 'warning'): Diagnostic[] => {
    const found: Diagnostic[] = [];
    for (const line of stderr.split('\n')) {
      if (!line.startsWith(`${path}:`)) continue;
      const m = /^:(\d+): (warning: )?(.*)$/.exec(line.slice(path.length));
      if (m && (m[2] ? 'warning' : 'error') === severity) found.push({ severity, line: Number(m[1]), message: m[3]! });
    }
    return found;
  };

  it('exits 0 for every valid file, printing exactly the declared warnings at their lines', () => {
    const valid = load('valid');
    const result = warren(['check', ...valid.map((f) => f.path)]);
    expect(result.status, result.stderr).toBe(0);
    for (const fixture of valid) {
      expect(result.stdout).toContain(`${fixture.path}: ok`);
      expect(
        mismatches(fixture.warnings, parseDiagnostics(fixture.path, result.stderr, 'warning')),
        fixture.name,
      ).toEqual([]);
    }
  });

  it('exits 1 for each invalid file, with exactly its expected errors as FILE:LINE: message', () => {
    for (const fixture of load('invalid')) {
      const result = warren(['check', fixture.path]);
      expect(result.status, fixture.name).toBe(1);
      expect(result.stdout).toBe('');
      expect(mismatches(fixture.errors, parseDiagnostics(fixture.path, result.stderr, 'error')), fixture.name).toEqual(
        [],
      );
    }
  });

  it('exits 1 when any of several files is invalid, 1 for a missing file, 2 without files', () => {
    const [good] = load('valid');
    const [bad] = load('invalid');
    expect(warren(['check', good!.path, bad!.path]).status).toBe(1);
    const missing = warren(['check', '/nonexistent/wg0.conf']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('/nonexistent/wg0.conf: cannot read: no such file');
    expect(warren(['check']).status).toBe(2);
  });

  it('reads standard input for `-` and reports a huge input at line 1 without reading it all', () => {
    const [good] = load('valid');
    const fromStdin = warren(['check', '-'], good!.text);
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toContain('<stdin>: ok');
    const huge = warren(['check', '/dev/zero']);
    expect(huge.status).toBe(1);
    expect(huge.stderr).toMatch(/^\/dev\/zero:1: /m);
  });

  it('runs as `npx warren` from the repository root', () => {
    const result = run('npx', ['--no-install', 'warren', '--version']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^warren \d+\.\d+\.\d+\n$/);
  });
});
