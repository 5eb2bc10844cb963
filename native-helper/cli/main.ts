// Entry point of the `warren` process (bin/warren.js imports the compiled form of this file).
import { processIo } from './process-io.js';
import { runCli } from './run.js';
import { packageVersion } from './version.js';

let code: number;
try {
  code = await runCli(process.argv.slice(2), processIo, packageVersion());
} catch (error) {
  // A bug, not a user error: say so plainly, with the stack for the report.
  process.stderr.write(`warren: internal error: ${(error as Error).stack ?? String(error)}\n`);
  code = 70;
}
// A command is over when it returns: timers or sockets a step left behind (an interrupted demo's) must not keep
// the process alive. stdout and stderr are synchronous for files and pipes on Linux, so nothing is lost.
process.exit(code);
