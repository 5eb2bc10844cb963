// A child process for resolv-conf-netns.test.ts, run inside a test's network namespace by `ip netns exec`, so
// that /etc/resolv.conf here is the namespace's bind-mounted /etc/netns/NS/resolv.conf and the resolv.conf DNS
// method can write the real path. Usage (with test/netns/register-ts.mjs loaded):
//   netns-child.ts up NS BACKUP         brings wt0 up with DNS, prints "up", waits for a line, goes down, prints "down"
//   netns-child.ts hand-over NS BACKUP  the same, but once up hands its DNS to 192.168.50.2 (a captive portal's
//                                       sign-in) and prints "handed over" instead of "up", then waits for a line,
//                                       hands it back and prints "handed back" before it waits for the line that
//                                       takes it down
//   netns-child.ts recover NS BACKUP    recovers DNS after a crash, prints true or false
// It refuses to run (exit 3) unless /etc/resolv.conf is the namespace's own file: a child that somehow ran
// outside the bind mount must not touch the host's DNS.
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createLinuxPlatform } from '../index.js';
import { tunnelConfig } from './tunnel-fixtures.js';

const [mode, namespace, backupPath] = process.argv.slice(2);
const ours = statSync(`/etc/netns/${namespace}/resolv.conf`);
const seen = statSync('/etc/resolv.conf');
if (ours.dev !== seen.dev || ours.ino !== seen.ino) {
  process.stderr.write(`/etc/resolv.conf is not the namespace's; refusing to run\n`);
  process.exit(3);
}

const platform = createLinuxPlatform({ dns: { method: 'resolv.conf', resolvConfFile: { backupPath } } });

if (mode === 'up' || mode === 'hand-over') {
  const config = tunnelConfig(
    'Address = 10.9.0.2/24\nDNS = 10.9.0.1, fd00::53, example.com, corp.example',
    'AllowedIPs = 0.0.0.0/0, 10.20.0.0/16',
  );
  const lines = createInterface({ input: process.stdin });
  const nextLine = () => new Promise<void>((resolve) => lines.once('line', () => resolve()));
  const handle = await platform.tunnels.up('wt0', config);
  // hand-over says only "handed over": the test reads one line a step, and two at once could come in one chunk.
  if (mode === 'up') process.stdout.write('up\n');
  if (mode === 'hand-over') {
    const handBack = await handle.handOverDns(['192.168.50.2']);
    process.stdout.write('handed over\n');
    await nextLine();
    await handBack?.();
    process.stdout.write('handed back\n');
  }
  await nextLine();
  lines.close();
  await handle.down();
  process.stdout.write('down\n');
} else if (mode === 'recover') {
  process.stdout.write(`${await platform.recoverDns()}\n`);
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
