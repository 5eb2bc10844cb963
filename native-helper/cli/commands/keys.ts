// `warren genkey`, `warren genpsk`, `warren pubkey`: byte-for-byte the behaviour of `wg genkey|genpsk|pubkey`,
// so scripts written for wg(8) work unchanged.
import { randomBytes } from 'node:crypto';
import { decodeKey, encodeKey } from '../../../shared/config/keys.js';
import { generatePrivateKey, publicKeyOf } from '../../crypto/keypair.js';
import { type CliIo, type Command, EXIT_OK, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { complain } from '../with-helper.js';

const KEY_BASE64_LENGTH = 44;

function noArguments(name: string, args: string[]): void {
  if (args.length > 0) throw new UsageError(text.keys.noArguments(name));
}

function worldReadableWarning(io: CliIo): void {
  if (io.stdoutIsWorldReadableFile()) {
    io.stderr(`${text.keys.worldReadable}\n`);
  }
}

export const genkey: Command = {
  name: 'genkey',
  summary: text.keys.genkeySummary,
  help: text.keys.genkeyHelp,
  syntax: {},
  async run(args, io) {
    noArguments('genkey', args);
    worldReadableWarning(io);
    io.stdout(encodeKey(generatePrivateKey()) + '\n');
    return EXIT_OK;
  },
};

export const genpsk: Command = {
  name: 'genpsk',
  summary: text.keys.genpskSummary,
  help: text.keys.genpskHelp,
  syntax: {},
  async run(args, io) {
    noArguments('genpsk', args);
    worldReadableWarning(io);
    io.stdout(encodeKey(randomBytes(32)) + '\n');
    return EXIT_OK;
  },
};

export const pubkey: Command = {
  name: 'pubkey',
  summary: text.keys.pubkeySummary,
  help: text.keys.pubkeyHelp,
  syntax: {},
  async run(args, io) {
    noArguments('pubkey', args);
    // wg reads exactly 44 characters, then allows only whitespace and NUL bytes: mirror it, bounded.
    const input = await io.readStdin(64 * 1024);
    if (input === null || input.length < KEY_BASE64_LENGTH) {
      return complain(io, text.keys.badKey);
    }
    const trailing = input.subarray(KEY_BASE64_LENGTH);
    if (!trailing.every((b) => b === 0 || b === 0x20 || (b >= 0x09 && b <= 0x0d))) {
      return complain(io, text.keys.trailing);
    }
    const key = decodeKey(input.subarray(0, KEY_BASE64_LENGTH).toString('latin1'));
    if (key === null) {
      return complain(io, text.keys.badKey);
    }
    io.stdout(encodeKey(publicKeyOf(key)) + '\n');
    return EXIT_OK;
  },
};
