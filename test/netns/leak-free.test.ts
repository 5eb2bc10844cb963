// Leak-free networking through the real `warren` binary: the kill switch (`--block-untunneled`, and a stored
// tunnel's blockUntunneled across a helper killed with SIGKILL and restarted), Exclude private IPs, and a change
// of the underlay address that the helper notices and handshakes again after.
//
// Topology: the interop harness's a (Warren) and b (wireguard-go) joined by veth0 (10.201.0.0/24), plus a third
// namespace c, the "outside", joined to a by veth1, a second path that does not go through the tunnel:
//
//   a: veth1 192.168.77.1/24, 2001:db8:77::1/64 --- veth1 192.168.77.2/24, 2001:db8:77::2/64 :c
//      main default route via 192.168.77.2           lo 10.99.0.1 (a private network behind the LAN gateway),
//                                                       203.0.113.9 (a public-looking host out there)
//   b: lo 198.51.100.7 (a public-looking host behind the tunnel)
//
// Every address exists only inside namespaces this suite creates; everything is removed afterwards, also after a
// failure (tunnels down, helpers and probes killed, namespaces deleted).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { eventually, hasNft, sleep, wgDump } from './interop-inspect.js';
import { PORT, type Site, WARREN, canRunInterop } from './interop-site.js';
import { IP, type TestNamespace, createNamespace, run } from './namespace.js';
import { accepts } from './socket-accepts.js';
import { backgroundNode, killChild, tcpConnectScript } from './in-namespace.js';

const LAN_A = '192.168.77.1';
const LAN_C = '192.168.77.2';
const LAN6_A = '2001:db8:77::1';
const LAN6_C = '2001:db8:77::2';
const PRIVATE_BEHIND_LAN = '10.99.0.1';
const PUBLIC_OUTSIDE = '203.0.113.9';
const PUBLIC_BEHIND_TUNNEL = '198.51.100.7';
const TCP_PORT = 7777;
const UDP_PORT = 9999;

/** A TCP listener on every address (dual stack) that accepts and closes. */
const TCP_LISTENER = `require('node:net').createServer((s) => s.end()).listen(${TCP_PORT}, '::', () => console.log('listening'));`;
/** A UDP receiver on every address that prints one line per datagram, with where it came to. */
const UDP_RECEIVER =
  `const s = require('node:dgram').createSocket({ type: 'udp6', ipv6Only: false });` +
  `s.on('message', (m) => console.log('got ' + m.toString())); s.bind(${UDP_PORT}, '::', () => console.log('listening'));`;
/** Sends a datagram every 20 ms to each target, ignoring errors (a kill switch answers EPERM). */
const udpProber = (targets: string[]) =>
  `const dgram = require('node:dgram'); const v4 = dgram.createSocket('udp4'); const v6 = dgram.createSocket('udp6');` +
  `v4.on('error', () => {}); v6.on('error', () => {}); let n = 0;` +
  `setInterval(() => { n++; for (const t of ${JSON.stringify(targets)}) (t.includes(':') ? v6 : v4).send(t + ' ' + n, ${UDP_PORT}, t, () => {}); }, 20);`;

