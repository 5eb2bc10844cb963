// What a command that changes the network says when it lacks the rights to.
import type { CliIo } from './command.js';
import { text } from './messages/index.js';

export function requireRoot(io: CliIo, what: string): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() === 0) return true;
  io.stderr(`${text.general.prefix}${text.general.needsRoot(what)}\n`);
  return false;
}
