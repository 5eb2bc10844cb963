import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CommandError, OUTPUT_LIMIT_BYTES, createCommandRunner, formatCommand } from './run-command.js';

describe('createCommandRunner', () => {
  const runner = createCommandRunner();

  it('resolves with stdout and feeds stdin', async () => {
    expect((await runner.run(['cat'], { stdin: 'hello\n' })).stdout).toBe('hello\n');
    expect((await runner.run(['sh', '-c', 'echo "$LC_ALL"'])).stdout).toBe('C\n');
  });

  it('rejects with an error that names the command and carries its stderr', async () => {
    const error: unknown = await runner
      .run(['sh', '-c', 'echo "RTNETLINK answers: File exists" >&2; exit 2'])
      .catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.message).toBe(
      '`sh -c \'echo "RTNETLINK answers: File exists" >&2; exit 2\'` failed with exit code 2: RTNETLINK answers: File exists',
    );
    expect(failure.exitCode).toBe(2);
    expect(failure.stderr).toBe('RTNETLINK answers: File exists\n');
    expect(failure.argv).toEqual(['sh', '-c', 'echo "RTNETLINK answers: File exists" >&2; exit 2']);
  });

  it('says when a command does not exist or takes too long', async () => {
    await expect(runner.run(['warren-no-such-command', '-x'])).rejects.toThrow(
      '`warren-no-such-command -x` could not be run: command not found',
    );
    await expect(runner.run(['sleep', '5'], { timeoutMs: 100 })).rejects.toThrow('`sleep 5` timed out after 100 ms');
  });

  it('runs behind a prefix, which messages leave out', async () => {
    const prefixed = createCommandRunner({ prefix: ['env', 'WARREN_TEST=inside'] });
    expect((await prefixed.run(['sh', '-c', 'echo $WARREN_TEST'])).stdout).toBe('inside\n');
    await expect(prefixed.run(['false'])).rejects.toThrow(/^`false` failed with exit code 1$/);
  });

  it('quotes only what a shell would need quoted', () => {
    expect(formatCommand(['ip', '-4', 'route', 'add', '10.0.0.0/8', 'dev', 'wg0'])).toBe(
      'ip -4 route add 10.0.0.0/8 dev wg0',
    );
    expect(formatCommand(['bash', '-c', "echo 'hi' there"])).toBe(`bash -c 'echo '\\''hi'\\'' there'`);
  });
});

describe('which', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-which-'));
    await writeFile(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(dir, 'plain'), '', { mode: 0o644 });
    await mkdir(join(dir, 'folder'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds executables on the PATH the commands get, and nothing else', async () => {
    const runner = createCommandRunner({ env: { PATH: `/nonexistent:${dir}` } });
    expect(await runner.which('tool')).toBe(join(dir, 'tool'));
    expect(await runner.which('plain')).toBeNull();
    expect(await runner.which('folder')).toBeNull();
    expect(await runner.which('sh')).toBeNull();
  });
});

/** Processes in process group pgid that have not exited (a zombie waits only for its reaper: it is gone). */
function liveMembers(pgid: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^[0-9]+$/.test(entry)) return [];
    try {
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z' ? [Number(entry)] : [];
    } catch {
      return []; // exited while we looked
    }
  });
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('a command that does not end by itself', () => {
  const runner = createCommandRunner();
  let dir: string;
  const leftovers: number[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-run-'));
  });
  afterEach(async () => {
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(dir, { recursive: true, force: true });
  });
  const pidIn = async (name: string) => Number((await readFile(join(dir, name), 'utf8')).trim());

  it('is killed on timeout with everything it started (its process group)', async () => {
    const script = `echo $$ > ${dir}/leader; sleep 600 & echo $! > ${dir}/child; sleep 600`;
    const started = Date.now();
    const error: unknown = await runner.run(['bash', '-c', script], { timeoutMs: 300 }).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toMatch(/timed out after 300 ms$/);
    const leader = await pidIn('leader');
    const child = await pidIn('child');
    leftovers.push(child);
    expect(leader).toBeGreaterThan(0);
    // Its own group: not ours.
    expect(leader).not.toBe(process.pid);
    expect(await waitFor(() => liveMembers(leader).length === 0, 1000)).toBe(true);
  });

  it('does not keep the caller waiting for a background child that holds its output open', async () => {
    const started = Date.now();
    const output = await runner.run(['sh', '-c', `sleep 30 & echo $! > ${dir}/child; echo started`], {
      timeoutMs: 5000,
    });
    leftovers.push(await pidIn('child'));
    expect(output.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(2000);
    // A hook may start a daemon: what outlives the command is left alone.
    expect(() => process.kill(leftovers[0]!, 0)).not.toThrow();
  });
});

describe('output', () => {
  const runner = createCommandRunner();
  const fiftyMb = 50 * 1024 * 1024;

  it('keeps the first OUTPUT_LIMIT_BYTES of stdout and counts the rest', async () => {
    const { stdout } = await runner.run(['head', '-c', String(fiftyMb), '/dev/zero']);
    const note = `\n[${fiftyMb - OUTPUT_LIMIT_BYTES} bytes more]`;
    expect(stdout.length).toBe(OUTPUT_LIMIT_BYTES + note.length);
    expect(stdout.endsWith(note)).toBe(true);
  });

  it('bounds stderr on a failure too, and takes a smaller bound when asked', async () => {
    const error: unknown = await runner
      .run(['sh', '-c', `head -c ${fiftyMb} /dev/zero | tr '\\0' x >&2; exit 3`], { outputLimitBytes: 64 * 1024 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.exitCode).toBe(3);
    expect(failure.stderr).toBe(`${'x'.repeat(64 * 1024)}\n[${fiftyMb - 64 * 1024} bytes more]`);
    expect(failure.message.length).toBeLessThan(2200);
  });
});
