import { describe, expect, it } from 'vitest';
import { BashHookRunner, DEFAULT_HOOK_TIMEOUT_MS, HOOK_OUTPUT_LIMIT_BYTES, expandHook } from './hooks.js';
import { type CommandRunner, type RunOptions, createCommandRunner } from './run-command.js';

function recordingRunner(calls: { argv: readonly string[]; options?: RunOptions }[]): CommandRunner {
  return {
    run: async (argv, options) => {
      calls.push({ argv, options });
      return { stdout: '', stderr: '' };
    },
    which: async () => null,
  };
}

describe('BashHookRunner', () => {
  it('runs the hook by bash with %i replaced', async () => {
    const calls: { argv: readonly string[]; options?: RunOptions }[] = [];
    await new BashHookRunner(recordingRunner(calls)).run('PostUp', 'ip link set %i up; echo %i', 'wg0');
    expect(calls[0]!.argv).toEqual(['bash', '-c', 'ip link set wg0 up; echo wg0']);
    expect(expandHook('%i%i', 'a-b')).toBe('a-ba-b');
  });

  it('bounds every hook by DEFAULT_HOOK_TIMEOUT_MS and its output, also when the platform passes no timeout', async () => {
    const calls: { argv: readonly string[]; options?: RunOptions }[] = [];
    // createLinuxPlatform passes options.hookTimeoutMs, undefined unless a test sets it.
    await new BashHookRunner(recordingRunner(calls), undefined).run('PreUp', 'true', 'wg0');
    expect(calls[0]!.options).toEqual({
      timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
      outputLimitBytes: HOOK_OUTPUT_LIMIT_BYTES,
    });
    expect(DEFAULT_HOOK_TIMEOUT_MS).toBeGreaterThan(0);
  });

  it('fails the phase when a hook runs out of time, naming the phase', async () => {
    const hooks = new BashHookRunner(createCommandRunner(), 200);
    const started = Date.now();
    await expect(hooks.run('PreDown', 'sleep 600 & sleep 600', 'wg0')).rejects.toThrow(
      /^PreDown hook `bash -c .*` timed out after 200 ms$/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a name that a command in the hook would read as an option', async () => {
    const calls: { argv: readonly string[]; options?: RunOptions }[] = [];
    await expect(
      new BashHookRunner(recordingRunner(calls)).run('PreUp', 'ip link set %i up', '-fwmark'),
    ).rejects.toThrow('invalid interface name');
    expect(calls).toEqual([]);
  });
});
