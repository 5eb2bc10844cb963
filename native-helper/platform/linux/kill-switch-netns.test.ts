// The kill switch for real, as root, in network namespaces each test makes and deletes (even on failure):
//   w  the Warren side: a TUN `wt0` whose JS side answers ping (test/netns/fixtures/tun-echo.ts) stands in for
//      the tunnel; a veth to o, with a default route over it, is the second, untunneled path
//   o  the world beyond: an outside host 198.51.100.7 / 2001:db8:2::7 (on its loopback) with a TCP server, and
//      LAN addresses 192.168.50.2 and .3 / fd50::2 on the same veth
//   c  (bridge test) a container behind a bridge br-test in w, which forwards for it
// "Blocked" is seen, not just inferred from silence: the attempt fails AND the table's `untunneled` drop counter
// goes up. (A drop in the output hook fails the sender's system call with EPERM; UDP reports it, but ping does
// not print it and TCP takes it as congestion and retransmits.) Counters also say which rule let a packet through.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Child } from '../../../test/netns/child.js';
import { canCreateNamespaces, createNamespace, IP, type TestNamespace } from '../../../test/netns/namespace.js';
import type { KillSwitchSpec } from '../types.js';
import { createLinuxPlatform } from './index.js';
import { killSwitchCounters } from './kill-switch.js';
import { createCommandRunner } from './run-command.js';

const LINK = 'wt0';
const OUTSIDE4 = '198.51.100.7';
const OUTSIDE6 = '2001:db8:2::7';
const TCP_PORT = 8080;
const PEER_PORT = 5000;
const MARK = 51820;
const closed: KillSwitchSpec = { fwmark: MARK, endpoints: [], allowLan: false, allowBridges: false, dnsServers: [] };
const register = fileURLToPath(new URL('../../../test/netns/register-ts.mjs', import.meta.url));

interface Outcome {
  code: number | null;
  output: string;
}

/** Runs argv, never rejecting: exit code and stdout+stderr. Killed after 5 s. */
function attempt(argv: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 5000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, output: stdout + stderr });
    });
  });
}

const ping = (ns: TestNamespace, ...args: string[]) => attempt([...ns.prefix, 'ping', '-c', '1', '-W', '1', ...args]);
/** A ping expected to be dropped: no need to wait long for the reply that cannot come. */
const pingDropped = (ns: TestNamespace, ...args: string[]) =>
  attempt([...ns.prefix, 'ping', '-c', '1', '-W', '0.3', ...args]);

const TCP_PROBE = `const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setTimeout(1000, () => { console.log('timeout'); process.exit(); });
s.on('data', (d) => { console.log('data ' + d); process.exit(); });
s.on('error', (e) => { console.log('error ' + e.code); process.exit(); });`;

/** What a TCP connection from ns to host says: `data hello` when it works, `timeout` when blocked. */
async function tcp(ns: TestNamespace, host: string, port = TCP_PORT): Promise<string> {
  return (await attempt([...ns.prefix, process.execPath, '-e', TCP_PROBE, host, String(port)])).output.trim();
}

/** Starts a server in ns that answers every connection with `hello`; resolves once it listens. */
async function tcpServer(ns: TestNamespace, port = TCP_PORT): Promise<ChildProcess> {
  const script = `require('node:net').createServer((s) => s.end('hello')).listen(${port}, '::', () => console.log('listening'))`;
  const server = spawn(ns.prefix[0]!, [...ns.prefix.slice(1), process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    server.once('exit', (code) => reject(new Error(`tcp server exited (${code})`)));
  });
  return server;
}

/** Sends one UDP datagram from a udp-peer child; resolves with 'ok' or the errno name it failed with. */
let seq = 0;
async function sendUdp(sender: Child, to: string): Promise<string> {
  sender.send({ cmd: 'send', to: [to], sizes: [32], firstSeq: ++seq });
  const sent = await sender.next('sent');
  return typeof sent.code === 'string' ? sent.code : sent.sent === 1 ? 'ok' : `sent ${String(sent.sent)}`;
}

