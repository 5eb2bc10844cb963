/*
 * `npm run bench` (as root): Warren and wireguard-go side by side in two network namespaces on a veth pair.
 *   node --import ./test/netns/register-ts.mjs test/bench/run.ts [--quick | --smoke] [--rounds N] [--seconds N]
 *        [--steady-seconds N] [--pairs new-new,warren-new,warren-warren,go-go,warren-go] [--no-handshakes]
 *        [--new-go FILE] [--out FILE] [--warren-entry FILE]
 *
 * Two wireguard-go builds: upstream's current release ("new-go", new-go.ts builds it offline; the competitor)
 * and Debian's 0.0.20220316 ("deb-go"). Pairs (engine in A <-> engine in B): new-go <-> new-go, Warren <-> new-go,
 * Warren <-> Warren, deb-go <-> deb-go, Warren <-> deb-go. The full bench needs new-go and fails without it;
 * --smoke (the test suite's) uses it when it is already built and otherwise leaves its pairs out, saying so.
 * Rounds alternate the pairs (A B C A B C ...); each round brings the pair up afresh, then measures:
 *   ping RTT idle through the fresh tunnel; (first round) CPU of the idle, established tunnel; TCP A -> B and B -> A with iperf3, each
 *   with ping running alongside (RTT under load), the engines' CPU and the bytes carried (CPU per byte); UDP
 *   A -> B at fixed rates (loss); a steady, paced TCP stream at a sixth of capacity with a ping every 200 ms
 *   (does anything get lost under moderate load?); after a few quiet seconds, ping RTT idle again (a tunnel in
 *   use: the helper's code warmed up by traffic, as V8 runs it once it has run a while); RSS.
 * Then handshakes a second a responder sustains under a flood of valid initiations.
 * Medians over rounds are printed side by side with ratios to new-go <-> new-go (and to deb-go <-> deb-go), and
 * everything (raw rounds too) is written as JSON, by default to test/artifacts/bench/latest.json (git-ignored).
 * Warren runs from a copy of build/ taken at start (snapshot.ts), or from --warren-entry; run `npm run build` first.
 * Absolute figures move between hosts and with load: compare ratios, and look at the load average printed.
 * Not a test: nothing here runs under `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ENGINE_LABEL,
  type Engine,
  type EngineKind,
  type EngineSpec,
  type KeyPair,
  type EngineOptions,
  generateKeys,
  sideSpec,
  startEngine,
} from './engines.js';
import { FloodGenerator, type HandshakeRun, type HandshakeSettings, handshakeRun, makeKeys } from './handshakes.js';
import {
  CpuWindow,
  type CpuUsage,
  type Memory,
  type PingResult,
  type TcpResult,
  type UdpResult,
  iperfTcp,
  iperfUdp,
  loadAverage,
  memory,
  ping,
  startIperfServer,
  tunnelBytes,
  udpDrops,
  waitForTunnel,
  warrenDrops,
} from './measure.js';
import { fmt, median, percentile, ratio, table } from './report.js';
import { NEW_GO_DEFAULT_PATH, NEW_GO_VERSION, type NewGo, buildNewGo } from './new-go.js';
import { snapshotWarren } from './snapshot.js';
import { TUNNEL_B, Topology, sleep } from './topology.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** For the failure path: cleaned up before exiting. */
let current: Topology | null = null;

interface Settings {
  quick: boolean;
  rounds: number;
  tcpSeconds: number;
  omitSeconds: number;
  udpRatesMbps: number[];
  udpSeconds: number;
  udpLength: number;
  idlePings: number;
  idleSeconds: number;
  idleSettleSeconds: number;
  /** Quiet before the second idle ping, after the traffic. */
  restSeconds: number;
  /** The steady stream's rate and length: a sixth of capacity, long enough to count lost pings. */
  steadyRateMbps: number;
  steadySeconds: number;
  handshakes: HandshakeSettings | null;
  handshakeRounds: number;
  pairs: PairId[];
  /** Whether the pairs were chosen with --pairs (then new-go is required for those that name it). */
  pairsGiven: boolean;
  newGoPath: string | null;
  out: string;
  /** null: a private copy of build/ (snapshot.ts). */
  warrenEntry: string | null;
}

