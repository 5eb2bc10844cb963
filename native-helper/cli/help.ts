// The command list and `warren help`: one place that knows every command, so help and dispatch cannot disagree.
import { suggest } from '../../shared/config/schema.js';
import type { Command } from './command.js';
import { check } from './commands/check.js';
import { daemon } from './commands/daemon.js';
import { demo } from './commands/demo.js';
import { down, resume, show, suspend } from './commands/down-show.js';
import { genkey, genpsk, pubkey } from './commands/keys.js';
import { deleteCommand, importCommand, list, logs } from './commands/store.js';
import { service } from './commands/service.js';
import { set } from './commands/set.js';
import { up } from './commands/up.js';

export const COMMANDS: readonly Command[] = [
  list,
  up,
  down,
  show,
  importCommand,
  set,
  deleteCommand,
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
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function overview(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 'help'.length);
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  lines.push(`  ${'help'.padEnd(width)}  Show help for a command: warren help COMMAND`);
  return (
    `Warren ${version}: a WireGuard client.\n\n` +
    'Usage: warren COMMAND [ARGUMENTS]\n' +
    '       warren --help | --version\n\n' +
    'Commands:\n' +
    lines.join('\n') +
    '\n'
  );
}

/** The closest command name for "did you mean", or undefined when nothing is close. */
export function suggestCommand(name: string): string | undefined {
  return suggest(
    name,
    COMMANDS.map((command) => command.name),
  );
}
