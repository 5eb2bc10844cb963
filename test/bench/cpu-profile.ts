/*
 * Reading a V8 .cpuprofile (node --cpu-prof) of the helper's main thread: self time per function, and self time
 * by category. Frames without a URL (V8 builtins such as TypedArray.prototype.set) are put with the module of
 * their nearest JavaScript caller. Only the main thread is sampled: the addon's reader threads and V8's helper
 * threads need /proc or perf.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  where: string;
  category: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Busy = everything but (idle). */
  busyMs: number;
  categories: { category: string; ms: number; percentOfBusy: number }[];
  top: FunctionTime[];
}

/*
 * A V8 profile shows no frame for an N-API function: its time is the self time of the JavaScript function that
 * called it. So sodium-native's exported wrappers hold the native crypto, and the io layer's sendBatch/writeBatch
 * (which call udpSend/tunWrite) hold the system calls made on the main thread.
 */
const NATIVE_IO_CALLERS = new Set(['sendBatch', 'writeBatch']);

function moduleOf(url: string, functionName = ''): string | null {
  if (url === '') return null;
  if (url.includes('/sodium-native/')) return 'native crypto (sodium-native, incl. its JS wrapper)';
  if (url.includes('/@noble/hashes/') || url.includes('/native-helper/crypto/blake2s'))
    return 'BLAKE2s/HMAC/KDF (JS: @noble/hashes via crypto/blake2s)';
  if (url.includes('/native-helper/io/') && NATIVE_IO_CALLERS.has(functionName))
    return 'native I/O on the main thread (sendmmsg, TUN writes)';
  if (url.includes('/native-helper/crypto/')) return 'crypto glue (JS)';
  if (url.includes('/native-helper/engine/')) return 'engine (JS)';
  if (url.includes('/native-helper/io/')) return 'io layer (JS)';
  if (url.includes('/native-helper/io/data-path')) return 'data path (JS)';
  if (url.includes('/test/bench/batch-probe')) return 'bench probe (JS)';
  if (url.startsWith('node:')) return 'node core (JS)';
  return 'other JS';
}

/** What a native frame's time is, given the module of its nearest JS caller. */
function nativeCategory(name: string, callerModule: string | null): string {
  if (callerModule?.startsWith('native crypto') || callerModule === 'crypto glue (JS)')
    return 'native crypto (sodium-native, incl. its JS wrapper)';
  if (callerModule === 'io layer (JS)') return 'native I/O (addon: syscalls, copies)';
  if (callerModule === 'data path (JS)' || callerModule === 'engine (JS)')
    return `V8 builtins from ${callerModule.replace(' (JS)', '')} (${name || '?'})`;
  return 'native other';
}

export function summariseProfile(path: string, topCount = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<number, number>();
  for (const [i, sample] of profile.samples.entries()) {
    self.set(sample, (self.get(sample) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }

  const categoryOf = (node: ProfileNode): string => {
    const { functionName, url } = node.callFrame;
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'program (V8, unattributed)';
    if (functionName === '(root)') return 'root';
    const module = moduleOf(url, functionName);
    if (module !== null) return module;
    let up = parent.get(node.id);
    const moduleAt = (id: number) => moduleOf(byId.get(id)!.callFrame.url, byId.get(id)!.callFrame.functionName);
    while (up !== undefined && moduleAt(up) === null) up = parent.get(up);
    return nativeCategory(functionName, up === undefined ? null : moduleAt(up));
  };

  const functions = new Map<string, FunctionTime>();
  const categories = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const category = categoryOf(node);
    totalMs += ms;
    if (category === 'idle') {
      idleMs += ms;
      continue;
    }
    categories.set(category, (categories.get(category) ?? 0) + ms);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^.*\/(native-helper|node_modules|test)\//, '$1/')}:${lineNumber + 1}`
      : '(native)';
    const key = `${functionName}@${where}@${category}`;
    const entry = functions.get(key) ?? { name: functionName || '(anonymous)', where, category, selfMs: 0, percent: 0 };
    entry.selfMs += ms;
    functions.set(key, entry);
  }
  const busyMs = totalMs - idleMs;
  const top = [...functions.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, topCount);
  for (const entry of top) entry.percent = (entry.selfMs / busyMs) * 100;
  return {
    totalMs,
    busyMs,
    categories: [...categories.entries()]
      .map(([category, ms]) => ({ category, ms, percentOfBusy: (ms / busyMs) * 100 }))
      .sort((a, b) => b.ms - a.ms),
    top,
  };
}

export interface GcSummary {
  scavenges: number;
  scavengeMs: number;
  markCompacts: number;
  markCompactMs: number;
  /** Young-generation MB freed by scavenges: roughly what was allocated and died young. */
  scavengedMb: number;
}

/** Lines of `node --trace-gc`, e.g. `[pid:0x...]  1234 ms: Scavenge 5.6 (6.8) -> 4.8 (7.8) MB, 0.62 / 0.00 ms ...`. */
export function summariseTraceGc(text: string): GcSummary {
  const summary: GcSummary = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0, scavengedMb: 0 };
  for (const match of text.matchAll(
    /ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^\n]*? ([0-9.]+) \(([0-9.]+)\) -> ([0-9.]+) \(([0-9.]+)\) MB, (?:pooled: [0-9.]+ MB, )?([0-9.]+) \/ ([0-9.]+) ms/g,
  )) {
    const pause = Number(match[6]);
    if (match[1] === 'Scavenge' || match[1] === 'Minor Mark-Sweep') {
      summary.scavenges++;
      summary.scavengeMs += pause;
      summary.scavengedMb += Math.max(0, Number(match[2]) - Number(match[4]));
    } else {
      summary.markCompacts++;
      summary.markCompactMs += pause;
    }
  }
  return summary;
}
