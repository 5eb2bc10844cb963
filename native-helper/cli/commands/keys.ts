// `warren genkey`, `warren genpsk`, `warren pubkey`: byte-for-byte the behaviour of `wg genkey|genpsk|pubkey`,
// so scripts written for wg(8) work unchanged.
import { randomBytes } from 'node:crypto';
import { decodeKey, encodeKey } from '../../../shared/config/keys.js';
import { generatePrivateKey, publicKeyOf } from '../../crypto/keypair.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';

const KEY_BASE64_LENGTH = 44;

function noArguments(name: string, args: string[]): void {
  if (args.length > 0) throw new UsageError(`${name} takes no arguments`);
}

function worldReadableWarning(io: Parameters<Command['run']>[1]): void {
  if (io.stdoutIsWorldReadableFile()) {
    io.stderr('Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n');
  }
}

export const genkey: Command = {
  name: 'genkey',
  summary: 'Print a new private key (base64), as wg genkey',
  help: 'Usage: warren genkey\n\nPrints a new, clamped Curve25519 private key in base64 on standard output.\n',
  async run(args, io) {
    noArguments('genkey', args);
    worldReadableWarning(io);
    io.stdout(encodeKey(generatePrivateKey()) + '\n');
    return EXIT_OK;
  },
};

export const genpsk: Command = {
  name: 'genpsk',
  summary: 'Print a new preshared key (base64), as wg genpsk',
  help: 'Usage: warren genpsk\n\nPrints 32 random bytes in base64 on standard output, for a PresharedKey.\n',
  async run(args, io) {
    noArguments('genpsk', args);
    worldReadableWarning(io);
    io.stdout(encodeKey(randomBytes(32)) + '\n');
    return EXIT_OK;
  },
};

export const pubkey: Command = {
  name: 'pubkey',
  summary: 'Read a private key on stdin, print its public key, as wg pubkey',
  help:
    'Usage: warren pubkey < private.key\n\nReads a base64 private key on standard input and prints its public key.\n' +
    'Exits 1 when the input is not exactly one key (whitespace around it is allowed after it).\n',
  async run(args, io) {
    noArguments('pubkey', args);
    // wg reads exactly 44 characters, then allows only whitespace and NUL bytes: mirror it, bounded.
    const input = await io.readStdin(64 * 1024);
    if (input === null || input.length < KEY_BASE64_LENGTH) {
      io.stderr('warren: Key is not the correct length or format\n');
      return EXIT_FAILURE;
    }
    const trailing = input.subarray(KEY_BASE64_LENGTH);
    if (!trailing.every((b) => b === 0 || b === 0x20 || (b >= 0x09 && b <= 0x0d))) {
      io.stderr('warren: Trailing characters found after key\n');
      return EXIT_FAILURE;
    }
    const key = decodeKey(input.subarray(0, KEY_BASE64_LENGTH).toString('latin1'));
    if (key === null) {
      io.stderr('warren: Key is not the correct length or format\n');
      return EXIT_FAILURE;
    }
    io.stdout(encodeKey(publicKeyOf(key)) + '\n');
    return EXIT_OK;
  },
};
