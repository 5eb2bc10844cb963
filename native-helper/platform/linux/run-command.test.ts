import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, createCommandRunner, formatCommand } from './run-command.js';

describe('createCommandRunner', () => {
  const runner = createCommandRunner();

  it('resolves with stdout and feeds stdin', async () => {
    expect((await runner.run(['cat'], { stdin: 'hello\n' })).stdout).toBe('hello\n');
    expect((await runner.run(['sh', '-c', 'echo "$LC_ALL"'])).stdout).toBe('C\n');
  });

  it('rejects with an error that names the command and carries its stderr', async () => {
    const error: unknown = await runner.run(['sh', '-c', 'echo "RTNETLINK answers: File exists" >&2; exit 2']).catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.message).toBe("`sh -c 'echo \"RTNETLINK answers: File exists\" >&2; exit 2'` failed with exit code 2: RTNETLINK answers: File exists");
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
    expect(formatCommand(['ip', '-4', 'route', 'add', '10.0.0.0/8', 'dev', 'wg0'])).toBe('ip -4 route add 10.0.0.0/8 dev wg0');
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
