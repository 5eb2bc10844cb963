/*
 * `warren edit NAME`: a stored tunnel's text in the user's editor, as crontab -e and visudo edit theirs. The text
 * comes from the helper with its private key hidden (`PrivateKey = (hidden)`, which the helper's `update` takes
 * back as "keep the key"), so the key never reaches the terminal, the editor or its swap files. It lives in a
 * private temporary folder (0700, the file 0600) while the editor runs; when the editor closes it is judged as
 * the app's editor judges it (the parser, with a stand-in for the hidden key) and saved only without errors.
 * With errors, or when the helper refuses the text, they are shown and the user is asked whether to edit again;
 * declining keeps the text in its file for another try and saves nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CONFIG_BYTES, formatDiagnostics, parseConfig, withStandInKey } from '../../../shared/config/index.js';
import { ControlCallError, type ControlClient } from '../../../shared/ipc/control-client.js';
import { tunnelName } from '../../../shared/ipc/control.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, type ExitCode, UsageError } from '../command.js';
import { type EditorSession, TerminalEditorSession } from '../editor.js';
import { text } from '../messages/index.js';
import { readBounded } from '../read-bounded.js';
import { readRefusal } from '../tunnel-access.js';
import { complain, notRunning, reportFailure, withHelper } from '../with-helper.js';

/** The command, with the terminal passed in (tests script the editor and the answers). */
export function editCommand(session: () => EditorSession = () => new TerminalEditorSession()): Command {
  return {
    name: 'edit',
    summary: text.edit.summary,
    help: text.edit.help,
    syntax: { operands: ['tunnel'] },
    async run(args, io) {
      const [name, ...rest] = args;
      if (name === undefined || rest.length > 0 || !tunnelName.safeParse(name).success)
        throw new UsageError(text.edit.oneName);
      return withHelper(
        io,
        () => notRunning(io),
        async (client) => {
          const terminal = session();
          try {
            return await editTunnel(client, name, io, terminal);
          } finally {
            terminal.close();
          }
        },
      );
    },
  };
}

async function editTunnel(client: ControlClient, name: string, io: CliIo, terminal: EditorSession): Promise<ExitCode> {
  const refusal = readRefusal(await client.call('list', {}), name, text.edit.verb);
  if (refusal !== null) return complain(io, refusal);
  const { text: original } = await client.call('get', { name });
  const folder = mkdtempSync(join(tmpdir(), 'warren-edit-'));
  const file = join(folder, `${name}.conf`);
  writeFileSync(file, original, { mode: 0o600 });
  let keep = false;
  try {
    for (;;) {
      const edited = await terminal.edit(file);
      if (!edited.ok) return complain(io, `${edited.message}; ${text.edit.notSaved}`);
      const bytes = await readBounded(file, MAX_CONFIG_BYTES);
      const next = bytes.toString('utf8');
      if (next === original) {
        io.stdout(`${text.edit.unchanged(name)}\n`);
        return EXIT_OK;
      }
      const errors = findings(name, next, bytes.length);
      if (errors.length === 0) {
        try {
          const result = await client.call('update', { name, text: next });
          for (const warning of result.warnings) io.stderr(`${warning}\n`);
          io.stdout(`${text.edit.saved(name)}\n`);
          return EXIT_OK;
        } catch (error) {
          // The helper's judgement (scripts an administrator allowed, a name in use, ...): as the parser's.
          if (!(error instanceof ControlCallError)) throw error;
          reportFailure(io, error);
        }
      } else {
        for (const line of errors) io.stderr(`${line}\n`);
      }
      if (!(await terminal.confirm(text.edit.againQuestion))) {
        keep = true;
        io.stderr(`${text.general.prefix}${text.edit.kept(file)}\n`);
        return EXIT_FAILURE;
      }
    }
  } finally {
    if (!keep) rmSync(folder, { recursive: true, force: true });
  }
}

/** The errors of the edited text as FILE:LINE: message lines (at most 50 and a count), none when it is valid. */
function findings(name: string, next: string, size: number): string[] {
  const shown = `${name}.conf`;
  if (size > MAX_CONFIG_BYTES)
    return formatDiagnostics(shown, [
      { severity: 'error', line: 1, message: text.general.largerThan(MAX_CONFIG_BYTES) },
    ]);
  const parsed = parseConfig(withStandInKey(next));
  return parsed.ok ? [] : formatDiagnostics(shown, parsed.errors);
}

export const edit = editCommand();
