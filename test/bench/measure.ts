/*
 * What the bench measures with: iperf3 (TCP, UDP at a fixed rate), ping, and /proc for CPU and memory.
 * The iperf3 server runs in B for the whole bench (`iperf3 -s -D`); clients run in A, `-R` for B -> A.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TUNNEL_B, type Topology, sleep } from './topology.js';

const IPERF3 = '/usr/bin/iperf3';
/** USER_HZ: /proc/PID/stat counts CPU time in these (getconf CLK_TCK, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export async function startIperfServer(topology: Topology): Promise<void> {
  const pidFile = join(topology.dir, 'iperf3.pid');
  await topology.exec(topology.b, [IPERF3, '-s', '-D', '--pidfile', pidFile]);
  await sleep(200);
}

export interface TcpResult {
  gbps: number;
  retransmits: number;
}

/**
 * A -> B (B -> A with reverse) over the tunnel; the first `omit` seconds are not counted. With `rateMbps` the
 * sender is paced to that rate (a steady stream rather than as much as the path takes).
 */
export async function iperfTcp(
  topology: Topology,
  seconds: number,
  omit: number,
  reverse: boolean,
  rateMbps?: number,
): Promise<TcpResult> {
  const argv = [IPERF3, '-c', TUNNEL_B, '-t', String(seconds), '-O', String(omit), '-J', ...(reverse ? ['-R'] : [])];
  if (rateMbps !== undefined) argv.push('-b', `${rateMbps}M`);
  const { stdout } = await topology.exec(topology.a, argv, { timeoutMs: (seconds + omit + 15) * 1000 });
  const json = JSON.parse(stdout) as IperfJson;
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  return { gbps: json.end.sum_received.bits_per_second / 1e9, retransmits: json.end.sum_sent.retransmits ?? 0 };
}

export interface UdpResult {
  offeredGbps: number;
  receivedGbps: number;
  lossPercent: number;
  jitterMs: number;
}

/** A -> B at a fixed rate, datagrams of `length` bytes (below the tunnel MTU, so nothing fragments). */
export async function iperfUdp(
  topology: Topology,
  rateMbps: number,
  seconds: number,
  length: number,
): Promise<UdpResult> {
  const argv = [IPERF3, '-c', TUNNEL_B, '-u', '-b', `${rateMbps}M`, '-l', String(length), '-t', String(seconds), '-J'];
  const { stdout } = await topology.exec(topology.a, argv, { timeoutMs: (seconds + 15) * 1000 });
  const json = JSON.parse(stdout) as IperfJson;
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  const received = json.end.sum_received;
  return {
    offeredGbps: json.end.sum_sent.bits_per_second / 1e9,
    receivedGbps: received.bits_per_second / 1e9,
    lossPercent: received.lost_percent ?? 0,
    jitterMs: received.jitter_ms ?? 0,
  };
}

interface IperfSum {
  bits_per_second: number;
  retransmits?: number;
  lost_percent?: number;
  jitter_ms?: number;
}

interface IperfJson {
  error?: string;
  end: { sum_sent: IperfSum; sum_received: IperfSum };
}

export interface PingResult {
  rttsMs: number[];
  sent: number;
}

/**
 * Bytes the tunnel interface in `ns` carried both ways (its rx + tx counters): the inner traffic, what CPU per
 * byte divides by.
 */
export async function tunnelBytes(topology: Topology, ns: string, ifname: string): Promise<number> {
  const dir = `/sys/class/net/${ifname}/statistics`;
  const { stdout } = await topology.exec(ns, ['cat', `${dir}/rx_bytes`, `${dir}/tx_bytes`]);
  return stdout
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line), 0);
}

/** `count` echo requests `intervalS` apart from A to `target`, after `delayMs`. */
export async function ping(
  topology: Topology,
  target: string,
  count: number,
  intervalS: number,
  delayMs = 0,
): Promise<PingResult> {
  if (delayMs > 0) await sleep(delayMs);
  const deadline = Math.ceil(count * intervalS + 2);
  const argv = ['ping', '-n', '-i', String(intervalS), '-c', String(count), '-w', String(deadline), target];
  // ping exits 1 when a reply is missing: still a result.
  const { stdout } = await topology
    .exec(topology.a, argv, { timeoutMs: (deadline + 5) * 1000 })
    .catch((error: Error) => ({ stdout: error.message }));
  const rttsMs = [...stdout.matchAll(/time=([0-9.]+) ms/g)].map((match) => Number(match[1]));
  return { rttsMs, sent: count };
}

