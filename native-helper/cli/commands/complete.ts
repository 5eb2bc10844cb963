// `warren __complete tunnels`: the names the shells' completion scripts offer (completion/), one a line. Hidden:
// for the scripts, not for people. Whatever goes wrong (no helper, no access) completes nothing, silently.
import { ControlClient } from '../../../shared/ipc/control-client.js';
import { controlSocketPath } from '../../../shared/ipc/socket-path.js';
import { type Command, EXIT_OK, UsageError } from '../command.js';

const WAIT_MS = 2000;

export const complete: Command = {
  name: '__complete',
  summary: 'Tunnel names for the completion scripts',
  help: 'Usage: warren __complete tunnels\n\nPrints the names of the tunnels, one a line, for the shells.\n',
  hidden: true,
  syntax: { operands: [['tunnels']] },
  async run(args, io) {
    if (args.length !== 1 || args[0] !== 'tunnels') throw new UsageError('__complete takes `tunnels`');
    let client: ControlClient | null = null;
    try {
      client = await ControlClient.connect(controlSocketPath());
      const names = await Promise.race([
        client.call('list', {}).then((tunnels) => tunnels.map((t) => t.name)),
        new Promise<string[]>((resolve) => setTimeout(() => resolve([]), WAIT_MS).unref()),
      ]);
      for (const name of names) io.stdout(`${name}\n`);
    } catch {
      // nothing to offer
    } finally {
      client?.close();
    }
    return EXIT_OK;
  },
};