/** The sources a udp-peer child has received from since last asked, after a moment for datagrams in flight. */
async function receivedFrom(receiver: Child): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  receiver.send({ cmd: 'received' });
  const received = await receiver.next('received');
  return (received.datagrams as { from: string }[]).map((d) => d.from);
}

async function setMark(sender: Child, mark: number): Promise<void> {
  sender.send({ cmd: 'mark', mark });
  await sender.next('mark');
}

async function ourTables(ns: TestNamespace): Promise<string[]> {
  return (await ns.exec(['nft', 'list', 'tables'])).split('\n').filter((line) => line.includes('warren-killswitch'));
}

describe.skipIf(!canCreateNamespaces)('the kill switch in network namespaces', { timeout: 60_000 }, () => {
  let w: TestNamespace;
  let o: TestNamespace;
  const extra: TestNamespace[] = [];
  const children: Child[] = [];
  const processes: ChildProcess[] = [];

  const child = (ns: TestNamespace, fixture: string, args: unknown) => {
    const c = new Child(ns.name, fixture, args);
    children.push(c);
    return c;
  };
  const platform = () => createLinuxPlatform({ runner: createCommandRunner({ prefix: w.prefix }) });
  const counters = () => killSwitchCounters(createCommandRunner({ prefix: w.prefix }), LINK);
  /** Whether `attempt` failed and the kill switch's final drop in `chain` counted it. */
  const dropped = async (attempt: () => Promise<Outcome | string>, chain: 'output' | 'forward' = 'output') => {
    const before = (await counters()).get(`${chain} untunneled`) ?? 0;
    const outcome = await attempt();
    const failed = typeof outcome === 'string' ? outcome !== 'data hello' : outcome.code !== 0;
    return failed && ((await counters()).get(`${chain} untunneled`) ?? 0) > before;
  };

  beforeEach(async () => {
    w = await createNamespace();
    o = await createNamespace();
    for (const ns of [w, o])
      await ns.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    await attempt([
      IP,
      '-n',
      w.name,
      'link',
      'add',
      'veth-w',
      'type',
      'veth',
      'peer',
      'name',
      'veth-o',
      'netns',
      o.name,
    ]);
    const addresses: [TestNamespace, string, string[]][] = [
      [w, 'veth-w', ['203.0.113.1/24', '2001:db8:1::1/64', '192.168.50.1/24', 'fd50::1/64']],
      [o, 'veth-o', ['203.0.113.2/24', '2001:db8:1::2/64', '192.168.50.2/24', '192.168.50.3/24', 'fd50::2/64']],
    ];
    for (const [ns, dev, list] of addresses) {
      for (const address of list)
        await ns.exec(['ip', 'address', 'add', address, 'dev', dev, ...(address.includes(':') ? ['nodad'] : [])]);
      await ns.exec(['ip', 'link', 'set', dev, 'up']);
    }
    await o.exec(['ip', 'address', 'add', `${OUTSIDE4}/32`, 'dev', 'lo']);
    await o.exec(['ip', 'address', 'add', `${OUTSIDE6}/128`, 'dev', 'lo']);
    await w.exec(['ip', 'route', 'add', 'default', 'via', '203.0.113.2']);
    await w.exec(['ip', '-6', 'route', 'add', 'default', 'via', '2001:db8:1::2']);

    const tun = child(w, 'tun-echo.ts', { name: LINK, offload: false });
    expect((await tun.next('open')).name).toBe(LINK);
    await w.exec(['ip', 'address', 'add', '10.99.0.1', 'peer', '10.99.0.2', 'dev', LINK]);
    await w.exec(['ip', '-6', 'address', 'add', 'fd99::1/64', 'dev', LINK, 'nodad']);
    await w.exec(['ip', 'link', 'set', LINK, 'up']);
    processes.push(await tcpServer(o));
  });

  afterEach(async () => {
    for (const c of children.splice(0)) c.kill();
    for (const p of processes.splice(0)) p.kill('SIGKILL');
    for (const ns of [w, o, ...extra.splice(0)]) await ns?.remove();
  });

  it('blocks IPv4 and IPv6 that do not go through the tunnel, lets the tunnel and its marked UDP through, and undo restores', async () => {
    const receiver = child(o, 'udp-peer.ts', { port: PEER_PORT, offload: false });
    const sender = child(w, 'udp-peer.ts', { port: 0, offload: false });
    await Promise.all([receiver.next('open'), sender.next('open')]);
    // The untunneled path works before.
    expect((await ping(w, OUTSIDE4)).code).toBe(0);
    expect((await ping(w, '-6', OUTSIDE6)).code).toBe(0);
    expect(await tcp(w, OUTSIDE4)).toBe('data hello');

    const undo = await platform().killSwitch.apply(LINK, closed);
    expect(await ourTables(w)).toEqual(['table inet warren-killswitch-wt0']);

    for (const target of [[OUTSIDE4], ['-6', OUTSIDE6], ['192.168.50.2'], ['-6', 'fd50::2']]) {
      expect(await dropped(() => pingDropped(w, ...target)), target.join(' ')).toBe(true);
    }
    expect(await dropped(() => tcp(w, OUTSIDE4))).toBe(true);
    expect(await dropped(() => tcp(w, OUTSIDE6))).toBe(true);

    // Through the tunnel: answered by the TUN's JS side.
    expect((await ping(w, '10.99.0.2')).code).toBe(0);
    expect((await ping(w, '-6', 'fd99::2')).code).toBe(0);

    // The tunnel's own UDP, by its mark; IPv6 needs neighbour discovery to work for it (a cold cache).
    await w.exec(['ip', 'neigh', 'flush', 'all']);
    expect(await sendUdp(sender, `${OUTSIDE4}:${PEER_PORT}`)).toBe('EPERM');
    await setMark(sender, MARK);
    expect(await sendUdp(sender, `${OUTSIDE4}:${PEER_PORT}`)).toBe('ok');
    expect(await sendUdp(sender, `[${OUTSIDE6}]:${PEER_PORT}`)).toBe('ok');
    const from = await receivedFrom(receiver);
    expect(from).toHaveLength(2);
    expect(from[0]).toMatch(/^203\.0\.113\.1:\d+$/);
    expect(from[1]).toMatch(/^\[2001:db8:1::1\]:\d+$/);
    // Another mark is not ours.
    await setMark(sender, MARK + 1);
    expect(await sendUdp(sender, `${OUTSIDE4}:${PEER_PORT}`)).toBe('EPERM');

    const counted = await counters();
    expect(counted.get('output tunnel')).toBeGreaterThanOrEqual(2);
    expect(counted.get("output the tunnel's UDP (fwmark)")).toBe(2);
    expect(counted.get('output IPv6 neighbour and router discovery')).toBeGreaterThanOrEqual(1);
    expect(counted.get('output untunneled')).toBeGreaterThanOrEqual(8);

    await undo();
    expect(await ourTables(w)).toEqual([]);
    expect((await ping(w, OUTSIDE4)).code).toBe(0);
    expect((await ping(w, '-6', OUTSIDE6)).code).toBe(0);
    expect(await tcp(w, OUTSIDE6)).toBe('data hello');
    await setMark(sender, 0);
    expect(await sendUdp(sender, `${OUTSIDE4}:${PEER_PORT}`)).toBe('ok');
    await undo(); // a second undo finds nothing to do and does not fail
  });

  it("without a fwmark lets the peer endpoints through; allowLan opens the LAN but not DNS to a resolver that is not the tunnel's", async () => {
    const receiver = child(o, 'udp-peer.ts', { port: PEER_PORT, offload: false });
    const resolver = child(o, 'udp-peer.ts', { port: 53, offload: false });
    const sender = child(w, 'udp-peer.ts', { port: 0, offload: false });
    await Promise.all([receiver.next('open'), resolver.next('open'), sender.next('open')]);
    const spec: KillSwitchSpec = {
      fwmark: null,
      endpoints: [
        { address: OUTSIDE4, port: PEER_PORT },
        { address: OUTSIDE6, port: PEER_PORT },
      ],
      allowLan: true,
      allowBridges: false,
      dnsServers: ['192.168.50.3'],
    };
    const undo = await platform().killSwitch.apply(LINK, spec);

    expect(await sendUdp(sender, `${OUTSIDE4}:${PEER_PORT}`)).toBe('ok');
    expect(await sendUdp(sender, `[${OUTSIDE6}]:${PEER_PORT}`)).toBe('ok');
    expect(await sendUdp(sender, `${OUTSIDE4}:${PEER_PORT + 1}`)).toBe('EPERM');
    expect(await receivedFrom(receiver)).toHaveLength(2);
    expect(await dropped(() => pingDropped(w, OUTSIDE4))).toBe(true);

    // The LAN: private, ULA and link-local addresses.
    expect((await ping(w, '192.168.50.2')).code).toBe(0);
    expect((await ping(w, '-6', 'fd50::2')).code).toBe(0);
    const [veth] = await o.ipJson<{ addr_info: { local: string; scope: string }[] }[]>(
      '-6',
      'address',
      'show',
      'dev',
      'veth-o',
    );
    const linkLocal = veth!.addr_info.find((a) => a.scope === 'link')!.local;
    expect((await ping(w, '-6', `${linkLocal}%veth-w`)).code).toBe(0);
    expect(await tcp(w, '192.168.50.2')).toBe('data hello');

    // DNS on the LAN: to the tunnel's resolver yes, to another one no, over UDP and TCP.
    expect(await sendUdp(sender, '192.168.50.3:53')).toBe('ok');
    expect(await sendUdp(sender, '192.168.50.2:53')).toBe('EPERM');
    expect(await sendUdp(sender, '[fd50::2]:53')).toBe('EPERM');
    expect(await receivedFrom(resolver)).toEqual([expect.stringMatching(/^192\.168\.50\.1:\d+$/)]);
    expect(await tcp(w, '192.168.50.2', 53)).toBe('timeout');
    // DNS through the tunnel goes, whatever the server.
    await w.exec(['ip', 'route', 'add', '9.9.9.9/32', 'dev', LINK]);
    expect(await sendUdp(sender, '9.9.9.9:53')).toBe('ok');

    const counted = await counters();
    expect(counted.get("output the tunnel's UDP (peer endpoints)")).toBe(2);
    expect(counted.get("output DNS not to the tunnel's servers")).toBeGreaterThanOrEqual(3);
    expect(counted.get('output local network')).toBeGreaterThanOrEqual(4);

    // Applying again replaces the rules in place: now without the LAN.
    await platform().killSwitch.apply(LINK, { ...spec, allowLan: false });
    expect(await ourTables(w)).toEqual(['table inet warren-killswitch-wt0']);
    expect(await dropped(() => pingDropped(w, '192.168.50.2'))).toBe(true);
    await undo();
    expect(await ourTables(w)).toEqual([]);
    expect(await sendUdp(sender, '192.168.50.2:53')).toBe('ok');
  });

  it('lets the host reach a container bridge only with allowBridges, and forwards containers into the tunnel or nowhere', async (context) => {
    if ((await attempt([...w.prefix, 'ip', 'link', 'add', 'br-test', 'type', 'bridge'])).code !== 0) {
      context.skip('this kernel cannot make bridges (no bridge module)');
    }
    const c = await createNamespace();
    extra.push(c);
    await attempt([IP, '-n', c.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'veth-c', 'netns', w.name]);
    await w.exec(['ip', 'link', 'set', 'veth-c', 'master', 'br-test', 'up']);
    await w.exec(['ip', 'address', 'add', '100.70.0.1/24', 'dev', 'br-test']);
    await w.exec(['ip', 'link', 'set', 'br-test', 'up']);
    await w.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await c.exec(['ip', 'address', 'add', '100.70.0.2/24', 'dev', 'eth0']);
    await c.exec(['ip', 'link', 'set', 'eth0', 'up']);
    await c.exec(['ip', 'route', 'add', 'default', 'via', '100.70.0.1']);
    await o.exec(['ip', 'route', 'add', '100.70.0.0/24', 'via', '203.0.113.1']);
    // Before: the host reaches the container, and the container reaches the outside through the host.
    expect((await ping(w, '100.70.0.2')).code).toBe(0);
    expect((await ping(c, OUTSIDE4)).code).toBe(0);

    const undo = await platform().killSwitch.apply(LINK, closed);
    expect(await dropped(() => pingDropped(w, '100.70.0.2'))).toBe(true);
    expect((await ping(c, '10.99.0.2')).code).toBe(0); // forwarded into the tunnel, the reply forwarded back
    expect(await dropped(() => pingDropped(c, OUTSIDE4), 'forward')).toBe(true); // forwarded to the untunneled path
    // A packet too big for the tunnel: the host's "fragmentation needed" reaches the container.
    expect((await ping(c, '-M', 'do', '-s', '1450', '10.99.0.2')).output).toMatch(/mtu ?= ?1420/);
    const counted = await counters(); // read now: applying again starts a fresh table
    expect(counted.get('forward into the tunnel')).toBeGreaterThanOrEqual(1);
    expect(counted.get('forward replies from the tunnel')).toBeGreaterThanOrEqual(1);
    expect(counted.get('output ICMP errors about a tracked flow')).toBeGreaterThanOrEqual(1);

    await platform().killSwitch.apply(LINK, { ...closed, allowBridges: true });
    expect((await ping(w, '100.70.0.2')).code).toBe(0);
    expect(await dropped(() => pingDropped(c, OUTSIDE4), 'forward')).toBe(true); // still no leak for the container
    expect((await counters()).get('output container and VM bridges')).toBeGreaterThanOrEqual(1);

    // A bridge that is not a container manager's (an uplink bridge, say) is not let through.
    await w.exec(['ip', 'link', 'set', 'br-test', 'name', 'uplink0']);
    expect(await dropped(() => pingDropped(w, '100.70.0.2'))).toBe(true);
    // Nor is an uplink that only has a container bridge's name: the kind must be bridge too.
    await w.exec(['ip', 'link', 'set', 'veth-w', 'down']);
    await w.exec(['ip', 'link', 'set', 'veth-w', 'name', 'docker1']);
    await w.exec(['ip', 'link', 'set', 'docker1', 'up']);
    await w.exec(['ip', 'route', 'add', 'default', 'via', '203.0.113.2']);
    expect(await dropped(() => pingDropped(w, OUTSIDE4))).toBe(true);

    await undo();
    expect((await ping(w, '100.70.0.2')).code).toBe(0);
    expect((await ping(w, OUTSIDE4)).code).toBe(0);
    expect((await ping(c, OUTSIDE4)).code).toBe(0);
  });

  it("recovery removes the kill switch a crashed helper left, and nobody else's tables", async () => {
    // Tables that are not a kill switch's: another family, another name, a name we could not have made.
    await w.exec(['nft', 'add', 'table', 'ip', `warren-killswitch-${LINK}`]);
    await w.exec(['nft', 'add', 'table', 'inet', 'filter']);
    await w.exec(['nft', 'add', 'table', 'inet', 'warren-killswitch-a_b']);
    const crashed = spawn(
      w.prefix[0]!,
      [
        ...w.prefix.slice(1),
        process.execPath,
        '--import',
        register,
        fileURLToPath(new URL('./testing/kill-switch-child.ts', import.meta.url)),
        LINK,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    processes.push(crashed);
    let stderr = '';
    crashed.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      crashed.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('applied') && resolve());
      crashed.once('exit', (code) => reject(new Error(`the child exited (${code}) before applying: ${stderr}`)));
    });
    const exited = new Promise((resolve) => crashed.once('exit', resolve));
    crashed.kill('SIGKILL');
    await exited;
    // Left behind, it blocks everything.
    expect(await dropped(() => pingDropped(w, OUTSIDE4))).toBe(true);

    const helper = platform();
    expect(await helper.killSwitch.active()).toEqual([LINK]);
    expect(await helper.recoverKillSwitch(LINK)).toEqual([
      'removed the kill switch (nft table inet warren-killswitch-wt0)',
    ]);
    expect(await helper.recoverKillSwitch(LINK)).toEqual([]);
    expect(await helper.killSwitch.active()).toEqual([]);
    expect((await ping(w, OUTSIDE4)).code).toBe(0);
    const tables = (await w.exec(['nft', 'list', 'tables'])).trim().split('\n').sort();
    expect(tables).toEqual([
      'table inet filter',
      'table inet warren-killswitch-a_b',
      `table ip warren-killswitch-${LINK}`,
    ]);
  });
});
