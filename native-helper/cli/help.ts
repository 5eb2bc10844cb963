// The command list and `warren help`: one place that knows every command, so help, dispatch, the completion
// scripts and the man page cannot disagree. Also the exit statuses, as every command returns them.
import { suggest } from '../../shared/config/schema.js';
import { type Command, EXIT_FAILURE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './command.js';
import { check } from './commands/check.js';
import { complete } from './commands/complete.js';
import { completionCommand, manCommand } from './commands/completion.js';
import { create, rename } from './commands/create-rename.js';
import { daemon } from './commands/daemon.js';
import { demo } from './commands/demo.js';
import { down, resume, show, suspend } from './commands/down-show.js';
import { edit } from './commands/edit.js';
import { exportCommand } from './commands/export.js';
import { genkey, genpsk, pubkey } from './commands/keys.js';
import { network, signIn } from './commands/network.js';
import { qr } from './commands/qr.js';
import { service } from './commands/service.js';
import { set } from './commands/set.js';
import { status } from './commands/status.js';
import { deleteCommand, importCommand, list, logs } from './commands/store.js';
import { up } from './commands/up.js';
import { text } from './messages/index.js';
import { packageVersion } from './version.js';

// These two describe the table they are in: they read it when they run.
const completion = completionCommand(() => COMMANDS);
const man = manCommand(() => ({ version: packageVersion(), commands: COMMANDS, exitStatuses: EXIT_STATUSES }));

export const COMMANDS: readonly Command[] = [
  status,
  list,
  up,
  down,
  show,
  importCommand,
  create,
  edit,
  set,
  network,
  signIn,
  rename,
  deleteCommand,
  exportCommand,
  qr,
  logs,
  check,
  genkey,
  genpsk,
  pubkey,
  suspend,
  resume,
  demo,
  daemon,
  service,
  completion,
  man,
  complete,
];

/** The commands people are shown: all but the shells' helper. */
export const VISIBLE_COMMANDS: readonly Command[] = COMMANDS.filter((command) => !command.hidden);

/** Every exit status of `warren`, with what it means (command.ts defines them). */
export const EXIT_STATUSES: readonly (readonly [code: number, meaning: string])[] = [
  [EXIT_OK, text.exitCodes.ok],
  [EXIT_FAILURE, text.exitCodes.failure],
  [EXIT_USAGE, text.exitCodes.usage],
  [EXIT_INTERNAL, text.exitCodes.internal],
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function overview(version: string): string {
  const width = Math.max(...VISIBLE_COMMANDS.map((c) => c.name.length), 'help'.length);
  const lines = VISIBLE_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  lines.push(`  ${'help'.padEnd(width)}  ${text.help.summary}`);
  const statuses = EXIT_STATUSES.map(([code, meaning]) => `  ${String(code).padEnd(width)}  ${meaning}`);
  return (
    `${text.overview.title(version)}\n\n` +
    `${text.overview.usage}\n\n` +
    `${text.overview.commands}\n` +
    lines.join('\n') +
    `\n\n${text.overview.exitStatus}\n` +
    statuses.join('\n') +
    '\n'
  );
}

/** The closest command name for "did you mean", or undefined when nothing is close. */
export function suggestCommand(name: string): string | undefined {
  return suggest(
    name,
    VISIBLE_COMMANDS.map((command) => command.name),
  );
}
