// The kill switch's sign-in hole for captive portals, for real, as root, in network namespaces each test makes and
// deletes (even on failure), with traffic, as kill-switch-netns.test.ts probes the kill switch itself:
//   w  the Warren side: a full tunnel as wg-quick sets one up (a TUN `wt0` whose JS side answers ping, a table
//      51820 whose default route is wt0, the rule `not fwmark 51820 lookup 51820` and main's
//      `suppress_prefixlength 0`, src_valid_mark, and a strict reverse-path filter), its kill switch, and two
//      uplinks: the Wi-Fi-like network veth-w (192.168.50.1/24, gateway and resolver 192.168.50.2) and another one,
//      veth-x (10.77.0.1/24), with a route to 203.0.113.99 only
//   o  the world beyond: the "portal" 198.51.100.7 (on its loopback) serving TCP 80, 443 and 8080, a resolver on
//      192.168.50.2:53, another host 192.168.50.3, and 203.0.113.99 behind veth-x
// While the hole is open, HTTP and HTTPS leave by the network's interface around the full tunnel (and their replies
// pass the strict reverse-path filter), DNS reaches the network's own resolver; nothing else does (another port,
// another resolver, another interface, ping). It closes by itself: the kernel empties it, no undo needed.
// With the tunnel's DNS set by the resolv.conf method (the namespace's /etc/netns/W/resolv.conf, which `ip netns
// exec W` shows its commands as /etc/resolv.conf) and handed to the network's resolver as daemon/portal-hole.ts does
// while the hole is open, the sign-in page's name resolves there (a DNS server on 192.168.50.2 answers it) and
// the page loads by it; after, the file is the tunnel's again byte for byte, and after down the namespace's own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Child } from '../../../test/netns/child.js';
import {
  canCreateNamespaces,
  createNamespace,
  IP,
  type TestNamespace,
  writeNamespaceEtc,
} from '../../../test/netns/namespace.js';
import type { KillSwitchSpec, PortalHoleSpec } from '../types.js';
import { createLinuxPlatform } from './index.js';
import { killSwitchCounters } from './kill-switch.js';
import { renderResolvConf } from './resolv-conf-file.js';
import { createCommandRunner } from './run-command.js';
import { tunnelConfig } from './testing/tunnel-fixtures.js';

const LINK = 'wt0';
const PORTAL = '198.51.100.7';
const ELSEWHERE = '203.0.113.99';
const MARK = 51820;
const spec: KillSwitchSpec = { fwmark: MARK, endpoints: [], allowLan: false, allowBridges: false, dnsServers: [] };
/** Long enough for the probes made while it is open (each a node process), short enough to wait for. */
const HOLE_SECONDS = 8;
const hole = (seconds: number): PortalHoleSpec => ({ device: 'veth-w', dnsServers: ['192.168.50.2'], seconds });
const DNS_SERVER = fileURLToPath(new URL('../../../test/netns/fixtures/dns-server.mjs', import.meta.url));
/** The sign-in page's name, which only the network's resolver knows. */
const PORTAL_NAME = 'portal.hotel.example';
const TUNNEL_DNS = { servers: ['10.99.0.53'], search: ['corp.example'] };
/** w's own resolv.conf, before the tunnel: a resolver w cannot reach. */
const ORIGINAL_RESOLV_CONF = "# w's own\nnameserver 192.0.2.53\n";

function attempt(argv: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 5000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, output: stdout + stderr });
    });
  });
}

const TCP_PROBE = `const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setTimeout(700, () => { console.log('timeout'); process.exit(); });
s.on('data', (d) => { console.log('data ' + d); process.exit(); });
s.on('error', (e) => { console.log('error ' + e.code); process.exit(); });`;

/** `data hello` when a TCP connection from ns gets the server's greeting; `timeout` or `error ...` when not. */
async function tcp(ns: TestNamespace, host: string, port: number): Promise<string> {
  return (await attempt([...ns.prefix, process.execPath, '-e', TCP_PROBE, host, String(port)])).output.trim();
}