/** Pings until one reply comes back: the handshake is done and the path works. */
export async function waitForTunnel(topology: Topology, target: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await ping(topology, target, 1, 0.2);
    if (result.rttsMs.length > 0) return;
  }
  throw new Error(`no reply from ${target} through the tunnel within ${timeoutMs} ms`);
}

/** utime + stime of a whole process (every thread), in ticks. */
export function cpuTicks(pid: number): number {
  return statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

function statTicks(stat: string): number {
  // Fields after the parenthesised comm, which may itself hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export interface ThreadTicks {
  tid: number;
  comm: string;
  ticks: number;
}

export function threadTicks(pid: number): ThreadTicks[] {
  const out: ThreadTicks[] = [];
  for (const name of readdirSync(`/proc/${pid}/task`)) {
    try {
      const base = `/proc/${pid}/task/${name}`;
      out.push({
        tid: Number(name),
        comm: readFileSync(`${base}/comm`, 'utf8').trim(),
        ticks: statTicks(readFileSync(`${base}/stat`, 'utf8')),
      });
    } catch {
      // the thread ended
    }
  }
  return out;
}

export interface Memory {
  rssKiB: number;
  peakRssKiB: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), peakRssKiB: field('VmHWM') };
}

/** /proc/stat's aggregate line, in ticks: user nice system idle iowait irq softirq steal. */
export function hostFields(): Record<
  'user' | 'nice' | 'system' | 'idle' | 'iowait' | 'irq' | 'softirq' | 'steal',
  number
> {
  const cpu = procStatCpu();
  // A field the kernel does not print is NaN, as memory()'s are.
  const at = (i: number): number => cpu[i] ?? NaN;
  return {
    user: at(0),
    nice: at(1),
    system: at(2),
    idle: at(3),
    iowait: at(4),
    irq: at(5),
    softirq: at(6),
    steal: at(7),
  };
}

/** The numbers of /proc/stat's aggregate `cpu` line (its first). */
function procStatCpu(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
}

function hostTicks(): { busy: number; total: number } {
  const cpu = procStatCpu();
  // user nice system idle iowait irq softirq steal ...
  const idle = (cpu[3] ?? NaN) + (cpu[4] ?? 0);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuUsage {
  /** Percent of one core per pid, over the window. */
  percent: number[];
  /** CPU-seconds per pid (utime + stime of every thread), over the window. */
  cpuSeconds: number[];
  /** Percent of all cores the host was busy. */
  hostBusyPercent: number;
  seconds: number;
}

/** CPU of some processes (and of the host) between construction and stop(). */
export class CpuWindow {
  private readonly pids: readonly number[];
  private readonly start: number[];
  private readonly startHost = hostTicks();
  private readonly startedAt = performance.now();

  constructor(pids: readonly number[]) {
    this.pids = pids;
    this.start = pids.map((pid) => safeTicks(pid));
  }

  stop(): CpuUsage {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const host = hostTicks();
    // start has an entry per pid, made in the constructor.
    const cpuSeconds = this.pids.map((pid, i) => (safeTicks(pid) - this.start[i]!) / TICKS_PER_SECOND);
    const percent = cpuSeconds.map((cpu) => (cpu / seconds) * 100);
    const hostBusyPercent = ((host.busy - this.startHost.busy) / Math.max(1, host.total - this.startHost.total)) * 100;
    return { percent, cpuSeconds, hostBusyPercent, seconds };
  }
}

function safeTicks(pid: number): number {
  try {
    return cpuTicks(pid);
  } catch {
    return NaN;
  }
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * The drops column of /proc/net/udp{,6} inside `ns`, summed over sockets bound to `port`: datagrams the kernel
 * dropped because the socket's receive buffer was full. With UDP GRO a drop may be several datagrams.
 */
export async function udpDrops(topology: Topology, ns: string, port: number): Promise<number> {
  const { stdout } = await topology.exec(ns, ['cat', '/proc/net/udp', '/proc/net/udp6']);
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let drops = 0;
  for (const line of stdout.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hexPort}`)) drops += Number(fields[fields.length - 1]) || 0;
  }
  return drops;
}

/** The device's drop counters as `warren show` prints them ("" when none). */
export async function warrenDrops(topology: Topology, ns: string, entry: string, ifname: string): Promise<string> {
  const { stdout } = await topology.exec(ns, [process.execPath, entry, 'show', ifname]);
  // The device's own line comes before the first peer's block.
  return /^\s*dropped: (.*)$/m.exec(stdout.split('\n\n')[0]!)?.[1] ?? '';
}