type PairId = 'new-new' | 'warren-new' | 'warren-warren' | 'go-go' | 'warren-go';

const PAIRS: Record<PairId, { label: string; a: EngineKind; b: EngineKind }> = {
  'new-new': { label: 'new<->new', a: 'wireguard-go-new', b: 'wireguard-go-new' },
  'warren-new': { label: 'W<->new', a: 'warren', b: 'wireguard-go-new' },
  'warren-warren': { label: 'W<->W', a: 'warren', b: 'warren' },
  'go-go': { label: 'deb<->deb', a: 'wireguard-go', b: 'wireguard-go' },
  'warren-go': { label: 'W<->deb', a: 'warren', b: 'wireguard-go' },
};
const ALL_PAIRS = Object.keys(PAIRS) as PairId[];

/** The ratio columns: each pair against the pair of wireguard-go builds it is judged by. */
const RATIOS: [PairId, PairId][] = [
  ['warren-new', 'new-new'],
  ['warren-warren', 'new-new'],
  ['warren-go', 'go-go'],
  ['warren-warren', 'go-go'],
];

const pairUses = (pair: PairId, kind: EngineKind): boolean => PAIRS[pair].a === kind || PAIRS[pair].b === kind;
const usesNewGo = (pair: PairId): boolean => pairUses(pair, 'wireguard-go-new');

function parseArgs(argv: string[]): Settings {
  // --smoke: the smallest run that still exercises every measurement, so the test suite can keep the bench
  // from rotting (its figures mean nothing).
  const smoke = argv.includes('--smoke');
  const quick = smoke || argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const flags = ['--quick', '--smoke', '--no-handshakes'];
  const known = new Set([
    ...flags,
    '--rounds',
    '--seconds',
    '--steady-seconds',
    '--pairs',
    '--new-go',
    '--out',
    '--warren-entry',
  ]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!known.has(arg)) throw new Error(`unknown argument ${arg}`);
    if (!flags.includes(arg)) i++;
  }
  const pairs = (value('--pairs')?.split(',') ?? ALL_PAIRS) as PairId[];
  for (const pair of pairs) if (!(pair in PAIRS)) throw new Error(`unknown pair ${pair}`);
  return {
    quick,
    rounds: Number(value('--rounds') ?? (smoke ? 1 : quick ? 2 : 3)),
    tcpSeconds: Number(value('--seconds') ?? (smoke ? 1 : quick ? 2 : 4)),
    omitSeconds: quick ? 0 : 1,
    udpRatesMbps: smoke ? [100] : quick ? [1000] : [300, 1000],
    udpSeconds: quick ? 1 : 3,
    udpLength: 1300,
    idlePings: smoke ? 3 : quick ? 10 : 20,
    idleSeconds: smoke ? 1 : quick ? 2 : 10,
    idleSettleSeconds: smoke ? 0 : quick ? 1 : 3,
    restSeconds: smoke ? 0 : quick ? 2 : 5,
    steadyRateMbps: 100,
    steadySeconds: Number(value('--steady-seconds') ?? (smoke ? 2 : quick ? 10 : 30)),
    handshakes: argv.includes('--no-handshakes')
      ? null
      : smoke
        ? { keys: 20, sources: 20, rate: 200, seconds: 1 }
        : quick
          ? { keys: 500, sources: 500, rate: 5000, seconds: 1 }
          : { keys: 500, sources: 500, rate: 10000, seconds: 3 },
    handshakeRounds: quick ? 1 : 2,
    pairs,
    pairsGiven: value('--pairs') !== undefined,
    newGoPath: value('--new-go') === undefined ? null : resolve(value('--new-go')!),
    out: resolve(value('--out') ?? join(ROOT, 'test/artifacts/bench/latest.json')),
    warrenEntry: value('--warren-entry') === undefined ? null : resolve(value('--warren-entry')!),
  };
}

