// A helper that crashes with its kill switch on, for kill-switch-netns.test.ts: run inside a test's network
// namespace by `ip netns exec`, it puts a kill switch on for the link it is given, prints "applied", and waits to
// be killed (SIGKILL), so nothing of its own takes the kill switch back.
//   kill-switch-child.ts LINK
import { createLinuxPlatform } from '../index.js';

const link = process.argv[2];
if (link === undefined) throw new Error('usage: kill-switch-child.ts LINK');
await createLinuxPlatform().killSwitch.apply(link, {
  fwmark: 51820,
  endpoints: [],
  allowLan: false,
  allowBridges: false,
  dnsServers: [],
});
process.stdout.write('applied\n');
setInterval(() => {}, 60_000);
