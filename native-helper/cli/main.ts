// Entry point of the `warren` process (bin/warren.js imports the compiled form of this file).
import { processIo } from './process-io.js';
import { runCli } from './run.js';
import { packageVersion } from './version.js';

try {
  process.exitCode = await runCli(process.argv.slice(2), processIo, packageVersion());
} catch (error) {
  // A bug, not a user error: say so plainly, with the stack for the report.
  process.stderr.write(`warren: internal error: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 70;
}