interface Direction {
  tcp: TcpResult;
  cpu: CpuUsage;
  ping: PingResult;
  /** UDP receive-buffer drops of A's and B's engine sockets during the transfer. */
  socketDrops: [number, number];
  /** Bytes the tunnel carried both ways during the window (A's interface counters). */
  tunnelBytes: number;
  /** Warren's own drop counters after the transfer, per side (null for wireguard-go). */
  engineDrops: [string | null, string | null];
}

interface RoundResult {
  pair: PairId;
  round: number;
  /** Right after bring-up. */
  idlePing: PingResult;
  /** After the traffic and restSeconds of quiet. */
  restedPing: PingResult;
  idleCpu: CpuUsage | null;
  ab: Direction;
  ba: Direction;
  udp: { rateMbps: number; result: UdpResult }[];
  /** The steady stream A -> B with pings alongside. */
  steady: Direction;
  memory: [Memory, Memory];
}

function command(argv: string[]): string {
  const [file, ...args] = argv;
  if (file === undefined) return '?';
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return '?';
  }
}

/** Newest .ts under native-helper/ and shared/ later than the build Warren will run: a stale build measured. */
function staleBuild(): string | null {
  const built = join(ROOT, 'build/native-helper/io/data-path.js');
  if (!existsSync(built)) return 'build/ is missing: run `npm run build`';
  const builtAt = statSync(built).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && statSync(path).mtimeMs > builtAt)
        newer.push(relative(ROOT, path));
    }
  };
  for (const dir of ['native-helper', 'shared']) walk(join(ROOT, dir));
  return newer.length > 0
    ? `build/ is older than ${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', ...' : ''}`
    : null;
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the bench needs root (network namespaces, TUN devices)');
  const began = performance.now();
  const loadAtStart = loadAverage();
  const stale = settings.warrenEntry === null ? staleBuild() : null;
  // The load average lags by a minute; what the host does right now is the better sign of a quiet machine.
  const before = new CpuWindow([]);
  await sleep(2000);
  const busyAtStart = before.stop().hostBusyPercent;
  console.log(
    `warren bench${settings.quick ? ' --quick' : ''}: ${cpus().length} CPUs, load average ${loadAtStart}, host ${fmt(busyAtStart, 0)}% busy over 2 s before start`,
  );
  if (busyAtStart > 10) console.log('warning: the machine is not quiet (other work is running); figures will be noisy');
  if (stale) console.log(`warning: ${stale}`);

  const newGo = await findNewGo(settings);
  if (newGo) console.log(`new-go: ${newGo.version.replace(/^wireguard-go /, 'wireguard-go ')} (${newGo.path})`);
  const topology = new Topology();
  current = topology;
  topology.cleanupOnSignals();
  const entry = settings.warrenEntry ?? snapshotWarren(ROOT, join(topology.dir, 'warren'));
  const warren: EngineOptions = { entry, ...(newGo ? { newGo: newGo.path } : {}) };
  topology.create();
  await startIperfServer(topology);
  const keysA = await generateKeys();
  const keysB = await generateKeys();
  const pid = process.pid % 100000;
  const side = (kind: EngineKind, which: 'a' | 'b', own: KeyPair, peer: KeyPair): EngineSpec =>
    sideSpec(topology, kind, which, `wb${pid}${which}`, own, peer);

  const rounds: RoundResult[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    for (const pair of settings.pairs) {
      const { a: kindA, b: kindB } = PAIRS[pair];
      process.stdout.write(`round ${round + 1}/${settings.rounds} ${PAIRS[pair].label.padEnd(16)} `);
      const engines: Engine[] = [];
      try {
        const b = await startEngine(topology, side(kindB, 'b', keysB, keysA), warren);
        engines.push(b);
        const a = await startEngine(topology, side(kindA, 'a', keysA, keysB), warren);
        engines.push(a);
        await waitForTunnel(topology, TUNNEL_B);
        const idlePing = await ping(topology, TUNNEL_B, settings.idlePings, 0.05);
        let idleCpu: CpuUsage | null = null;
        if (round === 0) {
          // Let the burst of activity after bring-up (V8's idle-time GC and compilation) settle first.
          await sleep(settings.idleSettleSeconds * 1000);
          const window = new CpuWindow([a.pid, b.pid]);
          await sleep(settings.idleSeconds * 1000);
          idleCpu = window.stop();
        }
        const drops = async (): Promise<[number, number]> => [
          await udpDrops(topology, topology.a, 51801),
          await udpDrops(topology, topology.b, 51802),
        ];
        const engineDrops = async (): Promise<[string | null, string | null]> => [
          a.spec.kind === 'warren' ? await warrenDrops(topology, topology.a, entry, a.spec.ifname) : null,
          b.spec.kind === 'warren' ? await warrenDrops(topology, topology.b, entry, b.spec.ifname) : null,
        ];
        const carried = () => tunnelBytes(topology, topology.a, a.spec.ifname);
        /** One TCP transfer with pings alongside (the first after a second, once the window has opened). */
        const direction = async (
          reverse: boolean,
          seconds: number,
          omit: number,
          pingIntervalS: number,
          rateMbps?: number,
        ): Promise<Direction> => {
          const dropsBefore = await drops();
          const bytesBefore = await carried();
          const window = new CpuWindow([a.pid, b.pid]);
          const pings = Math.max(5, Math.floor((seconds + omit - 1.5) / pingIntervalS));
          const [tcp, pinged] = await Promise.all([
            iperfTcp(topology, seconds, omit, reverse, rateMbps),
            ping(topology, TUNNEL_B, pings, pingIntervalS, 1000),
          ]);
          const cpu = window.stop();
          const bytesAfter = await carried();
          const dropsAfter = await drops();
          return {
            tcp,
            ping: pinged,
            cpu,
            socketDrops: [dropsAfter[0] - dropsBefore[0], dropsAfter[1] - dropsBefore[1]],
            tunnelBytes: bytesAfter - bytesBefore,
            engineDrops: await engineDrops(),
          };
        };
        const ab = await direction(false, settings.tcpSeconds, settings.omitSeconds, 0.1);
        const ba = await direction(true, settings.tcpSeconds, settings.omitSeconds, 0.1);
        const udp: RoundResult['udp'] = [];
        for (const rateMbps of settings.udpRatesMbps) {
          udp.push({ rateMbps, result: await iperfUdp(topology, rateMbps, settings.udpSeconds, settings.udpLength) });
        }
        const steady = await direction(false, settings.steadySeconds, 0, 0.2, settings.steadyRateMbps);
        await sleep(settings.restSeconds * 1000);
        const restedPing = await ping(topology, TUNNEL_B, settings.idlePings, 0.05);
        rounds.push({
          pair,
          round,
          idlePing,
          restedPing,
          idleCpu,
          ab,
          ba,
          udp,
          steady,
          memory: [memory(a.pid), memory(b.pid)],
        });
        console.log(`TCP A->B ${fmt(ab.tcp.gbps)}  B->A ${fmt(ba.tcp.gbps)} Gbit/s  load ${loadAverage()}`);
      } finally {
        for (const engine of engines.reverse()) await engine.stop();
      }
    }
  }

  const handshakes: HandshakeRun[] = [];
  if (settings.handshakes) {
    const responder = makeKeys(1)[0]!; // the one asked for
    const floodKeys = makeKeys(settings.handshakes.keys);
    process.stdout.write(
      `handshakes: building ${Math.ceil(settings.handshakes.rate * settings.handshakes.seconds)} initiations... `,
    );
    const generator = await FloodGenerator.start(topology, responder, floodKeys, settings.handshakes);
    console.log('done');
    try {
      for (let round = 0; round < settings.handshakeRounds; round++) {
        for (const kind of responderKinds(settings)) {
          const run = await handshakeRun(topology, generator, kind, responder, floodKeys, warren);
          handshakes.push(run);
          console.log(
            `handshakes ${round + 1}/${settings.handshakeRounds} ${ENGINE_LABEL[kind].padEnd(12)} ${fmt(run.responsesPerSecond, 0)} responses/s, ` +
              `${fmt(run.cookieRepliesPerSecond, 0)} cookie replies/s, ${fmt(run.offeredPerSecond, 0)} offered/s, responder CPU ${fmt(run.responderCpuPercent, 0)}%, ` +
              `socket drops ${run.socketDrops}${run.engineDrops !== null ? `; engine drops: ${run.engineDrops || 'none'}` : ''}`,
          );
        }
      }
    } finally {
      generator.close();
    }
  }

  const loadAtEnd = loadAverage();
  const summary = summarise(settings, rounds, handshakes);
  console.log('');
  console.log(summary.text);
  console.log(
    `\nload average: ${loadAtStart} at start (host ${fmt(busyAtStart, 0)}% busy just before), ${loadAtEnd} at end ` +
      `(the bench itself keeps ~2 tasks runnable); ${((performance.now() - began) / 1000).toFixed(0)} s`,
  );

  const report = {
    date: new Date().toISOString(),
    host: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      kernel: command(['uname', '-r']),
      node: process.version,
      wireguardGo: {
        'deb-go': command(['wireguard-go', '--version']).split('\n')[0],
        'new-go': newGo ? { version: newGo.version, path: newGo.path } : null,
      },
      iperf3: command(['/usr/bin/iperf3', '--version']).split('\n')[0],
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      busyPercentBeforeStart: busyAtStart,
    },
    git: {
      head: command(['git', '-C', ROOT, 'rev-parse', 'HEAD']),
      dirty: command(['git', '-C', ROOT, 'status', '--porcelain']) !== '',
    },
    warrenEntry: settings.warrenEntry ?? 'a copy of build/ taken at start',
    staleBuild: stale,
    settings,
    summary: summary.json,
    rounds,
    handshakes,
    seconds: (performance.now() - began) / 1000,
  };
  mkdirSync(dirname(settings.out), { recursive: true });
  writeFileSync(settings.out, JSON.stringify(report, null, 2) + '\n');
  console.log(`JSON: ${relative(process.cwd(), settings.out)}`);
  topology.cleanup();
}

