import { describe, expect, it } from 'vitest';
import { runToEnd } from './pkexec.js';

describe('runToEnd', () => {
  it('runs a command to its end with its exit code and stderr, and rejects when it cannot start', async () => {
    expect(await runToEnd(['sh', '-c', 'echo oops >&2; exit 3'])).toEqual({ code: 3, stderr: 'oops\n' });
    await expect(runToEnd(['/nonexistent/pkexec'])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
