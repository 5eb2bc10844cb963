// `warren down NAME`, `warren show [NAME]`, `warren suspend`, `warren resume`: requests to this namespace's helper.
import { type Command, EXIT_OK, UsageError } from '../command.js';
import { formatShow } from '../format-show.js';
import { printJson, showJson } from '../json-output.js';
import { text } from '../messages/index.js';
import { noHelper, withHelper } from '../with-helper.js';

export const down: Command = {
  name: 'down',
  summary: text.down.summary,
  help: text.down.help,
  syntax: { operands: ['tunnel'] },
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || rest.length > 0 || name.startsWith('-')) throw new UsageError(text.down.oneName);
    return withHelper(
      io,
      () => noHelper(io),
      async (client) => {
        await client.call('down', { name });
        io.stdout(`${text.down.isDown(name)}\n`);
      },
    );
  },
};

export const show: Command = {
  name: 'show',
  summary: text.show.summary,
  help: text.show.help,
  syntax: { options: [{ name: '--json' }], operands: ['tunnel'] },
  async run(args, io) {
    const json = args.includes('--json');
    const [name, ...rest] = args.filter((arg) => arg !== '--json');
    if (name?.startsWith('-')) throw new UsageError(text.general.unknownOption(name));
    if (rest.length > 0) throw new UsageError(text.general.unexpectedArgument(rest[0]!));
    const print = (tunnels: Parameters<typeof formatShow>[0]) =>
      io.stdout(json ? printJson(showJson(tunnels)) : formatShow(tunnels, Date.now()));
    // With no helper there is no tunnel: like `wg show` with no interfaces, nothing to print.
    const absent = () => {
      if (name !== undefined) return noHelper(io);
      print([]);
      return EXIT_OK;
    };
    return withHelper(io, absent, async (client) => {
      print(await client.call('show', name === undefined ? {} : { name }));
    });
  },
};

function powerCommand(name: 'suspend' | 'resume', summary: string, help: string): Command {
  return {
    name,
    summary,
    help,
    syntax: {},
    async run(args, io) {
      if (args.length > 0) throw new UsageError(text.power.noArguments(name));
      // Nothing is up: nothing to drop or bring back.
      return withHelper(
        io,
        () => EXIT_OK,
        async (client) => {
          const result = await client.call(name, {});
          io.stdout(`${text.power.done(name, result.tunnels)}\n`);
        },
      );
    },
  };
}

export const suspend = powerCommand('suspend', text.power.suspendSummary, text.power.suspendHelp);
export const resume = powerCommand('resume', text.power.resumeSummary, text.power.resumeHelp);
