// The kill switch through the helper service (`warren daemon` with a store), where it meets the rest of the
// system: a hostname Endpoint restored while a crashed helper's kill switch still blocks DNS, a peer that roams
// while the switch lets the tunnel's UDP through by endpoint address (a split tunnel, no fwmark), and container
// bridges (allowBridges) and blocking itself switched as a stored tunnel's options while it runs.
//
// Topology: the interop harness's a (Warren) and b (wireguard-go) joined by veth0 (10.201.0.0/24), plus
//
//   a: veth1 192.168.77.1/24 ----------- veth1 192.168.77.2/24 :c   the LAN: a DNS server (fixtures/dns-server.mjs)
//      default via 192.168.77.2                                     answering NAME with b's underlay address, and
//      br-test 100.70.0.1/24 (a bridge)                             203.0.113.9 on lo, a host out there; both
//        \-- veth -- eth0 100.70.0.2/24 :d                          a and c listen on TCP port 7777
//      d: a "container" behind the bridge, default via 100.70.0.1
//
// a's /etc/resolv.conf (`ip netns exec` shows it /etc/netns/a/resolv.conf) names c's server. Every address exists
// only in namespaces this suite creates; everything is removed afterwards, also after a failure (daemon and
// fixtures killed, tunnels deleted, namespaces and their /etc/netns removed).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { eventually, hasNft, sleep } from './interop-inspect.js';
import { PORT, type Site, WARREN, canRunInterop } from './interop-site.js';
import { IP, type TestNamespace, createNamespace, run, writeNamespaceEtc } from './namespace.js';
import { accepts } from './socket-accepts.js';
import { backgroundNode, killChild, tcpReaches as tcpReachesFrom } from './in-namespace.js';

const DNS_FIXTURE = fileURLToPath(new URL('./fixtures/dns-server.mjs', import.meta.url));
const NAME = 'peer.warren-test';
const LAN_A = '192.168.77.1';
const LAN_C = '192.168.77.2';
const OUTSIDE = '203.0.113.9';
const BRIDGE = 'br-test';
const BRIDGE_A = '100.70.0.1';
const CONTAINER = '100.70.0.2';
const TCP_PORT = 7777;
/** Where b's wireguard-go moves to in the roaming test. */
const MOVED = '10.201.0.4';
const MOVED_PORT = PORT + 1;

