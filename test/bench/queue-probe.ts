/*
 * Where packets wait under load (as root): ping RTT next to the queues on the path and the CPU A's engine got.
 *   node --import ./test/netns/register-ts.mjs test/bench/queue-probe.ts [--pairs go-go,warren-go,warren-warren]
 *        [--seconds N] [--reverse] [--rounds N] [--idle-pings N] [--warren-entry FILE] [--helper-node-args "ARGS"]
 * A pair may name another copy of the build to run Warren from, `warren-go@DIR` (DIR/bin/warren.js, laid out as
 * snapshot.ts makes it), so that variants alternate within one run: the way to compare a change on a busy host.
 *
 * For each pair (alternating over rounds): idle ping, then iperf3 TCP A -> B (B -> A with --reverse) with ping
 * A -> B alongside, and every 50 ms each engine's UDP socket receive queue (ss Recv-Q: the kernel's accounting,
 * about 1.6x the payload for unsegmented datagrams) and, over the transfer, its receive-buffer drops. Over it too, A's busiest threads from
 * /proc/PID/task/TID/schedstat: % of the time on a CPU and % runnable but waiting for one (a queue builds while
 * the thread that drains it waits), and A's RSS at the end. Not a test, like run.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Engine,
  type EngineKind,
  type EngineSpec,
  type KeyPair,
  generateKeys,
  sideSpec,
  startEngine,
} from './engines.js';
import { iperfTcp, loadAverage, memory, ping, startIperfServer, udpDrops, waitForTunnel } from './measure.js';
import { fmt, median, percentile, table } from './report.js';
import { snapshotWarren } from './snapshot.js';
import { TUNNEL_B, Topology, sleep } from './topology.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const value = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const SECONDS = Number(value('--seconds') ?? 5);
const ROUNDS = Number(value('--rounds') ?? 1);
const REVERSE = argv.includes('--reverse');
const IDLE_PINGS = Number(value('--idle-pings') ?? 20);
/** Node flags for Warren's helper (then started here, detached, before `warren up`), e.g. V8 heap sizes. */
const HELPER_NODE_ARGS = value('--helper-node-args')
  ?.split(' ')
  .filter((arg) => arg !== '');
const PAIRS = (value('--pairs') ?? 'go-go,warren-go,warren-warren').split(',');
const KINDS: Record<string, [EngineKind, EngineKind]> = {
  'go-go': ['wireguard-go', 'wireguard-go'],
  'warren-go': ['warren', 'wireguard-go'],
  'warren-warren': ['warren', 'warren'],
};

async function recvQ(topology: Topology, ns: string, port: number): Promise<number> {
  const { stdout } = await topology.exec(ns, ['ss', '-uanH', 'sport', `= :${port}`]);
  let most = 0;
  for (const line of stdout.trim().split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length > 2) most = Math.max(most, Number(fields[1]) || 0);
  }
  return most;
}

