// One request to this network namespace's helper, as every command that talks to it makes it: a helper that is
// not running, a user it refuses, and a request it fails are each reported in the helper's own words.
import { ControlCallError, type ControlClient } from '../../shared/ipc/control-client.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, type ExitCode } from './command.js';
import { connectHelper } from './helper-connection.js';
import { text } from './messages/index.js';

/** For the commands about stored tunnels, which only a running helper (the service) has. */
export function notRunning(io: CliIo): ExitCode {
  io.stderr(`${text.general.prefix}${text.general.notRunning}\n`);
  return EXIT_FAILURE;
}

/** For the commands about running tunnels: without a helper, none is up. */
export function noHelper(io: CliIo): ExitCode {
  io.stderr(`${text.general.prefix}${text.general.noHelperHere}\n`);
  return EXIT_FAILURE;
}

/**
 * Runs `request` against this namespace's helper and returns its exit status (EXIT_OK when it returns none).
 * `absent` decides the status when no helper runs (and says so its own way).
 */
export async function withHelper(
  io: CliIo,
  absent: () => ExitCode,
  request: (client: ControlClient) => Promise<ExitCode | void>,
): Promise<ExitCode> {
  let client: ControlClient | null;
  try {
    client = await connectHelper();
  } catch (error) {
    // EACCES on the socket file: a 'forbidden' error that says how to get access.
    reportFailure(io, error);
    return EXIT_FAILURE;
  }
  if (!client) return absent();
  try {
    return (await request(client)) ?? EXIT_OK;
  } catch (error) {
    reportFailure(io, error);
    return EXIT_FAILURE;
  } finally {
    client.close();
  }
}

export function reportFailure(io: { stderr(text: string): void }, error: unknown): void {
  if (error instanceof ControlCallError) {
    io.stderr(`${text.general.prefix}${error.message}\n`);
    for (const line of error.details) io.stderr(`${line}\n`);
  } else {
    io.stderr(`${text.general.prefix}${(error as Error).message}\n`);
  }
}

/** An error line of this command: `warren: MESSAGE`. */
export function complain(io: CliIo, message: string): ExitCode {
  io.stderr(`${text.general.prefix}${message}\n`);
  return EXIT_FAILURE;
}
