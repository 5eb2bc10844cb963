// `warren qr NAME`: a stored tunnel, private key included, as a QR code in the terminal for WireGuard's mobile
// apps to import (qr-text.ts draws it). Only who may read the tunnel may show it: its owner or an administrator.
import { tunnelName } from '../../../shared/ipc/control.js';
import { type Command, EXIT_OK, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { QR_MAX_BYTES, halfBlocks, qrMatrix } from '../qr-text.js';
import { readRefusal } from '../tunnel-access.js';
import { complain, notRunning, withHelper } from '../with-helper.js';

/** The command, with the environment passed in (NO_COLOR). */
export function qrCommand(env: NodeJS.ProcessEnv = process.env): Command {
  return {
    name: 'qr',
    summary: text.qr.summary,
    help: text.qr.help,
    syntax: { operands: ['tunnel'] },
    async run(args, io) {
      const [name, ...rest] = args;
      if (name === undefined || rest.length > 0 || !tunnelName.safeParse(name).success)
        throw new UsageError(text.qr.oneName);
      return withHelper(
        io,
        () => notRunning(io),
        async (client) => {
          const refusal = readRefusal(await client.call('list', {}), name, text.qr.verb);
          if (refusal !== null) return complain(io, refusal);
          const { text: config } = await client.call('get', { name, includePrivateKey: true });
          const matrix = qrMatrix(config);
          if (matrix === null) return complain(io, text.qr.tooLong(name, Buffer.byteLength(config), QR_MAX_BYTES));
          const colours = io.stdoutIsTerminal() && !env.NO_COLOR;
          io.stdout(halfBlocks(matrix, colours));
          io.stderr(`${text.qr.caption(name)}\n`);
          return EXIT_OK;
        },
      );
    },
  };
}

export const qr = qrCommand();
