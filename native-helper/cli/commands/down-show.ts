// `warren down NAME`, `warren show [NAME]`, `warren suspend`, `warren resume`: requests to this namespace's helper.
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { formatShow } from '../format-show.js';
import { withHelper } from '../with-helper.js';

const NO_HELPER = 'no Warren helper runs in this network namespace (no tunnel is up)';

function noHelper(io: CliIo): number {
  io.stderr(`warren: ${NO_HELPER}\n`);
  return EXIT_FAILURE;
}

export const down: Command = {
  name: 'down',
  summary: 'Take a tunnel down: keys wiped, routes and DNS restored',
  help: 'Usage: warren down NAME\n\nTakes the tunnel NAME down: keys cleared, routes, rules and DNS restored, interface gone.\n',
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || rest.length > 0 || name.startsWith('-'))
      throw new UsageError('down takes exactly one NAME');
    return withHelper(
      io,
      () => noHelper(io),
      async (client) => {
        await client.call('down', { name });
        io.stdout(`${name} is down\n`);
      },
    );
  },
};

export const show: Command = {
  name: 'show',
  summary: 'Show tunnels, peers, handshakes and transfer, as wg show',
  help: 'Usage: warren show [NAME]\n\nPrints what `wg show` prints for every Warren tunnel in this namespace, or for NAME.\n',
  async run(args, io) {
    const [name, ...rest] = args;
    if (rest.length > 0 || name?.startsWith('-')) throw new UsageError('show takes at most one NAME');
    // With no helper there is no tunnel: like `wg show` with no interfaces, nothing to print.
    const absent = () => (name === undefined ? EXIT_OK : noHelper(io));
    return withHelper(io, absent, async (client) => {
      const tunnels = await client.call('show', name === undefined ? {} : { name });
      io.stdout(formatShow(tunnels, Date.now()));
    });
  },
};

function powerCommand(name: 'suspend' | 'resume', summary: string, help: string): Command {
  return {
    name,
    summary,
    help,
    async run(args, io) {
      if (args.length > 0) throw new UsageError(`${name} takes no arguments`);
      // Nothing is up: nothing to drop or bring back.
      return withHelper(
        io,
        () => EXIT_OK,
        async (client) => {
          const result = await client.call(name, {});
          io.stdout(`${name}: ${result.tunnels} tunnel(s)\n`);
        },
      );
    },
  };
}

export const suspend = powerCommand(
  'suspend',
  'Drop every session key before sleep, as the kernel does',
  "Usage: warren suspend\n\nDrops every handshake and session key of every tunnel (the kernel's suspend behaviour).\n",
);
export const resume = powerCommand(
  'resume',
  'Handshake again after wake',
  'Usage: warren resume\n\nAfter wake: every peer that was in use handshakes again at once.\n',
);