describe.skipIf(!canRunInterop || !hasNft)('leak-free networking through the helper service', () => {
  let topology: Topology;
  let a: Site;
  let go: Site;
  let c: TestNamespace;
  let d: TestNamespace;
  let dir: string;
  let runtime: string;
  let state: string;
  let socket: string;
  let daemonLog: string;
  let daemon: ChildProcess | null = null;
  const children: ChildProcess[] = [];
  let dnsQueries: string[] = [];
  let tunnelDnsQueries: string[] = [];

  const background = (ns: TestNamespace, args: string[]) => backgroundNode(ns.name, args, children);
  const kill = killChild;
  const exited = (child: ChildProcess) =>
    eventually(() => expect(child.exitCode !== null || child.signalCode !== null).toBe(true), 5000, 10);

  const startDaemon = async (): Promise<void> => {
    const log = openSync(daemonLog, 'a');
    const child = spawn(
      IP,
      [
        'netns',
        'exec',
        a.ns.name,
        'setsid',
        process.execPath,
        WARREN,
        'daemon',
        '--state-dir',
        state,
        '--runtime-dir',
        runtime,
      ],
      {
        stdio: ['ignore', log, log],
        env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent' },
      },
    );
    daemon = child;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`warren daemon exited:\n${logTail()}`);
        if (!(await accepts(socket))) throw new Error('the helper does not answer');
      },
      10_000,
      20,
    );
  };
  const logTail = () => {
    try {
      return readFileSync(daemonLog, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no helper log)';
    }
  };
  const call = async <T>(request: (client: ControlClient) => Promise<T>): Promise<T> => {
    const client = await ControlClient.connect(socket);
    try {
      return await request(client);
    } finally {
      client.close();
    }
  };
  const summary = async () => (await call((client) => client.call('list', {}))).find((t) => t.name === a.name);
  const show = async () => (await call((client) => client.call('show', { name: a.name })))[0]!;
  const storedState = () => JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')).tunnels[a.name];
  const killSwitchTable = async () =>
    (await a.ns.exec(['nft', 'list', 'table', 'inet', `warren-killswitch-${a.name}`]).catch(() => '')).trim();

  /** Imports a.name with these [Peer] lines and options, as the app would, and brings it up. */
  const importAndUp = async (
    peer: string[],
    options: { blockUntunneled: boolean; allowBridges?: boolean },
    iface: string[] = [],
  ) => {
    const text = [
      '[Interface]',
      `PrivateKey = ${a.keys.privateKey}`,
      `ListenPort = ${PORT}`,
      `Address = ${a.tunnel4}/24`,
      ...iface,
      '',
      '[Peer]',
      `PublicKey = ${go.keys.publicKey}`,
      ...peer,
      '',
    ].join('\n');
    await call(async (client) => {
      const [imported] = await client.call('import', { files: [{ filename: `${a.name}.conf`, text }] });
      expect(imported!.errors).toEqual([]);
      await client.call('setOptions', { name: a.name, options });
      await client.call('up', { name: a.name });
    });
  };

  /** SIGKILL, as a crash would; the kill switch's table stays behind it. */
  const crashDaemon = async () => {
    const child = daemon!;
    child.kill('SIGKILL');
    await exited(child);
  };

  const tcpReaches = (ns: TestNamespace, host: string) => tcpReachesFrom(ns, host, TCP_PORT);
  const pings = (ns: TestNamespace, target: string) =>
    ns.exec(['ping', '-n', '-c', '1', '-w', '2', target]).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'warren-leak-helper-'));
    runtime = join(dir, 'run');
    state = join(dir, 'store');
    daemonLog = join(dir, 'daemon.log');
    mkdirSync(runtime);
    topology = await Topology.create(['warren', 'wireguard-go']);
    [a, go] = [topology.a, topology.b];
    socket = join(runtime, `control-${statSync(`/run/netns/${a.ns.name}`).ino}.sock`);
    c = await createNamespace();
    d = await createNamespace();
    await run([IP, '-n', a.ns.name, 'link', 'add', 'veth1', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', c.name]);
    for (const [ns, v4] of [
      [a.ns, LAN_A],
      [c, LAN_C],
    ] as const) {
      await run([IP, '-n', ns.name, 'addr', 'add', `${v4}/24`, 'dev', 'veth1']);
      await run([IP, '-n', ns.name, 'link', 'set', 'veth1', 'up']);
    }
    await run([IP, '-n', c.name, 'addr', 'add', `${OUTSIDE}/32`, 'dev', 'lo']);
    await run([IP, '-n', c.name, 'route', 'add', '100.70.0.0/24', 'via', LAN_A]);
    await run([IP, '-n', a.ns.name, 'route', 'add', 'default', 'via', LAN_C]);
    // The container behind a bridge of a container manager's kind and name.
    await run([IP, '-n', a.ns.name, 'link', 'add', BRIDGE, 'type', 'bridge']);
    await run([IP, '-n', d.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'veth-d', 'netns', a.ns.name]);
    await a.ns.exec([IP, 'link', 'set', 'veth-d', 'master', BRIDGE, 'up']);
    await a.ns.exec([IP, 'addr', 'add', `${BRIDGE_A}/24`, 'dev', BRIDGE]);
    await a.ns.exec([IP, 'link', 'set', BRIDGE, 'up']);
    await a.ns.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await d.exec([IP, 'addr', 'add', `${CONTAINER}/24`, 'dev', 'eth0']);
    await d.exec([IP, 'link', 'set', 'eth0', 'up']);
    await d.exec([IP, 'route', 'add', 'default', 'via', BRIDGE_A]);
    // a's resolver: c's DNS server, over the LAN (where a kill switch drops DNS); one quick try.
    await writeNamespaceEtc(a.ns, 'resolv.conf', `nameserver ${LAN_C}\noptions timeout:1 attempts:1\n`);
    const dns = background(c, [DNS_FIXTURE, LAN_C, NAME, go.underlay]);
    dnsQueries = dns.lines;
    const listen = `require('node:net').createServer((s) => s.end()).listen(${TCP_PORT}, () => console.log('listening'))`;
    const host = background(a.ns, ['-e', listen]);
    const outside = background(c, ['-e', listen]);
    await eventually(
      () => expect([dns.lines[0], host.lines[0], outside.lines[0]]).toEqual(['listening', 'listening', 'listening']),
      5000,
      20,
    );
    // wireguard-go knows Warren by a's tunnel address and its underlay endpoint.
    await topology.start(go);
    // The tunnel's own resolver, on b's tunnel address: reached only through the tunnel.
    const tunnelDns = background(go.ns, [DNS_FIXTURE, go.tunnel4, NAME, go.underlay]);
    tunnelDnsQueries = tunnelDns.lines;
    await eventually(() => expect(tunnelDns.lines[0]).toBe('listening'), 5000, 20);
    await startDaemon();
  }, 60_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') console.error(`helper log:\n${logTail()}`);
    if (daemon === null || daemon.exitCode !== null || daemon.signalCode !== null) await startDaemon().catch(() => {});
    await call((client) => client.call('delete', { name: a.name })).catch(() => {});
    await a.ns.exec(['nft', 'delete', 'table', 'inet', `warren-killswitch-${a.name}`]).catch(() => {});
  });

  afterAll(async () => {
    kill(daemon);
    for (const child of children.splice(0)) kill(child);
    await topology?.cleanup();
    await c?.remove();
    await d?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('restores a tunnel with a hostname Endpoint while its held kill switch blocks DNS, from the address remembered', async () => {
    await importAndUp(['AllowedIPs = 0.0.0.0/0', `Endpoint = ${NAME}:${PORT}`], { blockUntunneled: true }, [
      `DNS = ${go.tunnel4}`,
    ]);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect(dnsQueries.some((line) => line.includes(NAME) && line.endsWith(`from ${LAN_A}`))).toBe(true);
    await eventually(() => expect(storedState().lastResolved).toEqual({ [NAME]: go.underlay }), 3000, 50);

    // First, what happens with nothing remembered (as before the fix): the held kill switch drops the lookup,
    // the tunnel cannot come back, and its kill switch goes with it.
    await crashDaemon();
    const file = join(state, 'state.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    delete saved.tunnels[a.name].lastResolved;
    writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
    const queriesBefore = dnsQueries.length;
    await startDaemon();
    await eventually(async () => expect((await summary())?.state).toBe('error'), 10_000, 50);
    expect((await summary())?.error).toMatch(`cannot resolve Endpoint host ${NAME}`);
    // No DNS hole: the lookup never reached the LAN's resolver.
    expect(dnsQueries.length).toBe(queriesBefore);

    // Up again (no kill switch: the lookup works and is remembered), crash, restart: back from the remembered
    // address, the kill switch held throughout, and still no lookup got out.
    await call((client) => client.call('up', { name: a.name }));
    await eventually(() => expect(storedState().lastResolved).toEqual({ [NAME]: go.underlay }), 3000, 50);
    await crashDaemon();
    expect(await killSwitchTable()).not.toBe('');
    const queriesAtCrash = dnsQueries.length;
    const tunnelQueriesAtCrash = tunnelDnsQueries.length;
    await startDaemon();
    await eventually(async () => expect((await summary())?.state).toBe('up'), 15_000, 50);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect(await killSwitchTable()).toContain('meta mark'); // a full tunnel's: by its sockets' fwmark
    expect(dnsQueries.length).toBe(queriesAtCrash);
    expect(readFileSync(daemonLog, 'utf8')).toContain(
      `using the address it last resolved to, ${go.underlay}, until a lookup works`,
    );
    expect(await pings(a.ns, LAN_C)).toBe(false);
    // Once up, the name is looked up again, through the tunnel, at the tunnel's resolver.
    const since = () => tunnelDnsQueries.slice(tunnelQueriesAtCrash);
    await eventually(
      () => expect(since().some((line) => line.includes(NAME) && line.endsWith(`from ${a.tunnel4}`))).toBe(true),
      5000,
      50,
    );
  }, 60_000);

  it('lets the tunnel through to where a roaming peer went, on a split tunnel whose kill switch goes by endpoint', async () => {
    await importAndUp([`AllowedIPs = ${go.tunnel4}/32`, `Endpoint = ${go.underlay}:${PORT}`], {
      blockUntunneled: true,
    });
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    const table = await killSwitchTable();
    expect(table).toContain(`ip daddr . udp dport { ${go.underlay} . ${PORT} }`);
    expect(table).not.toContain('meta mark');
    try {
      // The peer moves: only it can tell us (its packets from the new address, authenticated, move our endpoint).
      // Delete first: the new address added beside the old would be a secondary, deleted with it.
      await go.ns.exec([IP, 'addr', 'del', `${go.underlay}/24`, 'dev', 'veth0']);
      await go.ns.exec([IP, 'addr', 'add', `${MOVED}/24`, 'dev', 'veth0']);
      // A new port too, as a NAT's new mapping would give. Setting a's endpoint again (the same) drops the source
      // address this wireguard-go keeps from its last packet (sticky sockets), which it no longer has.
      const set = await go.wg(
        'set',
        go.name,
        'listen-port',
        String(MOVED_PORT),
        'peer',
        a.keys.publicKey,
        'endpoint',
        `${a.underlay}:${PORT}`,
      );
      expect(set.status, set.stderr).toBe(0);
      // Warren's replies go to the new endpoint: before the kill switch follows, it drops them.
      await eventually(
        async () => expect((await go.ping(a.tunnel4, { count: 1, deadline: 2 })).ok).toBe(true),
        10_000,
        0,
      );
      expect((await show()).peers[0]!.endpoint).toBe(`${MOVED}:${MOVED_PORT}`);
      const followed = await killSwitchTable();
      expect(followed).toContain(`ip daddr . udp dport { ${MOVED} . ${MOVED_PORT} }`);
      expect(followed).not.toContain(`${go.underlay} . ${PORT}`);
      // Both ways, steadily, and nothing else let out.
      expect((await a.ping(go.tunnel4)).ok).toBe(true);
      expect((await go.ping(a.tunnel4)).ok).toBe(true);
      expect(await pings(a.ns, LAN_C)).toBe(false);
      expect(readFileSync(daemonLog, 'utf8')).toContain("the kill switch now lets the tunnel's UDP to it through");
    } finally {
      await go.wg('set', go.name, 'listen-port', String(PORT)).catch(() => {});
      await go.ns.exec([IP, 'addr', 'flush', 'dev', 'veth0']).catch(() => {});
      await go.ns.exec([IP, 'addr', 'add', `${go.underlay}/24`, 'dev', 'veth0']).catch(() => {});
    }
  }, 60_000);

  it('lets a container behind a bridge reach this host with allowBridges, and never out past the tunnel; settings apply while it runs', async () => {
    // Without a kill switch: the container reaches the host and, through it, the outside.
    expect(await tcpReaches(d, BRIDGE_A)).toBe(true);
    expect(await tcpReaches(d, OUTSIDE)).toBe(true);

    await importAndUp([`AllowedIPs = ${go.tunnel4}/32`, `Endpoint = ${go.underlay}:${PORT}`], {
      blockUntunneled: true,
      allowBridges: false,
    });
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect(await tcpReaches(d, BRIDGE_A)).toBe(false); // the host's answers into the bridge are dropped
    expect(await pings(a.ns, CONTAINER)).toBe(false);
    expect(await tcpReaches(d, OUTSIDE)).toBe(false);

    // The option set on the running tunnel, as the app's settings switch does: it holds at once.
    const options = await call((client) =>
      client.call('setOptions', { name: a.name, options: { allowBridges: true } }),
    );
    expect(options).toMatchObject({ blockUntunneled: true, allowBridges: true });
    expect(await killSwitchTable()).toContain('container and VM bridges');
    expect(await tcpReaches(d, BRIDGE_A)).toBe(true);
    expect(await pings(a.ns, CONTAINER)).toBe(true);
    expect(await tcpReaches(d, OUTSIDE)).toBe(false); // forwarded to the untunneled path: still dropped
    expect(await pings(a.ns, LAN_C)).toBe(false);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);

    // Blocking switched off and on again while the tunnel runs: the switch goes and comes back with it.
    await call((client) => client.call('setOptions', { name: a.name, options: { blockUntunneled: false } }));
    expect(await killSwitchTable()).toBe('');
    expect(await tcpReaches(d, OUTSIDE)).toBe(true);
    expect(await pings(a.ns, LAN_C)).toBe(true);
    await call((client) => client.call('setOptions', { name: a.name, options: { blockUntunneled: true } }));
    expect(await killSwitchTable()).toContain('container and VM bridges');
    expect(await tcpReaches(d, OUTSIDE)).toBe(false);
    expect(await pings(a.ns, LAN_C)).toBe(false);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);

    await call((client) => client.call('down', { name: a.name }));
    await sleep(100);
    expect(await killSwitchTable()).toBe('');
    expect(await tcpReaches(d, OUTSIDE)).toBe(true);
  }, 60_000);
});
