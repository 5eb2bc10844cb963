/*
 * Starting and stopping the two engines the same way: each a daemon in its own session inside its namespace,
 * never a child in the bench's process group (on a 2-core VM the scheduler's autogroups would otherwise skew
 * the comparison).
 *
 *   wireguard-go  `ip netns exec NS BINARY IF` spawned detached (setsid); it forks its daemon and the parent
 *                 exits; then `wg setconf`, the address and the link up; down is `ip link del IF`. Debian's
 *                 build and upstream's current one (new-go.ts) are started exactly alike.
 *   Warren        `ip netns exec NS node bin/warren.js up FILE`, which starts the namespace's helper itself
 *                 (`warren daemon --exit-when-idle`, detached); down is `warren down IF`, and the helper exits.
 *                 For profiling, the helper is started here first, detached, with extra node flags.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_RUNTIME_FLAGS } from '../../native-helper/cli/helper-connection.js';
import { IP, TUNNEL_A, TUNNEL_B, type Topology, VETH_A, VETH_B, run, sleep } from './topology.js';

/** 'wireguard-go': Debian's build (0.0.20220316); 'wireguard-go-new': upstream's current release (new-go.ts). */
export type EngineKind = 'wireguard-go' | 'wireguard-go-new' | 'warren';

export const ENGINE_LABEL: Record<EngineKind, string> = {
  'wireguard-go': 'deb-go',
  'wireguard-go-new': 'new-go',
  warren: 'Warren',
};

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export interface PeerSpec {
  publicKey: string;
  allowedIps?: string;
  endpoint?: string;
}

export interface EngineSpec {
  kind: EngineKind;
  ns: string;
  ifname: string;
  keys: KeyPair;
  listenPort: number;
  /** CIDR on the tunnel interface, or none. */
  address?: string;
  mtu: number;
  peers: PeerSpec[];
}

export interface EngineOptions {
  /** Upstream wireguard-go's binary (new-go.ts), needed for kind 'wireguard-go-new'. */
  newGo?: string;
  /** The `warren` entry point; bin/warren.js runs the compiled build/. */
  entry: string;
  /** Start the helper here (detached) with these node flags before `warren up`, instead of letting up start it. */
  daemonNodeArgs?: string[];
  daemonEnv?: NodeJS.ProcessEnv;
}

export interface Engine {
  readonly spec: EngineSpec;
  readonly pid: number;
  /** Where the engine's own log goes. */
  readonly logPath: string;
  stop(): Promise<void>;
}

export async function generateKeys(): Promise<KeyPair> {
  const privateKey = (await run(['wg', 'genkey'])).stdout.trim();
  const child = spawn('wg', ['pubkey'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let publicKey = '';
  child.stdout.on('data', (chunk: Buffer) => (publicKey += chunk.toString()));
  child.stdin.end(privateKey + '\n');
  await new Promise((resolve) => child.on('close', resolve));
  return { privateKey, publicKey: publicKey.trim() };
}

/**
 * Side A or B of the topology's pair: its tunnel address, port 51801 (A) or 51802 (B), and the other side as its
 * one peer, reached over the veth.
 */
export function sideSpec(
  topology: Topology,
  kind: EngineKind,
  which: 'a' | 'b',
  ifname: string,
  own: KeyPair,
  peer: KeyPair,
): EngineSpec {
  const a = which === 'a';
  return {
    kind,
    ns: a ? topology.a : topology.b,
    ifname,
    keys: own,
    listenPort: a ? 51801 : 51802,
    address: `${a ? TUNNEL_A : TUNNEL_B}/24`,
    mtu: 1420,
    peers: [
      {
        publicKey: peer.publicKey,
        allowedIps: `${a ? TUNNEL_B : TUNNEL_A}/32`,
        endpoint: a ? `${VETH_B}:51802` : `${VETH_A}:51801`,
      },
    ],
  };
}

/** wg-quick text (Warren) or wg setconf text (wireguard-go, no Address/MTU). */
function configText(spec: EngineSpec, wgQuick: boolean): string {
  const lines = ['[Interface]', `PrivateKey = ${spec.keys.privateKey}`, `ListenPort = ${spec.listenPort}`];
  if (wgQuick) {
    if (spec.address) lines.push(`Address = ${spec.address}`);
    lines.push(`MTU = ${spec.mtu}`);
  }
  for (const peer of spec.peers) {
    lines.push('', '[Peer]', `PublicKey = ${peer.publicKey}`);
    if (peer.allowedIps) lines.push(`AllowedIPs = ${peer.allowedIps}`);
    if (peer.endpoint) lines.push(`Endpoint = ${peer.endpoint}`);
  }
  return lines.join('\n') + '\n';
}

async function waitFor(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Whether a process of that pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Spawns argv in its own session (setsid), detached from the bench, output to a log file. */
function spawnDaemon(argv: string[], logPath: string, env: NodeJS.ProcessEnv): void {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('spawnDaemon: an empty command');
  const log = openSync(logPath, 'a', 0o600);
  const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log], env });
  child.unref();
  closeSync(log);
}

