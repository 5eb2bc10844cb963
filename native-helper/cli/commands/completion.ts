// `warren completion bash|zsh|fish` and `warren man`: the shells' completion scripts and the manual page, made
// from the command table they describe (given as a function: the table is help.ts's, which lists these too).
import { type Command, EXIT_OK, UsageError } from '../command.js';
import { bashCompletion } from '../completion/bash.js';
import { fishCompletion } from '../completion/fish.js';
import { completedCommands } from '../completion/spec.js';
import { zshCompletion } from '../completion/zsh.js';
import { type ManPageSource, manPage } from '../man-page.js';
import { text } from '../messages/index.js';

export const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: text.completion.summary,
    help: text.completion.help,
    syntax: { operands: [Object.keys(SHELLS)] },
    async run(args, io) {
      const [shell, ...rest] = args;
      if (shell === undefined || rest.length > 0) throw new UsageError(text.completion.oneShell);
      if (!Object.hasOwn(SHELLS, shell)) throw new UsageError(text.completion.unknownShell(shell));
      const generate = SHELLS[shell as keyof typeof SHELLS];
      io.stdout(generate(completedCommands(commands(), text.help.summary)));
      return EXIT_OK;
    },
  };
}

export function manCommand(source: () => ManPageSource): Command {
  return {
    name: 'man',
    summary: text.man.summary,
    help: text.man.help,
    syntax: {},
    async run(args, io) {
      if (args.length > 0) throw new UsageError(text.man.noArguments);
      io.stdout(manPage(source()));
      return EXIT_OK;
    },
  };
}
