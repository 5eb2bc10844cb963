/*
 * polkit's own reading of an installed policy, in a throwaway root: a system bus and polkitd are started inside
 * the root's namespaces (its /run is private, so they are not the machine's), then
 *   - pkaction says what polkitd made of the action: its message, its implicit answers, its annotations;
 *   - pkexec is run on a path, as an ordinary user, with no authentication agent: polkitd's debug log says which
 *     action pkexec asked about for that path and what the answer was ("challenge": a password would be asked),
 *     and pkexec gives up there, so nothing runs and no password is involved.
 * Without a login session (no logind here) the user counts as neither active nor inactive: the answer is the
 * action's allow_any.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ThrowawayRoot } from './throwaway-root.js';

const POLKITD = '/usr/lib/polkit-1/polkitd';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

export const canRunPolkit = (): boolean =>
  existsSync(POLKITD) && ['dbus-daemon', 'pkaction', 'pkexec', 'runuser'].every(has);

export interface PolkitReading {
  /** `pkaction --action-id ID --verbose`, or '' when polkitd does not know the action. */
  action: string;
  /** The action pkexec asked polkitd about for the path, and polkitd's answer ("challenge (implicit_authorization = auth_admin)"). */
  pkexecAction: string | null;
  pkexecAnswer: string | null;
  /** What pkexec printed (it stops for want of an agent). */
  pkexecOutput: string;
  /** pkexec's output and polkitd's log, for an assertion's message when a reading is missing. */
  transcript: string;
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** What polkitd makes of `actionId`, and which action pkexec uses to run `path` for `user`. */
export function readPolkit(
  root: ThrowawayRoot,
  options: { actionId: string; path: string; user: string },
): PolkitReading {
  const result = root.run(
    [
      'mkdir -p /run/dbus',
      'dbus-daemon --system --fork >/dev/null || { echo "no system bus" >&2; exit 90; }',
      `G_MESSAGES_DEBUG=all ${POLKITD} >/run/polkitd.log 2>&1 &`,
      'i=0',
      'until pkaction --action-id org.freedesktop.policykit.exec >/dev/null 2>&1; do',
      '  i=$((i + 1)); [ $i -le 100 ] || { echo "polkitd did not start" >&2; cat /run/polkitd.log >&2; exit 91; }; sleep 0.1',
      'done',
      `pkaction --action-id ${quote(options.actionId)} --verbose 2>/dev/null`,
      'echo "--- pkexec"',
      `runuser -u ${quote(options.user)} -- pkexec --disable-internal-agent ${quote(options.path)} --version 2>&1`,
      // pkexec has its answer; polkitd may not have written its lines about it yet (a loaded machine): wait for
      // the answer's line, 15 s at most.
      'i=0; until grep -qE ": +(challenge|authorized|not authorized)" /run/polkitd.log; do i=$((i + 1)); [ $i -le 150 ] || break; sleep 0.1; done',
      'echo "--- polkitd"',
      'cat /run/polkitd.log',
    ].join('\n'),
    { ownProcesses: true },
  );
  if (result.status !== 0) throw new Error(`polkit in the throwaway root failed (${result.status}): ${result.stderr}`);
  const [action, rest] = result.stdout.split('--- pkexec\n');
  const [pkexecOutput, log] = rest?.split('--- polkitd\n') ?? [];
  // The script echoes both markers; without them its output is not what this reads.
  if (action === undefined || pkexecOutput === undefined || log === undefined)
    throw new Error(`polkit in the throwaway root printed no section markers: ${result.stdout}`);
  return {
    action,
    pkexecAction: /is inquiring whether unix-process:\S+ is authorized for (\S+)/.exec(log)?.[1] ?? null,
    pkexecAnswer:
      /^\*\* \(polkitd:\d+\): DEBUG: [\d:.]+:\s+((?:challenge|authorized|not authorized)\b.*)$/m
        .exec(log)?.[1]!
        .trim() ?? null,
    pkexecOutput,
    transcript: `pkexec:\n${pkexecOutput}\npolkitd:\n${log}`,
  };
}
