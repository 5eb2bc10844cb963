// A private bus with the fake logind on it, in a process of its own (run with test/netns/register-ts.mjs), for
// tests whose vitest worker must not hold a usocket connection. Prints `bus ADDRESS`, then obeys stdin lines:
// `sleep` and `wake` send PrepareForSleep(true / false), `locks` prints `locks N`, `stop` ends it.
import { createInterface } from 'node:readline';
import { FakeLogind, startPrivateBus } from '../../native-helper/platform/linux/testing/fake-logind.js';

const bus = await startPrivateBus();
const logind = await FakeLogind.start(bus.address);
process.stdout.write(`bus ${bus.address}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'sleep') logind.prepareForSleep(true);
  else if (line === 'wake') logind.prepareForSleep(false);
  else if (line === 'locks') process.stdout.write(`locks ${logind.locks.length}\n`);
  else if (line === 'stop') break;
}
await logind.stop();
await bus.stop();
process.exit(0);
