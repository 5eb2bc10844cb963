/*
 * Running a command as root the desktop way: `pkexec PROGRAM ARGS...` asks polkit, whose agent shows the
 * password dialog, and runs PROGRAM as root once an administrator is authenticated. What main runs through it
 * (installing the helper service, allowing a tunnel's scripts) takes the runner as a parameter, so main's logic
 * is tested under Node with a stand-in; the dialog itself cannot run there.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** null when it did not exit by itself (killed). */
  code: number | null;
  stderr: string;
}

/** Runs argv to its end; rejects when it cannot be started (ENOENT: no such program, say no pkexec). */
export type RunCommand = (argv: readonly string[]) => Promise<ProcessResult>;

/** pkexec's own exit codes (pkexec(1)): the dialog was dismissed; not authorized, or authentication failed. */
export const PKEXEC_DISMISSED = 126;
export const PKEXEC_NOT_AUTHORIZED = 127;

/** The RunCommand main uses: argv without a shell, stderr kept (bounded) for the message. */
export function runToEnd(argv: readonly string[]): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 16_384) stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}
