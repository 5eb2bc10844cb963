/*
 * Where a Warren helper's time goes under TCP load against wireguard-go (as root):
 *   node --import ./test/netns/register-ts.mjs test/bench/profile.ts [--seconds N] [--peer new|deb] [--no-perf]
 *        [--no-handshakes | --handshakes-only] [--out DIR]
 *
 * Warren runs in A, wireguard-go in B (upstream's current build by default, new-go.ts; Debian's with --peer deb), iperf3 -t N in each direction (A -> B: Warren encrypts; B -> A: Warren
 * decrypts). For each direction, twice:
 *   1. V8: the helper is started here (detached, its own session) as
 *      `node --cpu-prof --trace-gc --import test/bench/batch-probe.mjs bin/warren.js daemon --exit-when-idle`, then
 *      `warren up`: self time by function and category (main thread), GC from --trace-gc, batch sizes from the probe.
 *   2. perf (unless --no-perf): `perf record -e cpu-clock -a` over the run with the helper under
 *      --perf-basic-prof: the whole host by process and, for the helper, by DSO (JIT'd JS, node/V8, libsodium,
 *      our addon, libc, kernel: the system calls and the network stack they run) and top symbols.
 * Both passes record the helper's threads from /proc (main thread vs the addon's reader threads vs V8 helpers).
 * Then the idle tunnel: the helper's CPU and wakeups over 10 s. Then (unless --no-handshakes) a Warren responder
 * under --cpu-prof against the handshake flood of handshakes.ts.
 * Profiles (.cpuprofile opens in Chrome DevTools) and a JSON summary go to test/artifacts/bench/profile/.
 * Warren runs from a copy of build/ taken at start (snapshot.ts); run `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summariseProfile, summariseTraceGc } from './cpu-profile.js';
import {
  type Engine,
  type EngineKind,
  type EngineSpec,
  type KeyPair,
  type EngineOptions,
  generateKeys,
  sideSpec,
  startEngine,
} from './engines.js';
import {
  CpuWindow,
  type ThreadTicks,
  cpuTicks,
  hostFields,
  iperfTcp,
  loadAverage,
  memory,
  startIperfServer,
  threadTicks,
  waitForTunnel,
} from './measure.js';
import { FloodGenerator, handshakeRun, makeKeys } from './handshakes.js';
import { buildNewGo } from './new-go.js';
import { snapshotWarren } from './snapshot.js';
import { fmt, table } from './report.js';
import { TUNNEL_B, Topology, run, sleep } from './topology.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PROBE = fileURLToPath(new URL('./batch-probe.mjs', import.meta.url));

const argv = process.argv.slice(2);
const value = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const SECONDS = Number(value('--seconds') ?? 8);
const PERF = !argv.includes('--no-perf') && existsSync('/usr/bin/perf');
const OUT = resolve(value('--out') ?? join(ROOT, 'test/artifacts/bench/profile'));
const IDLE_SECONDS = 10;
const HANDSHAKES = !argv.includes('--no-handshakes');
/** Only the handshake flood (no transfers, no idle). */
const HANDSHAKES_ONLY = argv.includes('--handshakes-only');
const HOST_CORES = cpus().length;
const PEER: EngineKind = value('--peer') === 'deb' ? 'wireguard-go' : 'wireguard-go-new';

let current: Topology | null = null;

interface ThreadUse {
  name: string;
  percent: number;
}

/** CPU per thread group (main thread, then the others grouped by name) between two /proc snapshots. */
function threadUse(pid: number, before: ThreadTicks[], after: ThreadTicks[], seconds: number): ThreadUse[] {
  const start = new Map(before.map((t) => [t.tid, t.ticks]));
  const groups = new Map<string, number>();
  for (const t of after) {
    const name = t.tid === pid ? 'main thread (JS)' : `${t.comm} threads`;
    groups.set(name, (groups.get(name) ?? 0) + t.ticks - (start.get(t.tid) ?? 0));
  }
  return [...groups.entries()]
    .map(([name, ticks]) => ({ name, percent: ticks / seconds }))
    .sort((a, b) => b.percent - a.percent);
}

/**
 * The host's CPU over a window, in % of one core: each process running in the bench's namespaces (engines,
 * iperf3), then the kernel's softirq time (veth and the network stack off any process), then everything else
 * (other work on the machine), then idle.
 */