/** Per thread of pid: [ns on a CPU, ns runnable but waiting for one] (/proc/.../schedstat). */
function schedstat(pid: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      // A field schedstat lacks is NaN, which the report prints as unknown.
      out.set(`${comm}#${tid}`, [run ?? NaN, wait ?? NaN]);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The busiest threads over the window: "comm run%/wait%". */
function schedDelta(
  before: Map<string, [number, number]>,
  after: Map<string, [number, number]>,
  seconds: number,
): string {
  const rows: [string, number, number][] = [];
  for (const [key, [run, wait]] of after) {
    const [run0, wait0] = before.get(key) ?? [0, 0];
    rows.push([key.split('#')[0]!, (run - run0) / 1e7 / seconds, (wait - wait0) / 1e7 / seconds]);
  }
  return rows
    .sort((x, y) => y[1] - x[1])
    .slice(0, 3)
    .map(([c, r, w]) => `${c} ${r.toFixed(0)}/${w.toFixed(0)}`)
    .join(', ');
}

async function main(): Promise<void> {
  const topology = new Topology();
  topology.cleanupOnSignals();
  const entry = value('--warren-entry')
    ? resolve(value('--warren-entry')!)
    : snapshotWarren(ROOT, join(topology.dir, 'warren'));
  topology.create();
  await startIperfServer(topology);
  const keys: [KeyPair, KeyPair] = [await generateKeys(), await generateKeys()];
  const tag = process.pid % 100000;
  const side = (kind: EngineKind, which: 0 | 1): EngineSpec =>
    sideSpec(
      topology,
      kind,
      which === 0 ? 'a' : 'b',
      `wq${tag}${which === 0 ? 'a' : 'b'}`,
      keys[which],
      keys[which === 0 ? 1 : 0],
    );
  const rows: string[][] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of PAIRS) {
        // pair@DIR: Warren from another copy of the build (DIR/bin/warren.js), to compare variants in one run.
        const [kindName = '', variant] = pair.split('@');
        const kinds = KINDS[kindName];
        if (kinds === undefined)
          throw new Error(`--pairs: unknown pair ${kindName} (known: ${Object.keys(KINDS).join(', ')})`);
        const [kindA, kindB] = kinds;
        const warren = {
          entry: variant ? join(resolve(variant), 'bin/warren.js') : entry,
          ...(HELPER_NODE_ARGS ? { daemonNodeArgs: HELPER_NODE_ARGS } : {}),
        };
        const engines: Engine[] = [];
        try {
          engines.push(await startEngine(topology, side(kindB, 1), warren));
          const engineA = await startEngine(topology, side(kindA, 0), warren);
          engines.push(engineA);
          await waitForTunnel(topology, TUNNEL_B);
          const idle = await ping(topology, TUNNEL_B, IDLE_PINGS, 0.05);
          const samples = { qa: [] as number[], qb: [] as number[] };
          let sampling = true;
          const sampler = (async () => {
            await sleep(1000);
            while (sampling) {
              const [qa, qb] = await Promise.all([
                recvQ(topology, topology.a, 51801),
                recvQ(topology, topology.b, 51802),
              ]);
              samples.qa.push(qa);
              samples.qb.push(qb);
              await sleep(50);
            }
          })();
          const pidA = engineA.pid;
          const drops0 = [
            await udpDrops(topology, topology.a, 51801),
            await udpDrops(topology, topology.b, 51802),
          ] as const;
          const sched0 = schedstat(pidA);
          const t0 = performance.now();
          const [tcp, pings] = await Promise.all([
            iperfTcp(topology, SECONDS, 0, REVERSE),
            ping(topology, TUNNEL_B, Math.floor((SECONDS - 1.5) / 0.1), 0.1, 1000),
          ]);
          const rssA = memory(pidA).rssKiB / 1024;
          const drops = [
            (await udpDrops(topology, topology.a, 51801)) - drops0[0],
            (await udpDrops(topology, topology.b, 51802)) - drops0[1],
          ];
          const schedA = schedDelta(sched0, schedstat(pidA), (performance.now() - t0) / 1000);
          sampling = false;
          await sampler;
          const q = (xs: number[]) => `${fmt(median(xs) / 1024, 0)}/${fmt(percentile(xs, 90) / 1024, 0)}`;
          rows.push([
            pair.replace(/@.*\//, '@'),
            fmt(tcp.gbps),
            fmt(median(idle.rttsMs), 2),
            fmt(median(pings.rttsMs), 2),
            fmt(percentile(pings.rttsMs, 90), 2),
            q(samples.qa),
            q(samples.qb),
            `${drops[0]}/${drops[1]}`,
            schedA,
            fmt(rssA, 0),
            loadAverage(),
          ]);
          console.log(rows.at(-1)!.join('  '));
        } finally {
          for (const engine of engines.reverse()) await engine.stop();
        }
      }
    }
  } finally {
    topology.cleanup();
  }
  console.log(
    `\nTCP ${REVERSE ? 'B -> A' : 'A -> B'}, ping A -> B; queues median/p90 (Recv-Q KiB); A's busiest threads: % on a CPU / % runnable waiting`,
  );
  console.log(
    table(
      [
        'pair',
        'Gbit/s',
        'idle ms',
        'load ms',
        'p90 ms',
        'sockA KiB',
        'sockB KiB',
        'drops A/B',
        'A threads run%/wait%',
        'A RSS MiB',
        'load',
      ],
      rows,
    ),
  );
}

await main();
