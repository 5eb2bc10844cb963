// Ad hoc, as root: packets per second JS receives from a TUN, with and without offloads. Not a test.
//   node --import ./test/netns/register-ts.mjs test/bench/tun-throughput.ts
// A sender in the same namespace blasts UDP through the device with UDP GSO; the reader counts
// packets in JS batches. Without offloads every packet is a read(); with them the kernel hands the TUN 64 KiB
// UDP GSO super-packets (USO) that the addon splits in C.
import { Child } from '../netns/child.js';
import { Namespaces, canUseNetns, ip } from '../netns/namespace.js';

if (!canUseNetns) {
  console.error('needs root, /dev/net/tun and iproute2');
  process.exit(1);
}

const SECONDS = 3;
const namespaces = new Namespaces();
const children: Child[] = [];

async function run(label: string, offload: boolean, gso: boolean, size: number): Promise<void> {
  const ns = namespaces.create();
  const sink = new Child(ns, 'tun-sink.ts', { name: 'wbench', offload });
  children.push(sink);
  await sink.next('open');
  ip('-n', ns, 'addr', 'add', '10.126.0.1', 'peer', '10.126.0.2', 'dev', 'wbench');
  ip('-n', ns, 'link', 'set', 'wbench', 'up');
  const blast = new Child(ns, 'udp-blast.ts', { to: '10.126.0.2:9', size, gso, seconds: SECONDS + 1.5 });
  children.push(blast);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  sink.send({ cmd: 'mark' });
  await sink.next('mark');
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  sink.send({ cmd: 'report' });
  const report = await sink.next('report');
  await blast.next('done', 10000);
  sink.send({ cmd: 'close' });
  await sink.exited();
  const { packetsPerSecond, megabitsPerSecond, packetsPerBatch, native } = report as Record<string, unknown>;
  const n = native as { reads: number; packets: number; gsoFrames: number };
  console.log(
    `${label.padEnd(44)} ${String(packetsPerSecond).padStart(9)} packets/s ${String(megabitsPerSecond).padStart(6)} Mbit/s` +
      `  ${packetsPerBatch} packets/batch, ${(n.packets / Math.max(1, n.reads)).toFixed(1)} packets/read`,
  );
}

try {
  // The sender always uses UDP GSO, so it is cheap; for the plain TUN the kernel segments before the device.
  await run('plain TUN, 100-byte UDP datagrams', false, true, 100);
  await run('plain TUN, 1300-byte UDP datagrams', false, true, 1300);
  await run('vnet TUN (USO), 100-byte UDP datagrams', true, true, 100);
  await run('vnet TUN (USO), 1300-byte UDP datagrams', true, true, 1300);
} finally {
  for (const child of children) child.kill();
  namespaces.destroy();
}
