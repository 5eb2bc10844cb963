// What a command that changes the network says when it lacks the rights to.
import type { CliIo } from './command.js';

export function requireRoot(io: CliIo, what: string): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() === 0) return true;
  io.stderr(
    `warren: ${what} needs root: it creates a network interface and changes routes and DNS. Run it with sudo.\n`,
  );
  return false;
}