describe.skipIf(!canRunInterop || !hasNft)('leak-free networking', () => {
  let topology: Topology;
  let a: Site;
  let go: Site;
  let c: TestNamespace;
  let dir: string;
  const children: ChildProcess[] = [];

  const background = (ns: TestNamespace, script: string) => backgroundNode(ns.name, ['-e', script], children);
  const stop = killChild;

  /** Whether a TCP connection from a to host reaches c's listener within 1.5 s. */
  const tcpReaches = async (host: string): Promise<boolean> => {
    const result = await a.exec([process.execPath, '-e', tcpConnectScript(host, TCP_PORT)], 5000);
    return result.status === 0;
  };
  const pings = async (target: string) => (await a.ping(target, { count: 1, deadline: 2 })).ok;

  const ourTables = async (ns: TestNamespace) =>
    (await ns.exec(['nft', 'list', 'tables'])).split('\n').filter((line) => line.includes('warren'));

  const writeConf = (name: string, extra: string[] = []): string => {
    const file = join(dir, `${name}.conf`);
    const lines = [
      '[Interface]',
      `PrivateKey = ${a.keys.privateKey}`,
      `ListenPort = ${PORT}`,
      `Address = ${a.tunnel4}/24, ${a.tunnel6}/64`,
      ...extra,
      '',
      '[Peer]',
      `PublicKey = ${go.keys.publicKey}`,
      'AllowedIPs = 0.0.0.0/0, ::/0',
      `Endpoint = ${go.underlay}:${PORT}`,
      '',
    ];
    writeFileSync(file, lines.join('\n'), { mode: 0o600 });
    return file;
  };

  const upFile = async (...flags: string[]) => {
    const result = await a.warren('up', ...flags, writeConf(a.name));
    expect(result.status, `${result.stderr}\n${a.logTail()}`).toBe(0);
  };
  const downFile = async () => {
    if (existsSync(a.controlSocket)) await a.warren('down', a.name);
    await eventually(async () => expect(await a.helperPids()).toEqual([]), 5000, 50);
  };

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'warren-leak-'));
    topology = await Topology.create(['warren', 'wireguard-go']);
    [a, go] = [topology.a, topology.b];
    c = await createNamespace();
    await run([IP, '-n', a.ns.name, 'link', 'add', 'veth1', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', c.name]);
    for (const [ns, v4, v6] of [
      [a.ns, LAN_A, LAN6_A],
      [c, LAN_C, LAN6_C],
    ] as const) {
      await run([IP, '-n', ns.name, 'link', 'set', 'veth1', 'addrgenmode', 'none']);
      await run([IP, '-n', ns.name, 'addr', 'add', `${v4}/24`, 'dev', 'veth1']);
      await run([IP, '-n', ns.name, 'addr', 'add', `${v6}/64`, 'dev', 'veth1', 'nodad']);
      await run([IP, '-n', ns.name, 'link', 'set', 'veth1', 'up']);
    }
    await run([IP, '-n', c.name, 'addr', 'add', `${PRIVATE_BEHIND_LAN}/32`, 'dev', 'lo']);
    await run([IP, '-n', c.name, 'addr', 'add', `${PUBLIC_OUTSIDE}/32`, 'dev', 'lo']);
    await run([IP, '-n', a.ns.name, 'route', 'add', 'default', 'via', LAN_C]);
    await run([IP, '-n', go.ns.name, 'addr', 'add', `${PUBLIC_BEHIND_TUNNEL}/32`, 'dev', 'lo']);
    const listener = background(c, TCP_LISTENER);
    await eventually(() => expect(listener.lines).toContain('listening'), 5000, 20);
    // wireguard-go knows Warren by a's tunnel addresses only; Warren's tunnel is a full one (writeConf).
    await topology.start(go);
  }, 60_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') console.error(`helper log of a:\n${a.logTail()}`);
    await downFile().catch(() => {});
  });

  afterAll(async () => {
    for (const child of children.splice(0)) stop(child);
    await topology?.cleanup();
    await c?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('blocks untunneled traffic, IPv6 included, while the tunnel carries its own; down lifts it and leaves no table', async () => {
    // The second path works without the kill switch.
    expect(await pings(LAN_C)).toBe(true);
    expect(await pings(LAN6_C)).toBe(true);
    expect(await tcpReaches(LAN_C)).toBe(true);

    await upFile('--block-untunneled');
    expect(await ourTables(a.ns)).toContain(`table inet warren-killswitch-${a.name}`);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect((await a.ping(go.tunnel6)).ok).toBe(true);
    const transfer = await topology.transfer(a, go, 200_000);
    expect(transfer.received).toEqual(transfer.sent);

    for (const target of [LAN_C, LAN6_C, PUBLIC_OUTSIDE]) expect(await pings(target), target).toBe(false);
    for (const target of [LAN_C, LAN6_C]) expect(await tcpReaches(target), target).toBe(false);

    await downFile();
    expect(await ourTables(a.ns)).toEqual([]);
    expect(await pings(LAN_C)).toBe(true);
    expect(await pings(LAN6_C)).toBe(true);
    expect(await tcpReaches(LAN6_C)).toBe(true);
  }, 30_000);

  it('keeps the LAN reachable with Exclude private IPs while public addresses go through the tunnel', async () => {
    await upFile('--block-untunneled', '--exclude-private-ips');
    // A private network behind the LAN's default gateway, and the LAN itself, stay off the tunnel...
    const route = async (target: string) => (await a.ns.ipJson<{ dev: string }[]>('route', 'get', target))[0]!.dev;
    expect(await route(PRIVATE_BEHIND_LAN)).toBe('veth1');
    expect(await pings(PRIVATE_BEHIND_LAN)).toBe(true);
    expect(await pings(LAN_C)).toBe(true);
    expect(await tcpReaches(LAN_C)).toBe(true);
    // ...while a public address goes into the tunnel (only wireguard-go's side has it), and one outside is blocked.
    expect(await route(PUBLIC_BEHIND_TUNNEL)).toBe(a.name);
    expect(await pings(PUBLIC_BEHIND_TUNNEL)).toBe(true);
    expect(await route(PUBLIC_OUTSIDE)).toBe(a.name);
    expect(await pings(PUBLIC_OUTSIDE)).toBe(false);
  }, 30_000);

  it('leaves no leak window when the helper is killed with SIGKILL and restarted', async () => {
    const runtime = join(dir, 'run');
    const state = join(dir, 'store');
    mkdirSync(runtime, { recursive: true });
    const socket = join(runtime, `control-${statSync(`/run/netns/${a.ns.name}`).ino}.sock`);
    const daemonLog = join(dir, 'daemon.log');
    const startDaemon = async (): Promise<ChildProcess> => {
      const log = openSync(daemonLog, 'a');
      const child = spawn(
        IP,
        [
          'netns',
          'exec',
          a.ns.name,
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
      children.push(child);
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`warren daemon exited:\n${readFileSync(daemonLog, 'utf8')}`);
          if (!(await accepts(socket))) throw new Error('the helper does not answer');
        },
        10_000,
        20,
      );
      return child;
    };
    const call = async <T>(request: (client: ControlClient) => Promise<T>): Promise<T> => {
      const client = await ControlClient.connect(socket);
      try {
        return await request(client);
      } finally {
        client.close();
      }
    };
    const daemonPid = async (): Promise<number> => {
      const pids = (await run([IP, 'netns', 'pids', a.ns.name]))
        .split('\n')
        .filter((l) => /^\d+$/.test(l))
        .map(Number);
      const found = pids.filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('daemon');
        } catch {
          return false;
        }
      });
      expect(found).toHaveLength(1);
      return found[0]!;
    };

    let daemon = await startDaemon();
    const receiver = background(c, UDP_RECEIVER);
    let prober: ChildProcess | null = null;
    try {
      await eventually(() => expect(receiver.lines).toContain('listening'), 5000, 20);
      await call(async (client) => {
        const [imported] = await client.call('import', {
          files: [{ filename: `${a.name}.conf`, text: readFileSync(writeConf(a.name), 'utf8') }],
        });
        expect(imported!.errors).toEqual([]);
        await client.call('setOptions', { name: a.name, options: { blockUntunneled: true } });
        await client.call('up', { name: a.name });
      });
      expect((await a.ping(go.tunnel4)).ok).toBe(true);

      // Probes out of both untunneled ways (the LAN, and the default route a crashed full tunnel falls back to).
      prober = background(a.ns, udpProber([LAN_C, LAN6_C, PUBLIC_OUTSIDE])).child;
      await sleep(300);
      process.kill(await daemonPid(), 'SIGKILL');
      await eventually(() => expect(daemon.exitCode !== null || daemon.signalCode !== null).toBe(true), 5000, 10);
      await sleep(500); // the gap a service manager leaves before the restart
      expect(await ourTables(a.ns)).toContain(`table inet warren-killswitch-${a.name}`);
      daemon = await startDaemon();
      await eventually(
        async () => expect((await call((client) => client.call('list', {})))[0]?.state).not.toBe('down'),
        10_000,
        50,
      );
      expect((await a.ping(go.tunnel4)).ok).toBe(true);
      await sleep(300);
      expect(receiver.lines.filter((line) => line.startsWith('got '))).toEqual([]);

      // The probes do get through once the tunnel is down: the kill switch, nothing else, held them.
      await call((client) => client.call('down', { name: a.name }));
      expect(await ourTables(a.ns)).toEqual([]);
      await eventually(
        () => expect(receiver.lines.some((line) => line.startsWith(`got ${LAN_C} `))).toBe(true),
        3000,
        20,
      );
      await eventually(
        () => expect(receiver.lines.some((line) => line.startsWith(`got ${PUBLIC_OUTSIDE} `))).toBe(true),
        3000,
        20,
      );
    } finally {
      if (prober) stop(prober);
      stop(receiver.child);
      await call((client) => client.call('delete', { name: a.name })).catch(() => {});
      stop(daemon);
      await eventually(() => expect(daemon.exitCode !== null || daemon.signalCode !== null).toBe(true), 5000, 10).catch(
        () => {},
      );
      await a.ns.exec(['nft', 'delete', 'table', 'inet', `warren-killswitch-${a.name}`]).catch(() => {});
    }
  }, 30_000);

  it('handshakes again after the underlay address changes, so the peer finds us at the new one', async () => {
    await topology.start(a); // a's tunnel to wireguard-go's address only, no kill switch
    try {
      expect((await a.ping(go.tunnel4)).ok).toBe(true);
      const moved = '10.201.0.3';
      await a.ns.exec([IP, 'addr', 'del', `${a.underlay}/24`, 'dev', 'veth0']);
      await a.ns.exec([IP, 'addr', 'add', `${moved}/24`, 'dev', 'veth0']);
      // Only wireguard-go talks from here on: it can reach a only once a has told it where it is now. Well
      // before the 10 s of a passive keepalive, which would tell it too.
      await eventually(async () => expect((await wgDump(go)).peers[0]!.endpoint).toBe(`${moved}:${PORT}`), 5000, 100);
      expect((await go.ping(a.tunnel4)).ok).toBe(true);
    } finally {
      await a.ns.exec([IP, 'addr', 'flush', 'dev', 'veth0']).catch(() => {});
      await a.ns.exec([IP, 'addr', 'add', `${a.underlay}/24`, 'dev', 'veth0']).catch(() => {});
    }
  }, 30_000);
});