let seq = 0;
async function sendUdp(sender: Child, to: string): Promise<string> {
  sender.send({ cmd: 'send', to: [to], sizes: [32], firstSeq: ++seq });
  const sent = await sender.next('sent');
  return typeof sent.code === 'string' ? sent.code : sent.sent === 1 ? 'ok' : `sent ${String(sent.sent)}`;
}

describe.skipIf(!canCreateNamespaces)('the sign-in hole in network namespaces', { timeout: 60_000 }, () => {
  let w: TestNamespace;
  let o: TestNamespace;
  let dir: string;
  const children: Child[] = [];
  const processes: ChildProcess[] = [];

  const child = (ns: TestNamespace, fixture: string, args: unknown) => {
    const c = new Child(ns.name, fixture, args);
    children.push(c);
    return c;
  };
  const platform = () =>
    createLinuxPlatform({ runner: createCommandRunner({ prefix: w.prefix }), networkManager: false });
  const counters = () => killSwitchCounters(createCommandRunner({ prefix: w.prefix }), LINK);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-portal-netns-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    w = await createNamespace();
    o = await createNamespace();
    for (const [here, there] of [
      ['veth-w', 'veth-o'],
      ['veth-x', 'veth-y'],
    ] as const) {
      await attempt([IP, '-n', w.name, 'link', 'add', here, 'type', 'veth', 'peer', 'name', there, 'netns', o.name]);
    }
    for (const [ns, dev, addresses] of [
      [w, 'veth-w', ['192.168.50.1/24']],
      [w, 'veth-x', ['10.77.0.1/24']],
      [o, 'veth-o', ['192.168.50.2/24', '192.168.50.3/24']],
      [o, 'veth-y', ['10.77.0.2/24']],
    ] as const) {
      for (const address of addresses) await ns.exec(['ip', 'address', 'add', address, 'dev', dev]);
      await ns.exec(['ip', 'link', 'set', dev, 'up']);
    }
    await o.exec(['ip', 'address', 'add', `${PORTAL}/32`, 'dev', 'lo']);
    await o.exec(['ip', 'address', 'add', `${ELSEWHERE}/32`, 'dev', 'lo']);
    await w.exec(['ip', 'route', 'add', 'default', 'via', '192.168.50.2']);
    await w.exec(['ip', 'route', 'add', `${ELSEWHERE}/32`, 'via', '10.77.0.2']);

    // The full tunnel, as wg-quick leaves it.
    const tun = child(w, 'tun-echo.ts', { name: LINK, offload: false });
    expect((await tun.next('open')).name).toBe(LINK);
    await w.exec(['ip', 'address', 'add', '10.99.0.1', 'peer', '10.99.0.2', 'dev', LINK]);
    await w.exec(['ip', 'link', 'set', LINK, 'up']);
    await w.exec(['ip', 'route', 'add', 'default', 'dev', LINK, 'table', String(MARK)]);
    await w.exec(['ip', 'rule', 'add', 'not', 'fwmark', String(MARK), 'table', String(MARK)]);
    await w.exec(['ip', 'rule', 'add', 'table', 'main', 'suppress_prefixlength', '0']);
    await w.exec([
      'sysctl',
      '-q',
      '-w',
      'net.ipv4.conf.all.src_valid_mark=1',
      'net.ipv4.conf.all.rp_filter=1',
      'net.ipv4.conf.veth-w.rp_filter=1',
    ]);

    const server = spawn(
      o.prefix[0]!,
      [
        ...o.prefix.slice(1),
        process.execPath,
        '-e',
        `const net = require('node:net'); let n = 0;
         for (const port of [80, 443, 8080]) net.createServer((s) => s.end('hello')).listen(port, '::', () => ++n === 3 && console.log('listening'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    processes.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
      server.once('exit', (code) => reject(new Error(`tcp server exited (${code})`)));
    });
  });

  afterEach(async () => {
    for (const c of children.splice(0)) c.kill();
    for (const p of processes.splice(0)) p.kill('SIGKILL');
    for (const ns of [w, o]) await ns?.remove();
  });

  it('lets HTTP, HTTPS and DNS to the network out of its interface, around the full tunnel, and nothing else; then closes by itself', async () => {
    const resolver = child(o, 'udp-peer.ts', { port: 53, offload: false });
    const sender = child(w, 'udp-peer.ts', { port: 0, offload: false });
    await Promise.all([resolver.next('open'), sender.next('open')]);
    const killSwitch = platform().killSwitch;
    const undoKillSwitch = await killSwitch.apply(LINK, spec);

    // The portal cannot be reached: the full tunnel takes it (and has no peer to hand it to), DNS is dropped.
    expect(await tcp(w, PORTAL, 80)).toBe('timeout');
    expect(await sendUdp(sender, '192.168.50.2:53')).toBe('EPERM');

    const openedAt = Date.now();
    await killSwitch.openPortalHole(hole(HOLE_SECONDS));
    expect(await tcp(w, PORTAL, 80)).toBe('data hello');
    expect(await tcp(w, PORTAL, 443)).toBe('data hello');
    expect(await sendUdp(sender, '192.168.50.2:53')).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 200)); // in flight
    resolver.send({ cmd: 'received' });
    expect(((await resolver.next('received')).datagrams as { from: string }[]).map((d) => d.from)).toEqual([
      expect.stringMatching(/^192\.168\.50\.1:\d+$/),
    ]);
    // Not another port (it goes into the tunnel as before), not another resolver, not another interface, not ping.
    expect(await tcp(w, PORTAL, 8080)).toBe('timeout');
    expect(await sendUdp(sender, '192.168.50.3:53')).toBe('EPERM');
    const before = (await counters()).get('output untunneled') ?? 0;
    expect(await tcp(w, ELSEWHERE, 80)).toBe('timeout');
    expect((await counters()).get('output untunneled')).toBeGreaterThan(before);
    // (ping to the portal goes into the tunnel, where the TUN's side answers it: the LAN's gateway shows the hole.)
    expect((await attempt([...w.prefix, 'ping', '-c', '1', '-W', '0.3', '192.168.50.2'])).code).not.toBe(0);
    const counted = await counters();
    expect(counted.get('route sign-in hole: around the tunnel')).toBeGreaterThanOrEqual(3);
    expect(counted.get('prerouting sign-in hole: replies')).toBeGreaterThanOrEqual(2);
    expect(counted.get("postrouting sign-in hole: the network's own source address")).toBeGreaterThanOrEqual(2);
    expect(counted.get("leaving sign-in hole: only out of the network's interface")).toBe(0);

    // A kill switch applied again meanwhile (a setting changed) keeps the hole, for the time it has left.
    await killSwitch.apply(LINK, { ...spec, allowBridges: true });
    expect(await tcp(w, PORTAL, 80)).toBe('data hello');

    // Closed by the kernel when its time is up: nobody called the undo.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, openedAt + HOLE_SECONDS * 1000 + 500 - Date.now())));
    expect(await tcp(w, PORTAL, 80)).toBe('timeout');
    expect(await sendUdp(sender, '192.168.50.2:53')).toBe('EPERM');
    expect(await w.exec(['nft', 'list', 'set', 'inet', 'warren-killswitch-wt0', 'portal_if'])).not.toContain(
      'elements',
    );

    await undoKillSwitch();
    expect(await tcp(w, PORTAL, 8080)).toBe('timeout'); // the full tunnel still takes it; the kill switch is gone
  });

  it("drops what the hole takes around the tunnel when the routes would send it out of another interface than the network's", async () => {
    const killSwitch = platform().killSwitch;
    const undoKillSwitch = await killSwitch.apply(LINK, spec);
    // The main table's default route is not the network NetworkManager named (veth-w) but the other uplink.
    await w.exec(['ip', 'route', 'replace', 'default', 'via', '10.77.0.2']);
    await killSwitch.openPortalHole(hole(60));
    expect(await tcp(w, PORTAL, 80)).toBe('timeout');
    expect((await counters()).get("leaving sign-in hole: only out of the network's interface")).toBeGreaterThanOrEqual(
      1,
    );
    // Back on the network's interface, it goes.
    await w.exec(['ip', 'route', 'replace', 'default', 'via', '192.168.50.2']);
    expect(await tcp(w, PORTAL, 80)).toBe('data hello');
    await undoKillSwitch();
  });

  it("with the resolv.conf method, resolves the sign-in page's name through the network's resolver while open, and puts the tunnel's file back exactly", async () => {
    const lines: string[] = [];
    const server = spawn(
      o.prefix[0]!,
      [...o.prefix.slice(1), process.execPath, DNS_SERVER, '192.168.50.2', PORTAL_NAME, PORTAL],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    processes.push(server);
    server.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', () => lines.includes('listening') && resolve());
      server.once('exit', (code) => reject(new Error(`DNS server exited (${code})`)));
    });
    await writeNamespaceEtc(w, 'resolv.conf', ORIGINAL_RESOLV_CONF);
    const resolvConf = () => readFile(w.etcPath('resolv.conf'), 'utf8');
    const backupPath = join(dir, `${w.name}.backup.json`);
    const linux = createLinuxPlatform({
      runner: createCommandRunner({ prefix: w.prefix }),
      networkManager: false,
      dns: { method: 'resolv.conf', resolvConfFile: { path: w.etcPath('resolv.conf'), backupPath } },
    });
    // DNS on the full tunnel beforeEach made (its addresses and routes are there already).
    const tunnel = await linux.tunnels.up(LINK, tunnelConfig('MTU = 1420\nDNS = 10.99.0.53, corp.example'));
    expect(tunnel.dnsMethod).toBe('resolv.conf');
    expect(await resolvConf()).toBe(renderResolvConf(LINK, TUNNEL_DNS));
    const undoKillSwitch = await linux.killSwitch.apply(LINK, { ...spec, dnsServers: TUNNEL_DNS.servers });

    // As daemon/portal-hole.ts opens it: the hole, then the DNS to the network's resolvers.
    const close = await linux.killSwitch.openPortalHole(hole(60));
    const handBack = await tunnel.handOverDns(['192.168.50.2']);
    expect(handBack).not.toBeNull();
    expect(await resolvConf()).toBe(renderResolvConf(LINK, { servers: ['192.168.50.2'], search: [], forSignIn: true }));
    const lookup = await attempt([...w.prefix, 'getent', 'ahostsv4', PORTAL_NAME]);
    expect(lookup.code, `${lookup.output}\nserver: ${lines.join('\n')}`).toBe(0);
    expect(lookup.output.split(/\s+/)[0]).toBe(PORTAL);
    // Asked by w, from its address on the network (not the tunnel's), over the network's interface.
    expect(lines).toContainEqual(expect.stringMatching(/^query \d+ portal\.hotel\.example 1 from 192\.168\.50\.1$/));
    expect(await tcp(w, PORTAL, 80)).toBe('data hello');

    // As it closes: the hole, then the tunnel's DNS back, byte for byte.
    await close();
    await handBack!();
    expect(await resolvConf()).toBe(renderResolvConf(LINK, TUNNEL_DNS));
    expect(JSON.parse(await readFile(backupPath, 'utf8'))).toMatchObject({ interface: LINK });

    await undoKillSwitch();
    await tunnel.down();
    expect(await resolvConf()).toBe(ORIGINAL_RESOLV_CONF);
    await expect(lstat(backupPath)).rejects.toThrow(/ENOENT/);
  });

  it('closes at once when taken back, and opens nowhere without a kill switch', async () => {
    const killSwitch = platform().killSwitch;
    await expect(killSwitch.openPortalHole(hole(60))).rejects.toThrow(/no kill switch is in place/);
    const undoKillSwitch = await killSwitch.apply(LINK, spec);
    const close = await killSwitch.openPortalHole(hole(60));
    expect(await tcp(w, PORTAL, 443)).toBe('data hello');
    await close();
    expect(await tcp(w, PORTAL, 443)).toBe('timeout');
    await undoKillSwitch();
  });
});