/** Handshake responders: the wireguard-go builds of the pairs measured, and Warren. */
function responderKinds(settings: Settings): EngineKind[] {
  return (['wireguard-go-new', 'wireguard-go', 'warren'] as const).filter(
    (kind) => kind === 'warren' || settings.pairs.some((p) => pairUses(p, kind)),
  );
}

/**
 * Upstream's wireguard-go for the pairs that need it: --new-go, or an earlier run's build where build.sh puts it,
 * used as it is. Otherwise the full bench builds it (and fails without it: the comparison that matters is against
 * it), while --smoke drops those pairs, saying so, so that the test suite does not install Go.
 */
async function findNewGo(settings: Settings): Promise<NewGo | null> {
  if (!settings.pairs.some(usesNewGo)) return null;
  const given = settings.newGoPath ?? (existsSync(NEW_GO_DEFAULT_PATH) ? NEW_GO_DEFAULT_PATH : null);
  if (given) {
    const version = command([given, '--version']).split('\n')[0] ?? '';
    if (version.includes(NEW_GO_VERSION)) return { path: given, version };
    if (settings.newGoPath) throw new Error(`${given} says "${version}", not ${NEW_GO_VERSION}`);
  }
  if (process.argv.includes('--smoke') && !settings.pairsGiven) {
    settings.pairs = settings.pairs.filter((p) => !usesNewGo(p));
    console.log(`note: upstream's wireguard-go is not built (${NEW_GO_DEFAULT_PATH}); the smoke leaves its pairs out`);
    return null;
  }
  process.stdout.write(`building upstream's wireguard-go ${NEW_GO_VERSION} (once; may take minutes)... `);
  const newGo = await buildNewGo(ROOT);
  console.log('done');
  return newGo;
}

