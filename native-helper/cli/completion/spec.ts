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
function valuedOptions(commands: readonly CompletedCommand[]): [key: string, kind: string][] {
  return commands.flatMap((command) =>
    command.options.flatMap((option) =>
      option.value === undefined
        ? []
        : [[`${command.name} ${option.name}`, kindName(option.value)] as [string, string]],
    ),
  );
}

/**
 * The three lookups bash and zsh share, as shell functions: `_warren_option_kind COMMAND OPTION` (the kind of an
 * option's value; fails for an option without one), `_warren_options COMMAND` and `_warren_operands COMMAND`
 * (operand kinds, `...` last for a variadic command). `say` is the shell's way to print a word list (`echo`,
 * `print -r --`).
 */
export function lookupFunctions(commands: readonly CompletedCommand[], say: string): string {
  const line = (key: string, value: string) => `    ${key}) ${say} '${value}' ;;`;
  const optionKinds = valuedOptions(commands).map(([key, kind]) => line(`'${key}'`, kind));
  const options = commands
    .filter((c) => c.options.length > 0)
    .map((c) => line(c.name, c.options.map((o) => o.name).join(' ')));
  const operands = commands
    .filter((c) => c.operands.length > 0)
    .map((c) => line(c.name, [...c.operands.map(kindName), ...(c.variadic ? ['...'] : [])].join(' ')));
  return `_warren_option_kind() {
  case "$1 $2" in
${optionKinds.join('\n')}
    *) return 1 ;;
  esac
}

_warren_options() {
  case $1 in
${options.join('\n')}
  esac
}

_warren_operands() {
  case $1 in
${operands.join('\n')}
  esac
}`;
}
