// The `warren` binary as a user runs it (compiled by `npm install`/`npm run build`), against the real wg(8):
// key tools agree with `wg` byte for byte, `warren check` judges the fixture corpus on the right lines, long
// output reaches a slow reader whole, and the manual and completion scripts load in man, bash, zsh and fish.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('long output through a pipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-pipe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reaches a reader that starts late, whole, with the exit status (no loss at exit)', async () => {
    // 60 errors a file, reported as 50 and a count: 51 lines for each of 1000 names, 2.5 MB, far more than a pipe
    // holds; then a valid file's line for each of 1000 more. Through a real pipe(2) (a socket, as spawn's pipes
    // are, takes writes differently), whose reader sleeps, then reads.
    const bad = join(dir, 'bad.conf');
    const good = join(dir, 'good.conf');
    writeFileSync(bad, `[Interface]\nPrivateKey = ${'A'.repeat(43)}=\n${'x\n'.repeat(60)}`);
    writeFileSync(good, `[Interface]\nPrivateKey = ${'A'.repeat(43)}=\n`);
    const status = join(dir, 'status');
    // warren is done in about a second: the reader starts after it would have exited, had it not waited.
    const script = `{ "$@" 2>&1; echo $? > '${status}'; } | { sleep 4; cat; }`;
    const argv = [
      process.execPath,
      WARREN,
      'check',
      ...Array<string>(1000).fill(bad),
      ...Array<string>(1000).fill(good),
    ];
    const output = await new Promise<string>((resolve) => {
      let text = '';
      const child = spawn('bash', ['--norc', '-c', script, 'bash', ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      child.on('close', () => resolve(text));
    });
    expect(readFileSync(status, 'utf8')).toBe('1\n');
    const lines = output.split('\n');
    expect(lines.filter((line) => line.startsWith(`${bad}:`))).toHaveLength(1000 * 51);
    expect(lines.filter((line) => line === `${bad}: 10 more errors; is it a WireGuard configuration?`)).toHaveLength(
      1000,
    );
    expect(lines.filter((line) => line.startsWith(`${good}: ok`))).toHaveLength(1000);
  }, 60_000);

  it('stops quietly when the reader goes away (EPIPE), with the status of the command', () => {
    const result = spawnSync(
      'sh',
      ['-c', `"$0" "$1" check $(yes "$2" | head -3000) | head -1`, process.execPath, WARREN, join(dir, 'good.conf')],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(result.stdout).toMatch(new RegExp(`^${join(dir, 'good.conf')}: ok, 0 peers.*\n$`));
    expect(result.stderr).not.toMatch(/EPIPE|internal error/);
  });
});

describe('the manual and the completion scripts', () => {
  const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'warren-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** `warren` on PATH, as the scripts call it. */
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'warren'), `#!/bin/sh\nexec "${process.execPath}" "${WARREN}" "$@"\n`, { mode: 0o755 });
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };

  it.skipIf(!has('man'))('renders with man -l, without a warning, every command in it', () => {
    const page = join(dir, 'warren.1');
    writeFileSync(page, warren(['man']).stdout);
    const result = spawnSync('man', ['--warnings', '-l', page], {
      encoding: 'utf8',
      env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '100', LANG: 'C.UTF-8' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const heading of ['NAME', 'SYNOPSIS', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT'])
      expect(result.stdout).toMatch(new RegExp(`^${heading}$`, 'm'));
    for (const command of ['status', 'export', 'qr', 'edit', 'completion'])
      expect(result.stdout).toMatch(new RegExp(`^ {3}${command}$`, 'm'));
    expect(result.stdout).toContain('warren set NAME [--autostart on|off]');
  });

  it('loads the bash script, which completes a command, and the zsh and fish scripts, in their shells', () => {
    const bash = spawnSync(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        'source <(warren completion bash); COMP_WORDS=(warren qr ""); COMP_WORDS=(warren q); COMP_CWORD=1; _warren; echo "${COMPREPLY[*]}"; complete -p warren',
      ],
      { encoding: 'utf8', env },
    );
    expect(bash.stderr).toBe('');
    expect(bash.stdout).toBe('qr\ncomplete -F _warren warren\n');
    const zsh = spawnSync(
      'zsh',
      [
        '-f',
        '-c',
        'autoload -U compinit && compinit -u -D && source <(warren completion zsh) && print -r -- $_comps[warren]',
      ],
      { encoding: 'utf8', env },
    );
    expect(zsh.stderr).toBe('');
    expect(zsh.stdout).toBe('_warren\n');
    const fish = spawnSync('fish', ['--no-config', '-c', 'warren completion fish | source; complete -C "warren exp"'], {
      encoding: 'utf8',
      env,
    });
    expect(fish.stderr).toBe('');
    expect(fish.stdout).toMatch(/^export\tExport stored tunnels/);
  });
});