function summarise(
  settings: Settings,
  rounds: RoundResult[],
  handshakes: HandshakeRun[],
): { text: string; json: object } {
  const of = (pair: PairId) => rounds.filter((r) => r.pair === pair);
  const pairs = settings.pairs;
  type Row = {
    name: string;
    values: number[];
    digits: number;
    better: 'higher' | 'lower' | 'none';
    suffix?: (pair: PairId) => string;
  };
  const rows: Row[] = [];
  const add = (
    name: string,
    pick: (r: RoundResult[]) => number,
    digits: number,
    better: Row['better'],
    suffix?: Row['suffix'],
  ) => rows.push({ name, values: pairs.map((p) => pick(of(p))), digits, better, suffix });

  const rtts = (list: PingResult[]) => list.flatMap((p) => p.rttsMs);
  const lossPercent = (list: PingResult[]) => {
    const sent = list.reduce((s, p) => s + p.sent, 0);
    return sent === 0 ? NaN : (100 * (sent - list.reduce((s, p) => s + p.rttsMs.length, 0))) / sent;
  };

  add(
    'TCP A->B Gbit/s',
    (r) => median(r.map((x) => x.ab.tcp.gbps)),
    3,
    'higher',
    (p) => spread(of(p).map((x) => x.ab.tcp.gbps)),
  );
  add(
    'TCP B->A Gbit/s',
    (r) => median(r.map((x) => x.ba.tcp.gbps)),
    3,
    'higher',
    (p) => spread(of(p).map((x) => x.ba.tcp.gbps)),
  );
  /** CPU-seconds of both engines per GB the tunnel carried: the figure that does not depend on the scheduler. */
  const cpuPerGB = (d: Direction) => (d.cpu.cpuSeconds[0]! + d.cpu.cpuSeconds[1]!) / (d.tunnelBytes / 1e9);
  add('CPU s/GB both engines, TCP A->B', (r) => median(r.map((x) => cpuPerGB(x.ab))), 2, 'lower');
  add('CPU s/GB both engines, TCP B->A', (r) => median(r.map((x) => cpuPerGB(x.ba))), 2, 'lower');
  add('TCP A->B retransmits', (r) => median(r.map((x) => x.ab.tcp.retransmits)), 0, 'none');
  add('TCP B->A retransmits', (r) => median(r.map((x) => x.ba.tcp.retransmits)), 0, 'none');
  add('TCP A->B UDP socket drops at B', (r) => median(r.map((x) => x.ab.socketDrops[1])), 0, 'none');
  add('TCP B->A UDP socket drops at A', (r) => median(r.map((x) => x.ba.socketDrops[0])), 0, 'none');
  // Every round has a result for each rate, in this order.
  for (const [i, rate] of settings.udpRatesMbps.entries()) {
    add(`UDP ${rate}M A->B received Gbit/s`, (r) => median(r.map((x) => x.udp[i]!.result.receivedGbps)), 3, 'higher');
    add(`UDP ${rate}M A->B loss %`, (r) => median(r.map((x) => x.udp[i]!.result.lossPercent)), 1, 'lower');
  }
  add('ping idle median ms', (r) => median(rtts(r.map((x) => x.idlePing))), 3, 'lower');
  add('ping idle p90 ms', (r) => percentile(rtts(r.map((x) => x.idlePing)), 90), 3, 'lower');
  add('ping idle after traffic median ms', (r) => median(rtts(r.map((x) => x.restedPing))), 3, 'lower');
  add('ping idle after traffic p90 ms', (r) => percentile(rtts(r.map((x) => x.restedPing)), 90), 3, 'lower');
  add('ping under TCP A->B median ms', (r) => median(rtts(r.map((x) => x.ab.ping))), 2, 'lower');
  add('ping under TCP A->B p90 ms', (r) => percentile(rtts(r.map((x) => x.ab.ping)), 90), 2, 'lower');
  add('ping under TCP A->B loss %', (r) => lossPercent(r.map((x) => x.ab.ping)), 1, 'lower');
  add('ping under TCP B->A median ms', (r) => median(rtts(r.map((x) => x.ba.ping))), 2, 'lower');
  add('ping under TCP B->A p90 ms', (r) => percentile(rtts(r.map((x) => x.ba.ping)), 90), 2, 'lower');
  const steady = `steady ${settings.steadyRateMbps}M TCP A->B`;
  add(`${steady}: ping loss %`, (r) => lossPercent(r.map((x) => x.steady.ping)), 2, 'lower');
  add(`${steady}: ping median ms`, (r) => median(rtts(r.map((x) => x.steady.ping))), 2, 'lower');
  add(`${steady}: ping p90 ms`, (r) => percentile(rtts(r.map((x) => x.steady.ping)), 90), 2, 'lower');
  add(`${steady}: carried Gbit/s`, (r) => median(r.map((x) => x.steady.tcp.gbps)), 3, 'none');
  add(`${steady}: retransmits`, (r) => median(r.map((x) => x.steady.tcp.retransmits)), 0, 'none');
  add(`${steady}: UDP socket drops at B`, (r) => median(r.map((x) => x.steady.socketDrops[1])), 0, 'none');
  add(`${steady}: CPU s/GB both engines`, (r) => median(r.map((x) => cpuPerGB(x.steady))), 2, 'lower');
  add('CPU A during TCP A->B %core', (r) => median(r.map((x) => x.ab.cpu.percent[0])), 0, 'none');
  add('CPU B during TCP A->B %core', (r) => median(r.map((x) => x.ab.cpu.percent[1])), 0, 'none');
  add('CPU A during TCP B->A %core', (r) => median(r.map((x) => x.ba.cpu.percent[0])), 0, 'none');
  add('CPU B during TCP B->A %core', (r) => median(r.map((x) => x.ba.cpu.percent[1])), 0, 'none');
  add(
    'host busy during TCP %',
    (r) => median(r.flatMap((x) => [x.ab.cpu.hostBusyPercent, x.ba.cpu.hostBusyPercent])),
    0,
    'none',
  );
  add(
    `CPU A idle tunnel (${settings.idleSeconds} s) %core`,
    (r) => r.find((x) => x.idleCpu)?.idleCpu?.percent[0] ?? NaN,
    2,
    'lower',
  );
  add(
    `CPU B idle tunnel (${settings.idleSeconds} s) %core`,
    (r) => r.find((x) => x.idleCpu)?.idleCpu?.percent[1] ?? NaN,
    2,
    'lower',
  );
  add('RSS A after traffic MiB', (r) => median(r.map((x) => x.memory[0].rssKiB / 1024)), 1, 'lower');
  add('RSS B after traffic MiB', (r) => median(r.map((x) => x.memory[1].rssKiB / 1024)), 1, 'lower');
  add('peak RSS A MiB', (r) => Math.max(...r.map((x) => x.memory[0].peakRssKiB / 1024)), 1, 'lower');
  add('peak RSS B MiB', (r) => Math.max(...r.map((x) => x.memory[1].peakRssKiB / 1024)), 1, 'lower');

  const ratios = RATIOS.filter(([p, base]) => pairs.includes(p) && pairs.includes(base));
  const header = [
    '',
    ...pairs.map((p) => PAIRS[p].label),
    ...ratios.map(([p, base]) => `${PAIRS[p].label}/${PAIRS[base].label.split('<->')[0]}`),
  ];
  const body = rows.map((row) => [
    row.name,
    // A row has a value per pair, in the pairs' order.
    ...row.values.map((v, i) => fmt(v, row.digits) + (row.suffix ? row.suffix(pairs[i]!) : '')),
    ...ratios.map(([p, base]) =>
      row.better === 'none' ? '' : ratio(row.values[pairs.indexOf(p)], row.values[pairs.indexOf(base)]),
    ),
  ]);
  let text =
    rounds.length === 0
      ? ''
      : `medians over ${settings.rounds} round(s); A is the left engine, B the right; iperf3 server in B; -t ${settings.tcpSeconds}` +
        `${settings.omitSeconds ? ` -O ${settings.omitSeconds}` : ''}; UDP -l ${settings.udpLength} for ${settings.udpSeconds} s; ` +
        `ratios are value / the wireguard-go pair named (new: upstream ${NEW_GO_VERSION}; deb: Debian's 0.0.20220316); ` +
        `throughput: higher is better; CPU per GB, loss, ping, idle CPU, RSS: lower is better\n` +
        table(header, body);

  const hsJson: Record<string, object> = {};
  if (handshakes.length > 0) {
    const kinds = responderKinds(settings);
    const goKinds = kinds.filter((k) => k !== 'warren');
    const pick = (kind: EngineKind, f: (h: HandshakeRun) => number) =>
      median(handshakes.filter((h) => h.kind === kind).map(f));
    const hsRows: [string, (h: HandshakeRun) => number, number][] = [
      ['handshake responses/s', (h) => h.responsesPerSecond, 0],
      ['cookie replies/s', (h) => h.cookieRepliesPerSecond, 0],
      ['initiations offered/s', (h) => h.offeredPerSecond, 0],
      ['responder CPU %core', (h) => h.responderCpuPercent, 0],
      ['UDP socket drops/s', (h) => h.socketDrops / h.result.floodSeconds, 0],
      ['responder RSS MiB', (h) => h.responderMemory.rssKiB / 1024, 1],
    ];
    const s = settings.handshakes!;
    text +=
      `${text ? '\n\n' : ''}handshake flood: ${s.keys} peer keys from ${s.sources} source addresses (rate-limit ceiling ${20 * s.sources}/s under load), ` +
      `${s.rate}/s offered for ${s.seconds} s, cookies honoured; medians of ${settings.handshakeRounds}\n` +
      table(
        ['responder', ...kinds.map((k) => ENGINE_LABEL[k]), ...goKinds.map((k) => `Warren/${ENGINE_LABEL[k]}`)],
        hsRows.map(([name, f, digits]) => [
          name,
          ...kinds.map((k) => fmt(pick(k, f), digits)),
          ...goKinds.map((k) => (name.startsWith('handshake') ? ratio(pick('warren', f), pick(k, f)) : '')),
        ]),
      );
    for (const kind of kinds) hsJson[kind] = Object.fromEntries(hsRows.map(([name, f]) => [name, pick(kind, f)]));
  }
  const json = {
    tunnel: Object.fromEntries(
      pairs.map((p, i) => [p, Object.fromEntries(rows.map((row) => [row.name, row.values[i]]))]),
    ),
    handshakes: hsJson,
  };
  return { text, json };
}

/** " (min-max)" when there is more than one round. */
function spread(values: number[]): string {
  return values.length > 1 ? ` (${fmt(Math.min(...values))}-${fmt(Math.max(...values))})` : '';
}

main().catch((error: Error) => {
  console.error(`\nbench failed: ${error.stack ?? error.message}`);
  current?.cleanup();
  process.exit(1);
});
