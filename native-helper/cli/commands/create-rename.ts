// `warren create NAME [FILE]` and `warren rename OLD NEW`: a new stored tunnel with a key pair the helper makes
// (the private key never passes through here), and a new name for one, as the app's window does them.
import { MAX_CONFIG_BYTES } from '../../../shared/config/index.js';
import { tunnelName } from '../../../shared/ipc/control.js';
import { type Command, EXIT_FAILURE, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { readBounded } from '../read-bounded.js';
import { notRunning, withHelper } from '../with-helper.js';
import { describeReadError } from './check.js';

const isName = (name: string | undefined): name is string => name !== undefined && tunnelName.safeParse(name).success;

export const create: Command = {
  name: 'create',
  summary: text.create.summary,
  help: text.create.help,
  syntax: { operands: ['text', 'file'] },
  async run(args, io) {
    const [name, file, ...rest] = args;
    if (!isName(name) || rest.length > 0 || (file !== undefined && file !== '-' && file.startsWith('-')))
      throw new UsageError(text.create.usage);
    let config: string | undefined;
    if (file !== undefined) {
      let bytes: Buffer | null;
      try {
        bytes = file === '-' ? await io.readStdin(MAX_CONFIG_BYTES) : await readBounded(file, MAX_CONFIG_BYTES);
      } catch (error) {
        io.stderr(`${text.general.cannotRead(file, describeReadError(error))}\n`);
        return EXIT_FAILURE;
      }
      if (bytes === null || bytes.length > MAX_CONFIG_BYTES) {
        io.stderr(`${text.general.largerThanConfig(file, MAX_CONFIG_BYTES)}\n`);
        return EXIT_FAILURE;
      }
      config = bytes.toString('utf8');
    }
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const created = await client.call('create', config === undefined ? { name } : { name, text: config });
        io.stdout(`${text.create.created(created.name)}\n${text.create.publicKey(created.publicKey)}\n`);
        io.stderr(`${text.create.next(created.name)}\n`);
      },
    );
  },
};

export const rename: Command = {
  name: 'rename',
  summary: text.rename.summary,
  help: text.rename.help,
  syntax: { operands: ['tunnel', 'text'] },
  async run(args, io) {
    const [from, to, ...rest] = args;
    if (!isName(from) || !isName(to) || rest.length > 0) throw new UsageError(text.rename.usage);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const result = await client.call('rename', { name: from, newName: to });
        io.stdout(`${text.rename.renamed(from, result.name)}\n`);
      },
    );
  },
};
