/*
 * `npm run bench` (as root): Warren and wireguard-go side by side in two network namespaces on a veth pair.
 *   node --import ./test/netns/register-ts.mjs test/bench/run.ts [--quick] [--rounds N] [--seconds N]
 *        [--pairs go-go,warren-go,warren-warren] [--no-handshakes] [--out FILE] [--warren-entry FILE]
 *
 * Pairs (engine in A <-> engine in B): wireguard-go <-> wireguard-go, Warren <-> wireguard-go, Warren <-> Warren.
 * Rounds alternate the pairs (A B C A B C ...); each round brings the pair up afresh, then measures:
 *   ping RTT idle; (first round) CPU of the idle, established tunnel; TCP A -> B and B -> A with iperf3, each
 *   with ping running alongside (RTT under load) and the engines' CPU; UDP A -> B at fixed rates (loss); RSS.
 * Then handshakes a second a responder (wireguard-go, Warren) sustains under a flood of valid initiations.
 * Medians over rounds are printed side by side with ratios to wireguard-go <-> wireguard-go, and everything
 * (raw rounds too) is written as JSON, by default to test/artifacts/bench/latest.json (git-ignored).
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
  type WarrenOptions,
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
  udpDrops,
  waitForTunnel,
} from './measure.js';
import { fmt, median, percentile, ratio, table } from './report.js';
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
  handshakes: HandshakeSettings | null;
  handshakeRounds: number;
  pairs: PairId[];
  out: string;
  /** null: a private copy of build/ (snapshot.ts). */
  warrenEntry: string | null;
}

type PairId = 'go-go' | 'warren-go' | 'warren-warren';

const PAIRS: Record<PairId, { label: string; a: EngineKind; b: EngineKind }> = {
  'go-go': { label: 'wg-go<->wg-go', a: 'wireguard-go', b: 'wireguard-go' },
  'warren-go': { label: 'Warren<->wg-go', a: 'warren', b: 'wireguard-go' },
  'warren-warren': { label: 'Warren<->Warren', a: 'warren', b: 'warren' },
};

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
  const known = new Set([...flags, '--rounds', '--seconds', '--pairs', '--out', '--warren-entry']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!known.has(arg)) throw new Error(`unknown argument ${arg}`);
    if (!flags.includes(arg)) i++;
  }
  const pairs = (value('--pairs') ?? 'go-go,warren-go,warren-warren').split(',') as PairId[];
  for (const pair of pairs) if (!(pair in PAIRS)) throw new Error(`unknown pair ${pair}`);
  return {
    quick,
    rounds: Number(value('--rounds') ?? (smoke ? 1 : quick ? 2 : 4)),
    tcpSeconds: Number(value('--seconds') ?? (smoke ? 1 : quick ? 2 : 4)),
    omitSeconds: quick ? 0 : 1,
    udpRatesMbps: smoke ? [100] : quick ? [1000] : [300, 1000],
    udpSeconds: quick ? 1 : 3,
    udpLength: 1300,
    idlePings: smoke ? 3 : quick ? 10 : 20,
    idleSeconds: smoke ? 1 : quick ? 2 : 10,
    idleSettleSeconds: smoke ? 0 : quick ? 1 : 3,
    handshakes: argv.includes('--no-handshakes')
      ? null
      : smoke
        ? { keys: 20, sources: 20, rate: 200, seconds: 1 }
        : quick
          ? { keys: 500, sources: 500, rate: 5000, seconds: 1 }
          : { keys: 500, sources: 500, rate: 10000, seconds: 3 },
    handshakeRounds: quick ? 1 : 2,
    pairs,
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
}

interface RoundResult {
  pair: PairId;
  round: number;
  idlePing: PingResult;
  idleCpu: CpuUsage | null;
  ab: Direction;
  ba: Direction;
  udp: { rateMbps: number; result: UdpResult }[];
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

