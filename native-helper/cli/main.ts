// Entry point of the `warren` process (bin/warren.js imports the compiled form of this file).
import { EXIT_FAILURE, EXIT_INTERNAL } from './command.js';
import { text } from './messages/index.js';
import { createProcessIo } from './process-io.js';
import { runCli } from './run.js';
import { packageVersion } from './version.js';

const io = createProcessIo();
let code: number;
try {
  code = await runCli(process.argv.slice(2), io, packageVersion());
} catch (error) {
  // A bug, not a user error: say so plainly, with the stack for the report.
  io.stderr(`${text.general.prefix}${text.general.internalError((error as Error).stack ?? String(error))}\n`);
  code = EXIT_INTERNAL;
}
// Everything written reaches its reader before the process ends (process-io.ts).
await io.flushOutput();
const failedOutput = io.outputError();
if (failedOutput !== null) {
  io.stderr(`${text.general.prefix}${text.general.cannotWriteOutput(failedOutput.message)}\n`);
  await io.flushOutput();
  if (code === 0) code = EXIT_FAILURE;
}
// A command is over when it returns: timers or sockets a step left behind (an interrupted demo's) must not keep
// the process alive.
process.exit(code);