function hostShares(topology: Topology): { stop(): { name: string; percent: number }[] } {
  const processes = [...topology.pids(topology.a), ...topology.pids(topology.b)].map((pid) => {
    let name = String(pid);
    try {
      name = `${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}(${pid})`;
    } catch {
      // gone
    }
    return { pid, name, ticks: safe(() => cpuTicks(pid)) };
  });
  const host = hostFields();
  const began = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - began) / 1000;
      const now = hostFields();
      const delta = (field: keyof typeof now) => (now[field] - host[field]) / seconds;
      const shares = processes.map((p) => ({
        name: p.name,
        percent: (safe(() => cpuTicks(p.pid)) - p.ticks) / seconds,
      }));
      const accounted = shares.reduce((sum, s) => sum + s.percent, 0);
      const busy = delta('user') + delta('nice') + delta('system') + delta('irq') + delta('softirq') + delta('steal');
      shares.sort((a, b) => b.percent - a.percent);
      shares.push({ name: 'softirq (all)', percent: delta('softirq') });
      shares.push({ name: 'rest of the machine', percent: Math.max(0, busy - accounted - delta('softirq')) });
      shares.push({ name: 'idle', percent: delta('idle') + delta('iowait') });
      return shares.filter((s) => s.percent >= 0.5);
    },
  };
}

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return NaN;
  }
}

