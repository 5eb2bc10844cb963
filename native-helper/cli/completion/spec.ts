// What the shells' completion scripts complete, read from the command table (help.ts): the commands people are
// shown, their options and the kind of each option's value, and their operands, so a script can only offer what
// a command takes. The three generators beside this file write it in each shell's language.
import type { Command, WordKind } from '../command.js';

export interface CompletedCommand {
  name: string;
  summary: string;
  options: readonly { name: string; value?: WordKind }[];
  operands: readonly WordKind[];
  variadic: boolean;
}

/** The visible commands and `help`, which dispatch knows rather than the table. */
export function completedCommands(commands: readonly Command[], helpSummary: string): CompletedCommand[] {
  return [
    ...commands
      .filter((command) => !command.hidden)
      .map((command) => ({
        name: command.name,
        summary: command.summary,
        options: command.syntax.options ?? [],
        operands: command.syntax.operands ?? [],
        variadic: command.syntax.variadic === true,
      })),
    { name: 'help', summary: helpSummary, options: [], operands: ['command'], variadic: false },
  ];
}

/** A kind as the scripts spell it: a word list as `words:a,b,c` (its words hold no comma, space or quote). */
export function kindName(kind: WordKind): string {
  return typeof kind === 'string' ? kind : `words:${kind.join(',')}`;
}

/** The options that take a value, as `COMMAND OPTION` → kind. */
export function valuedOptions(commands: readonly CompletedCommand[]): [key: string, kind: string][] {
  return commands.flatMap((command) =>
    command.options.flatMap((option) =>
      option.value === undefined
        ? []
        : [[`${command.name} ${option.name}`, kindName(option.value)] as [string, string]],
    ),
  );
}