  const topology = new Topology();
  current = topology;
  topology.cleanupOnSignals();
  const entry = settings.warrenEntry ?? snapshotWarren(ROOT, join(topology.dir, 'warren'));
  const warren: WarrenOptions = { entry };
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
        const direction = async (reverse: boolean): Promise<Direction> => {
          const dropsBefore = await drops();
          const window = new CpuWindow([a.pid, b.pid]);
          const total = settings.tcpSeconds + settings.omitSeconds;
          const [tcp, pings] = await Promise.all([
            iperfTcp(topology, settings.tcpSeconds, settings.omitSeconds, reverse),
            ping(topology, TUNNEL_B, Math.max(5, Math.floor((total - 1.5) / 0.1)), 0.1, 1000),
          ]);
          const cpu = window.stop();
          const dropsAfter = await drops();
          return {
            tcp,
            ping: pings,
            cpu,
            socketDrops: [dropsAfter[0] - dropsBefore[0], dropsAfter[1] - dropsBefore[1]],
          };
        };
        const ab = await direction(false);
        const ba = await direction(true);
        const udp: RoundResult['udp'] = [];
        for (const rateMbps of settings.udpRatesMbps) {
          udp.push({ rateMbps, result: await iperfUdp(topology, rateMbps, settings.udpSeconds, settings.udpLength) });
        }
        rounds.push({ pair, round, idlePing, idleCpu, ab, ba, udp, memory: [memory(a.pid), memory(b.pid)] });
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
        for (const kind of ['wireguard-go', 'warren'] as const) {
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
      wireguardGo: command(['wireguard-go', '--version']).split('\n')[0],
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

function summarise(
  settings: Settings,
  rounds: RoundResult[],
  handshakes: HandshakeRun[],
): { text: string; json: object } {
  const of = (pair: PairId) => rounds.filter((r) => r.pair === pair);
  const pairs = settings.pairs;
  const base = pairs.includes('go-go') ? 'go-go' : null;
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
  add('ping under TCP A->B median ms', (r) => median(rtts(r.map((x) => x.ab.ping))), 2, 'lower');
  add('ping under TCP A->B p90 ms', (r) => percentile(rtts(r.map((x) => x.ab.ping)), 90), 2, 'lower');
  add('ping under TCP A->B loss %', (r) => lossPercent(r.map((x) => x.ab.ping)), 1, 'lower');
  add('ping under TCP B->A median ms', (r) => median(rtts(r.map((x) => x.ba.ping))), 2, 'lower');
  add('ping under TCP B->A p90 ms', (r) => percentile(rtts(r.map((x) => x.ba.ping)), 90), 2, 'lower');
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

  const ratioPairs = base ? pairs.filter((p) => p !== base) : [];
  const header = [
    '',
    ...pairs.map((p) => PAIRS[p].label),
    ...ratioPairs.map((p) => `${PAIRS[p].label.split('<->').map(short).join('-')}/go-go`),
  ];
  const body = rows.map((row) => [
    row.name,
    // A row has a value per pair, in the pairs' order.
    ...row.values.map((v, i) => fmt(v, row.digits) + (row.suffix ? row.suffix(pairs[i]!) : '')),
    ...ratioPairs.map((p) =>
      row.better === 'none' ? '' : ratio(row.values[pairs.indexOf(p)], row.values[pairs.indexOf(base!)]),
    ),
  ]);
  let text =
    rounds.length === 0
      ? ''
      : `medians over ${settings.rounds} round(s); A is the left engine, B the right; iperf3 server in B; -t ${settings.tcpSeconds}` +
        `${settings.omitSeconds ? ` -O ${settings.omitSeconds}` : ''}; UDP -l ${settings.udpLength} for ${settings.udpSeconds} s; ` +
        `ratios are value / wg-go<->wg-go (throughput: higher is better; loss, ping, idle CPU, RSS: lower is better)\n` +
        table(header, body);

  const hsJson: Record<string, object> = {};
  if (handshakes.length > 0) {
    const kinds = ['wireguard-go', 'warren'] as const;
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
        ['responder', ...kinds.map((k) => ENGINE_LABEL[k]), 'Warren/wg-go'],
        hsRows.map(([name, f, digits]) => [
          name,
          ...kinds.map((k) => fmt(pick(k, f), digits)),
          name.startsWith('handshake') ? ratio(pick('warren', f), pick('wireguard-go', f)) : '',
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

function short(label: string): string {
  return label === 'Warren' ? 'W' : 'go';
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