function switches(pid: number): { voluntary: number; involuntary: number } {
  let voluntary = 0;
  let involuntary = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // thread gone
    }
  }
  return { voluntary, involuntary };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root');
  const topology = new Topology();
  current = topology;
  topology.cleanupOnSignals();
  topology.create();
  const entry = snapshotWarren(ROOT, join(topology.dir, 'warren'));
  const newGo = PEER === 'wireguard-go-new' ? (await buildNewGo(ROOT)).path : undefined;
  mkdirSync(OUT, { recursive: true });
  console.log(`warren profile: load average ${loadAverage()}, iperf3 -t ${SECONDS} per direction`);
  await startIperfServer(topology);
  const keysA = await generateKeys();
  const keysB = await generateKeys();
  const pid = process.pid % 100000;
  const spec = (kind: EngineKind, which: 'a' | 'b', own: KeyPair, peer: KeyPair): EngineSpec =>
    sideSpec(topology, kind, which, `wb${pid}${which}`, own, peer);

  /** wireguard-go in B, Warren (own daemon with these node flags) in A; runs `body`; stops both. */
  const withPair = async <T>(
    nodeArgs: string[],
    env: NodeJS.ProcessEnv,
    body: (warren: Engine, go: Engine) => Promise<T>,
  ): Promise<T> => {
    const warrenOptions: EngineOptions = { entry, newGo, daemonNodeArgs: nodeArgs, daemonEnv: env };
    const go = await startEngine(topology, spec(PEER, 'b', keysB, keysA), warrenOptions);
    let warren: Engine | null = null;
    try {
      warren = await startEngine(topology, spec('warren', 'a', keysA, keysB), warrenOptions);
      await waitForTunnel(topology, TUNNEL_B);
      return await body(warren, go);
    } finally {
      await warren?.stop();
      await go.stop();
    }
  };

  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    seconds: SECONDS,
    loadAverage: loadAverage(),
    directions: {},
  };
  const directions = [
    { tag: 'send', label: 'Warren sends (A->B)', reverse: false },
    { tag: 'receive', label: 'Warren receives (B->A)', reverse: true },
  ];
  for (const direction of HANDSHAKES_ONLY ? [] : directions) {
    const result: Record<string, unknown> = {};
    (report.directions as Record<string, unknown>)[direction.tag] = result;

    // ---- pass 1: V8 profile, GC trace, batch probe ----
    const profileName = `warren-${direction.tag}.cpuprofile`;
    const probeFile = join(topology.dir, `probe-${direction.tag}.json`);
    let logPath = '';
    const v8 = await withPair(
      ['--cpu-prof', '--cpu-prof-dir', topology.dir, '--cpu-prof-name', profileName, '--trace-gc', '--import', PROBE],
      { WARREN_BENCH_PROBE: probeFile },
      async (warren, go) => {
        logPath = warren.logPath;
        const before = threadTicks(warren.pid);
        const switchesBefore = [switches(warren.pid), switches(go.pid)];
        const window = new CpuWindow([warren.pid, go.pid]);
        const tcp = await iperfTcp(topology, SECONDS, 1, direction.reverse);
        const cpu = window.stop();
        const switchesPerSecond = [switches(warren.pid), switches(go.pid)].map(
          (after, i) =>
            (after.voluntary + after.involuntary - switchesBefore[i]!.voluntary - switchesBefore[i]!.involuntary) /
            cpu.seconds, // both lists have the same two pids
        );
        return {
          tcp,
          cpu,
          switchesPerSecond,
          threads: threadUse(warren.pid, before, threadTicks(warren.pid), cpu.seconds),
          memory: memory(warren.pid),
        };
      },
    );
    const profilePath = join(topology.dir, profileName);
    copyFileSync(profilePath, join(OUT, profileName));
    const profile = summariseProfile(profilePath, 25);
    const gc = summariseTraceGc(readFileSync(logPath, 'utf8'));
    const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as Record<
      string,
      { batches: number; packets: number; bytes: number; maxPacket: number; counts: Record<string, number> }
    >;
    Object.assign(result, { v8: { ...v8, profile, gc, probe } });

    console.log(
      `\n==== ${direction.label}: ${fmt(v8.tcp.gbps, 3)} Gbit/s (under --cpu-prof), helper ${fmt(v8.cpu.percent[0], 0)}% of a core, wireguard-go ${fmt(v8.cpu.percent[1], 0)}%, host ${fmt(v8.cpu.hostBusyPercent, 0)}% busy, RSS ${fmt(v8.memory.rssKiB / 1024, 1)} MiB`,
    );
    console.log(
      `threads: ${v8.threads.map((t) => `${t.name} ${fmt(t.percent, 0)}%`).join(', ')}; context switches/s: Warren ${fmt(v8.switchesPerSecond[0], 0)}, wireguard-go ${fmt(v8.switchesPerSecond[1], 0)}`,
    );
    console.log(`\nmain thread by category (busy ${fmt(profile.busyMs, 0)} of ${fmt(profile.totalMs, 0)} ms sampled):`);
    console.log(
      table(
        ['category', 'ms', '% busy'],
        profile.categories.map((c) => [c.category, fmt(c.ms, 0), fmt(c.percentOfBusy, 1)]),
      ),
    );
    console.log('\ntop self time (main thread):');
    console.log(
      table(
        ['function', 'where', 'category', 'ms', '% busy'],
        profile.top.map((f) => [f.name, f.where, f.category, fmt(f.selfMs, 0), fmt(f.percent, 1)]),
      ),
    );
    const seconds = v8.cpu.seconds;
    console.log(
      `\nGC (--trace-gc): ${gc.scavenges} scavenges (${fmt(gc.scavenges / seconds, 0)}/s, ${fmt(gc.scavengeMs, 0)} ms paused), ` +
        `${gc.markCompacts} mark-compacts (${fmt(gc.markCompactMs, 0)} ms); ~${fmt(gc.scavengedMb / seconds, 1)} MB/s allocated short-lived`,
    );
    console.log('batches (packets per batch: mean, max; most common sizes):');
    for (const [name, h] of Object.entries(probe)) {
      if (h.batches === 0) continue;
      const common = Object.entries(h.counts)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([n, c]) => `${n}x${c}`)
        .join(' ');
      const max = Math.max(...Object.keys(h.counts).map(Number));
      console.log(
        `  ${name.padEnd(12)} ${String(h.batches).padStart(8)} batches, ${fmt(h.packets / h.batches, 1).padStart(6)} mean, ${String(max).padStart(4)} max, ` +
          `${fmt(h.bytes / Math.max(1, h.packets), 0)} B mean packet, ${h.maxPacket} B largest; ${common}`,
      );
    }
    const bytesPerPacket = (probe.tunWrite?.bytes ?? 0) + (probe.netSend?.bytes ?? 0);
    console.log(
      `  copied by DataPath.writeTun/sendDatagram: ${fmt(bytesPerPacket / 1e6 / seconds, 0)} MB/s in ${fmt(((probe.tunWrite?.packets ?? 0) + (probe.netSend?.packets ?? 0)) / seconds, 0)} packets/s`,
    );

    // ---- pass 2: perf, one recording per engine, and the host's CPU by process and kind ----
    if (PERF) {
      const perfFile = (who: string) => join(topology.dir, `perf-${direction.tag}-${who}.data`);
      const perf = await withPair(['--perf-basic-prof'], {}, async (warren, go) => {
        const before = threadTicks(warren.pid);
        const window = new CpuWindow([warren.pid, go.pid]);
        const transfer = iperfTcp(topology, SECONDS, 1, direction.reverse);
        await sleep(1000);
        const host = hostShares(topology);
        await Promise.all(
          [
            ['warren', warren.pid],
            ['go', go.pid],
          ].map(([who, target]) => {
            const child = spawn(
              'perf',
              [
                'record',
                '-q',
                '-e',
                'cpu-clock',
                '-F',
                '999',
                '-p',
                String(target),
                '-o',
                perfFile(String(who)),
                '--',
                'sleep',
                String(SECONDS - 2),
              ],
              { stdio: 'ignore' },
            );
            return new Promise((resolve) => child.on('exit', resolve));
          }),
        );
        const hostUse = host.stop();
        const tcp = await transfer;
        const cpu = window.stop();
        return {
          tcp,
          cpu,
          pid: warren.pid,
          host: hostUse,
          threads: threadUse(warren.pid, before, threadTicks(warren.pid), cpu.seconds),
        };
      });
      const report = async (who: string, args: string[]) =>
        (
          await run(['perf', 'report', '-i', perfFile(who), '--stdio', '--no-children', ...args], {
            timeoutMs: 120_000,
          })
        ).stdout
          .split('\n')
          .filter((line) => line.trim() !== '' && !line.startsWith('#'));
      const helperByDso = await report('warren', ['--sort', 'dso', '--percent-limit', '0.5']);
      const helperBySymbol = await report('warren', ['--sort', 'dso,sym', '--percent-limit', '0.5']);
      const goByDso = await report('go', ['--sort', 'dso', '--percent-limit', '0.5']);
      const goBySymbol = await report('go', ['--sort', 'dso,sym', '--percent-limit', '1']);
      rmSync(`/tmp/perf-${perf.pid}.map`, { force: true });
      Object.assign(result, {
        perf: {
          tcp: perf.tcp,
          cpu: perf.cpu,
          host: perf.host,
          threads: perf.threads,
          helperByDso,
          helperBySymbol,
          goByDso,
          goBySymbol,
        },
      });
      console.log(
        `\nperf pass: ${fmt(perf.tcp.gbps, 3)} Gbit/s with --perf-basic-prof; helper ${fmt(perf.cpu.percent[0], 0)}%, wireguard-go ${fmt(perf.cpu.percent[1], 0)}%`,
      );
      console.log(`threads: ${perf.threads.map((t) => `${t.name} ${fmt(t.percent, 0)}%`).join(', ')}`);
      console.log(
        `host (${HOST_CORES} cores = ${HOST_CORES * 100}%): ${perf.host.map((h) => `${h.name} ${fmt(h.percent, 0)}%`).join(', ')}`,
      );
      console.log(
        'Warren helper by DSO (% of its samples; [kernel.kallsyms] = system calls and the network stack they run):\n' +
          helperByDso.slice(0, 10).join('\n'),
      );
      console.log('Warren helper top symbols:\n' + helperBySymbol.slice(0, 30).join('\n'));
      console.log('wireguard-go by DSO:\n' + goByDso.slice(0, 6).join('\n'));
      console.log('wireguard-go top symbols:\n' + goBySymbol.slice(0, 15).join('\n'));
    }
  }

  // ---- the idle tunnel ----
  if (!HANDSHAKES_ONLY) {
    const idle = await withPair([], {}, async (warren, go) => {
      await sleep(1000);
      const before = threadTicks(warren.pid);
      const switchesBefore = switches(warren.pid);
      const goSwitchesBefore = switches(go.pid);
      const window = new CpuWindow([warren.pid, go.pid]);
      await sleep(IDLE_SECONDS * 1000);
      const cpu = window.stop();
      const after = switches(warren.pid);
      const goAfter = switches(go.pid);
      return {
        cpu,
        threads: threadUse(warren.pid, before, threadTicks(warren.pid), cpu.seconds),
        wakeupsPerSecond:
          (after.voluntary + after.involuntary - switchesBefore.voluntary - switchesBefore.involuntary) / cpu.seconds,
        goWakeupsPerSecond:
          (goAfter.voluntary + goAfter.involuntary - goSwitchesBefore.voluntary - goSwitchesBefore.involuntary) /
          cpu.seconds,
        memory: memory(warren.pid),
      };
    });
    report.idle = idle;
    console.log(
      `\nidle established tunnel, ${IDLE_SECONDS} s: Warren helper ${fmt(idle.cpu.percent[0], 2)}% of a core, ${fmt(idle.wakeupsPerSecond, 1)} context switches/s, ` +
        `RSS ${fmt(idle.memory.rssKiB / 1024, 1)} MiB; wireguard-go ${fmt(idle.cpu.percent[1], 2)}%, ${fmt(idle.goWakeupsPerSecond, 1)} context switches/s`,
    );
    console.log(`idle threads: ${idle.threads.map((t) => `${t.name} ${fmt(t.percent, 2)}%`).join(', ')}`);
  }

  // ---- a Warren responder under the handshake flood ----
  if (HANDSHAKES) {
    const settings = { keys: 500, sources: 500, rate: 10000, seconds: 3 };
    const responder = makeKeys(1)[0]!; // the one asked for
    const floodKeys = makeKeys(settings.keys);
    const generator = await FloodGenerator.start(topology, responder, floodKeys, settings);
    const profileName = 'warren-handshakes.cpuprofile';
    const probeFile = join(topology.dir, 'probe-handshakes.json');
    try {
      const flood = await handshakeRun(topology, generator, 'warren', responder, floodKeys, {
        entry,
        daemonNodeArgs: [
          '--cpu-prof',
          '--cpu-prof-dir',
          topology.dir,
          '--cpu-prof-name',
          profileName,
          '--import',
          PROBE,
        ],
        daemonEnv: { WARREN_BENCH_PROBE: probeFile },
      });
      copyFileSync(join(topology.dir, profileName), join(OUT, profileName));
      const profile = summariseProfile(join(topology.dir, profileName), 20);
      // Every histogram batch-probe.mjs keeps, written whether or not anything passed.
      const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as Record<
        'fromTun' | 'fromNetwork' | 'tunWrite' | 'netSend',
        { batches: number; packets: number; counts: Record<string, number> }
      >;
      report.handshakes = { flood, profile, probe };
      console.log(
        `\nhandshake flood (${settings.rate}/s offered, ${settings.keys} keys, ${settings.sources} sources) against Warren under --cpu-prof: ` +
          `${fmt(flood.responsesPerSecond, 0)} responses/s, ${fmt(flood.cookieRepliesPerSecond, 0)} cookie replies/s, CPU ${fmt(flood.responderCpuPercent, 0)}%, ` +
          `socket drops ${flood.socketDrops}, engine drops: ${flood.engineDrops || 'none'}`,
      );
      const h = probe.fromNetwork;
      console.log(
        `datagram batches: ${h.batches}, ${fmt(h.packets / Math.max(1, h.batches), 1)} mean, ${Math.max(0, ...Object.keys(h.counts).map(Number))} max`,
      );
      console.log(
        table(
          ['category', 'ms', '% busy'],
          profile.categories.map((c) => [c.category, fmt(c.ms, 0), fmt(c.percentOfBusy, 1)]),
        ),
      );
      console.log(
        table(
          ['function', 'where', 'ms', '% busy'],
          profile.top.map((f) => [f.name, f.where, fmt(f.selfMs, 0), fmt(f.percent, 1)]),
        ),
      );
    } finally {
      generator.close();
    }
  }
  report.loadAverageEnd = loadAverage();
  writeFileSync(join(OUT, 'profile.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`\nload average at end ${loadAverage()}; profiles and profile.json in ${OUT}`);
  topology.cleanup();
}

main().catch((error: Error) => {
  console.error(`\nprofile failed: ${error.stack ?? error.message}`);
  current?.cleanup();
  process.exit(1);
});