export async function startEngine(topology: Topology, spec: EngineSpec, options: EngineOptions): Promise<Engine> {
  switch (spec.kind) {
    case 'wireguard-go':
      return startWireguardGo(topology, spec, 'wireguard-go');
    case 'wireguard-go-new':
      if (options.newGo === undefined) throw new Error("no build of upstream's wireguard-go was given (new-go.ts)");
      return startWireguardGo(topology, spec, options.newGo);
    case 'warren':
      return startWarren(topology, spec, options);
  }
}

/** Both builds start alike: the same flags, environment and configuration, `binary` the only difference. */
async function startWireguardGo(topology: Topology, spec: EngineSpec, binary: string): Promise<Engine> {
  const { ns, ifname } = spec;
  const socket = `/var/run/wireguard/${ifname}.sock`;
  topology.rememberLeftover(socket);
  const logPath = join(topology.dir, `${spec.kind}-${ifname}.log`);
  // Without the variable wireguard-go prints a banner about the kernel module; nothing else changes.
  spawnDaemon(topology.inside(ns, [binary, ifname]), logPath, {
    ...process.env,
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
  });
  let pid = 0;
  try {
    await waitFor(`${ifname}'s UAPI socket`, () => existsSync(socket), 5000);
    // The launcher exits once its daemon child runs: then exactly one process is left.
    await waitFor(
      `wireguard-go ${ifname} to daemonize`,
      () => topology.findPids(ns, [binary, ifname]).length === 1,
      5000,
    );
    const [found] = topology.findPids(ns, [binary, ifname]);
    if (found === undefined) throw new Error('it exited after daemonizing');
    pid = found;
    const file = join(topology.dir, `${ifname}.setconf`);
    writeFileSync(file, configText(spec, false), { mode: 0o600 });
    await topology.exec(ns, ['wg', 'setconf', ifname, file]);
    if (spec.address) await run([IP, '-n', ns, 'addr', 'add', spec.address, 'dev', ifname]);
    await run([IP, '-n', ns, 'link', 'set', ifname, 'mtu', String(spec.mtu), 'up']);
  } catch (error) {
    throw new Error(`wireguard-go ${ifname} in ${ns}: ${(error as Error).message}\n${tail(logPath)}`, { cause: error });
  }
  return {
    spec,
    pid,
    logPath,
    async stop() {
      // wireguard-go exits when its TUN device goes away.
      await run([IP, '-n', ns, 'link', 'del', ifname]).catch(() => {});
      await waitFor(`wireguard-go ${pid} to exit`, () => !alive(pid), 5000).catch(() => kill(pid));
    },
  };
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

async function startWarren(topology: Topology, spec: EngineSpec, options: EngineOptions): Promise<Engine> {
  const { ns, ifname } = spec;
  topology.rememberLeftover(`/var/run/wireguard/${ifname}.sock`);
  const inode = topology.inode(ns);
  const controlSocket = `/run/warren/control-${inode}.sock`;
  let logPath = `/run/warren/helper-${inode}.log`;
  const file = join(topology.dir, `${ifname}.conf`);
  writeFileSync(file, configText(spec, true), { mode: 0o600 });
  try {
    if (options.daemonNodeArgs) {
      logPath = join(topology.dir, `warren-daemon-${ifname}.log`);
      const argv = topology.inside(ns, [
        process.execPath,
        ...HELPER_RUNTIME_FLAGS,
        ...options.daemonNodeArgs,
        options.entry,
        'daemon',
        '--exit-when-idle',
      ]);
      spawnDaemon(argv, logPath, { ...process.env, ...options.daemonEnv });
      await waitFor('the Warren helper to listen', () => existsSync(controlSocket), 10_000);
    }
    await topology.exec(ns, [process.execPath, options.entry, 'up', file], { timeoutMs: 20_000 });
  } catch (error) {
    throw new Error(`warren up ${ifname} in ${ns}: ${(error as Error).message}\n${tail(logPath)}`, { cause: error });
  }
  // A child the helper is forking (for ip, say) shows the helper's command line until it execs: look again.
  let pids = topology.findPids(ns, [options.entry, 'daemon']);
  await waitFor(
    `one Warren helper in ${ns}`,
    () => (pids = topology.findPids(ns, [options.entry, 'daemon'])).length === 1,
    2000,
  ).catch(() => {
    throw new Error(`expected one Warren helper in ${ns}, found ${pids.length}`);
  });
  const pid = pids[0]!; // exactly one, as waitFor saw
  return {
    spec,
    pid,
    logPath,
    async stop() {
      await topology
        .exec(ns, [process.execPath, options.entry, 'down', ifname], { timeoutMs: 20_000 })
        .catch((error: Error) => {
          process.stderr.write(`warning: ${error.message}\n`);
        });
      // --exit-when-idle: the helper exits after its last tunnel (and writes a --cpu-prof profile on the way).
      await waitFor(`the Warren helper ${pid} to exit`, () => !alive(pid), 15_000).catch(() => kill(pid));
    },
  };
}
