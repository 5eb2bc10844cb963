// Warren against Debian's wireguard-go, configured with the real wg(8), in two namespaces of the test's own
// (interop-harness.ts): pings and TCP both ways over IPv4 and IPv6, wg(8) reading and changing Warren's tunnel
// live, ICMP unreachable, a flood of garbage, suspend and resume, roaming, a packet staged before the first
// handshake, a full tunnel, and `warren down` leaving nothing behind.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import {
  type NetworkState,
  eventually,
  hasNft,
  interfaceDrops,
  networkState,
  sleep,
  udpInErrors,
  wgDump,
} from './interop-inspect.js';
import { PORT, type Site, canRunInterop, generateKeys } from './interop-site.js';
import { IP } from './namespace.js';

const MiB = 1 << 20;
const TEST_MS = 30_000;

/** A failed test says what the helper logged. */
function logOnFailure(sites: () => Site[]) {
  beforeEach((context) => {
    context.onTestFailed(() => {
      for (const site of sites())
        if (site.kind === 'warren') console.error(`helper log of ${site.name}:\n${site.logTail()}`);
    });
  });
}

/** `warren down`, then the namespace exactly as before `up`: no interface, route, rule, nft table, UAPI
 *  socket, helper process or control socket. */
async function expectDownLeavesNothing(site: Site, before: NetworkState): Promise<void> {
  expect(existsSync(site.uapiSocket)).toBe(true);
  expect(await site.helperPids()).toHaveLength(1);
  const down = await site.warren('down', site.name);
  expect(down.status, down.stderr).toBe(0);
  expect(down.stdout).toBe(`${site.name} is down\n`);
  expect(await networkState(site.ns)).toEqual(before);
  expect(existsSync(site.uapiSocket)).toBe(false);
  // The helper exits just after its reply to the `down` that emptied it.
  await eventually(async () => {
    expect(await site.helperPids()).toEqual([]);
    expect(existsSync(site.controlSocket)).toBe(false);
  }, 5000);
  expect((await site.wg('show', site.name)).status).not.toBe(0);
}

describe.skipIf(!canRunInterop)('Warren and wireguard-go', () => {
  let topology: Topology;
  let warren: Site;
  let go: Site;
  let before: NetworkState;

  beforeAll(async () => {
    await ensureBuilt();
    topology = await Topology.create(['warren', 'wireguard-go']);
    [warren, go] = [topology.a, topology.b];
    before = await networkState(warren.ns);
    await topology.start(go);
    await topology.start(warren);
  }, 60_000);
  afterAll(() => topology?.cleanup(), 30_000);
  logOnFailure(() => (topology ? [topology.a] : []));

  it(
    'pings both ways over IPv4 and IPv6',
    async () => {
      for (const [from, to] of [
        [warren, go],
        [go, warren],
      ] as const) {
        for (const address of [to.tunnel4, to.tunnel6]) {
          const ping = await from.ping(address);
          expect(ping.ok, `${from.kind} -> ${address}: ${ping.stdout}${ping.stderr}`).toBe(true);
        }
      }
    },
    TEST_MS,
  );

  it(
    'carries 20 MiB over TCP byte for byte each way (IPv4 out, IPv6 back)',
    async () => {
      const out = await topology.transfer(warren, go, 20 * MiB);
      expect(out.received).toEqual(out.sent);
      expect(out.received.bytes).toBe(20 * MiB);
      const back = await topology.transfer(go, warren, 20 * MiB, { family: 6 });
      expect(back.received).toEqual(back.sent);
      expect(back.received.bytes).toBe(20 * MiB);
    },
    TEST_MS,
  );

  it(
    'is read by `wg show`: peer, endpoint, allowed IPs, latest handshake, transfer',
    async () => {
      const dump = await wgDump(warren);
      expect(dump.publicKey).toBe(warren.keys.publicKey);
      expect(dump.listenPort).toBe(PORT);
      expect(dump.peers).toHaveLength(1);
      const peer = dump.peers[0]!;
      expect(peer.publicKey).toBe(go.keys.publicKey);
      expect(peer.endpoint).toBe(`${go.underlay}:${PORT}`);
      expect(peer.allowedIps.sort()).toEqual([`${go.tunnel4}/32`, `${go.tunnel6}/128`]);
      const now = Date.now() / 1000;
      expect(peer.latestHandshake).toBeGreaterThan(now - 120);
      expect(peer.latestHandshake).toBeLessThanOrEqual(now + 1);
      // The 20 MiB each way, plus overhead.
      expect(peer.rxBytes).toBeGreaterThan(20 * MiB);
      expect(peer.txBytes).toBeGreaterThan(20 * MiB);

      const pretty = await warren.wg('show', warren.name);
      expect(pretty.status, pretty.stderr).toBe(0);
      expect(pretty.stdout).toContain(`interface: ${warren.name}`);
      expect(pretty.stdout).toContain(`peer: ${go.keys.publicKey}`);
      expect(pretty.stdout).toMatch(/latest handshake: .* ago|latest handshake: Now/);
      expect(pretty.stdout).toMatch(/transfer: [0-9.]+ MiB received, [0-9.]+ MiB sent/);
      // showconf reads the private key back (get=1 over the root-only socket).
      const conf = await warren.wg('showconf', warren.name);
      expect(conf.status, conf.stderr).toBe(0);
      expect(conf.stdout).toContain(`PrivateKey = ${warren.keys.privateKey}`);
      expect(conf.stdout).toContain(`ListenPort = ${PORT}`);
      expect(conf.stdout).toContain(`Endpoint = ${go.underlay}:${PORT}`);
      // wireguard-go sees the same session from its side, and counts alike: each side received at most what the
      // other sent (give or take a keepalive in flight); less where a receive buffer overflowed at full speed and
      // TCP sent again (see AddonBindOptions.receiveBufferBytes).
      const theirs = await wgDump(go);
      expect(theirs.peers[0]!.publicKey).toBe(warren.keys.publicKey);
      expect(theirs.peers[0]!.latestHandshake).toBeGreaterThan(0);
      expect(peer.rxBytes).toBeLessThanOrEqual(theirs.peers[0]!.txBytes + 1024);
      expect(peer.txBytes).toBeGreaterThanOrEqual(theirs.peers[0]!.rxBytes);
    },
    TEST_MS,
  );

  it(
    'is changed live by `wg set`: a peer added, allowed IPs moved (traffic follows), a peer removed',
    async () => {
      const extra = generateKeys();
      const moved = '10.202.0.50';
      const base = `${go.tunnel4}/32,${go.tunnel6}/128`;
      // An address only wireguard-go's side has; Warren routes it into the tunnel (its /24) but no peer owns it yet.
      await go.ns.exec([IP, 'address', 'add', `${moved}/32`, 'dev', go.name]);
      try {
        const add = await warren.wg('set', warren.name, 'peer', extra.publicKey, 'allowed-ips', `${moved}/32`);
        expect(add.status, add.stderr).toBe(0);
        let dump = await wgDump(warren);
        expect(dump.peers.map((p) => p.publicKey).sort()).toEqual([go.keys.publicKey, extra.publicKey].sort());
        expect(dump.peers.find((p) => p.publicKey === extra.publicKey)?.allowedIps).toEqual([`${moved}/32`]);
        // Owned by a peer without an endpoint: unreachable.
        const noEndpoint = await warren.ping(moved, { count: 1, deadline: 2 });
        expect(noEndpoint.ok).toBe(false);
        expect(noEndpoint.stdout).toContain('Destination Host Unreachable');

        // Given to wireguard-go's peer, the address leaves the new peer, and pings reach wireguard-go.
        const move = await warren.wg(
          'set',
          warren.name,
          'peer',
          go.keys.publicKey,
          'allowed-ips',
          `${base},${moved}/32`,
        );
        expect(move.status, move.stderr).toBe(0);
        dump = await wgDump(warren);
        expect(dump.peers.find((p) => p.publicKey === go.keys.publicKey)?.allowedIps.sort()).toEqual(
          [`${moved}/32`, `${go.tunnel4}/32`, `${go.tunnel6}/128`].sort(),
        );
        expect(dump.peers.find((p) => p.publicKey === extra.publicKey)?.allowedIps).toEqual([]);
        const reached = await warren.ping(moved);
        expect(reached.ok, reached.stdout).toBe(true);

        const remove = await warren.wg('set', warren.name, 'peer', extra.publicKey, 'remove');
        expect(remove.status, remove.stderr).toBe(0);
        dump = await wgDump(warren);
        expect(dump.peers.map((p) => p.publicKey)).toEqual([go.keys.publicKey]);

        // Taken back: unreachable again, while the peer's own address still answers.
        const back = await warren.wg('set', warren.name, 'peer', go.keys.publicKey, 'allowed-ips', base);
        expect(back.status, back.stderr).toBe(0);
        expect((await warren.ping(moved, { count: 1, deadline: 2 })).stdout).toContain('Destination Host Unreachable');
        expect((await warren.ping(go.tunnel4)).ok).toBe(true);
      } finally {
        await go.ns.exec([IP, 'address', 'del', `${moved}/32`, 'dev', go.name]).catch(() => {});
      }
    },
    TEST_MS,
  );

  it(
    'handshakes with a preshared key given to both sides with `wg set`, the peer re-added from scratch',
    async () => {
      const psk = join(topology.dir, 'psk');
      writeFileSync(psk, `${(await go.wg('genpsk')).stdout.trim()}\n`, { mode: 0o600 });
      expect((await go.wg('set', go.name, 'peer', warren.keys.publicKey, 'preshared-key', psk)).status).toBe(0);
      // Removed and added again, the peer has no session: the next packet needs a handshake, mixing in the key.
      expect((await warren.wg('set', warren.name, 'peer', go.keys.publicKey, 'remove')).status).toBe(0);
      const add = await warren.wg(
        'set',
        warren.name,
        'peer',
        go.keys.publicKey,
        'preshared-key',
        psk,
        'allowed-ips',
        `${go.tunnel4}/32,${go.tunnel6}/128`,
        'endpoint',
        `${go.underlay}:${PORT}`,
      );
      expect(add.status, add.stderr).toBe(0);
      const dump = await wgDump(warren);
      expect(dump.peers[0]!.presharedKey).toBe(readFileSync(psk, 'utf8').trim());
      expect(dump.peers[0]!.latestHandshake).toBe(0);
      const ping = await warren.ping(go.tunnel4);
      expect(ping.ok, ping.stdout).toBe(true);
      expect((await wgDump(warren)).peers[0]!.latestHandshake).toBeGreaterThan(0);
      expect((await go.ping(warren.tunnel6)).ok).toBe(true);
    },
    TEST_MS,
  );

  it(
    'answers a packet for a tunnel address no peer owns with ICMP unreachable, IPv4 and IPv6',
    async () => {
      const v4 = await warren.ping('10.202.0.99', { count: 1, deadline: 2 });
      expect(v4.status).toBe(1);
      expect(v4.stdout).toMatch(/From 10\.202\.0\.99 icmp_seq=1 Destination Host Unreachable/);
      const v6 = await warren.ping('fd02::99', { count: 1, deadline: 2 });
      expect(v6.status).toBe(1);
      expect(v6.stdout).toMatch(/From fd02::99 icmp_seq=1 Destination unreachable: Address unreachable/);
      const show = await warren.warren('show', warren.name);
      expect(interfaceDrops(show.stdout)['no-peer']).toBeGreaterThanOrEqual(2);
    },
    TEST_MS,
  );

  it(
    'keeps carrying traffic through a flood of garbage of every message type, and counts every datagram',
    async () => {
      const [helper] = await warren.helperPids();
      expect(helper).toBeGreaterThan(0);
      const dropsBefore = interfaceDrops((await warren.warren('show', warren.name)).stdout);
      const lostBefore = await udpInErrors(warren);
      // Until the traffic below is through (bounded: 6 s or 400k datagrams, whichever first).
      const flood = topology.child(go, 'udp-garbage.ts', {
        to: `${warren.underlay}:${PORT}`,
        seconds: 6,
        max: 400_000,
      });
      await flood.next('started', 10_000);
      const [transfer, ping] = await Promise.all([
        topology.transfer(go, warren, 4 * MiB, { timeoutMs: 25_000 }),
        go.ping(warren.tunnel4, { count: 10, deadline: 15 }),
      ]);
      flood.send({ cmd: 'stop' });
      // Ended by 'stop' unless the traffic outlasted the flood (a loaded machine): it began in the flood.
      const done = await flood.next('done', 15_000);
      expect(transfer.received).toEqual(transfer.sent);
      // Pings in the flood may be lost with the garbage in a full socket buffer; most must come back.
      const received = Number(/(\d+) received/.exec(ping.stdout)?.[1] ?? 0);
      expect(received, ping.stdout).toBeGreaterThanOrEqual(5);

      // The same helper, still answering, still carrying traffic.
      expect(await warren.helperPids()).toEqual([helper]);
      expect((await warren.ping(go.tunnel4)).ok).toBe(true);
      expect((await go.ping(warren.tunnel6)).ok).toBe(true);
      const show = await warren.warren('show', warren.name);
      expect(show.status, show.stderr).toBe(0);
      const drops = interfaceDrops(show.stdout);
      const grew = (reason: string) => (drops[reason] ?? 0) - (dropsBefore[reason] ?? 0);
      for (const reason of ['malformed', 'unknown-index', 'bad-mac'])
        expect(grew(reason), show.stdout).toBeGreaterThan(0);
      // Every garbage datagram that reached Warren's socket is counted once, under some reason: all that were sent
      // but for those the kernel dropped at a full receive buffer (a count that also holds some of the real peer's
      // datagrams, hence a range). no-peer counts packets from the TUN side.
      const counted = Object.keys(drops)
        .filter((reason) => reason !== 'no-peer')
        .reduce((sum, reason) => sum + grew(reason), 0);
      const lost = (await udpInErrors(warren)) - lostBefore;
      const detail = `${show.stdout}\nsent ${done.sent}, lost in the kernel ${lost}`;
      expect(counted, detail).toBeGreaterThanOrEqual((done.sent as number) - lost);
      expect(counted, detail).toBeLessThanOrEqual(done.sent as number);
    },
    TEST_MS,
  );

  it(
    'drops its keys on `warren suspend` and handshakes again at once on `warren resume`',
    async () => {
      expect((await warren.ping(go.tunnel4)).ok).toBe(true);
      expect((await warren.status()).peers[0]!.hasSession).toBe(true);
      const handshake = (await wgDump(warren)).peers[0]!.latestHandshake;
      // wg reports handshakes to the second: a new one must be seen to be later.
      await sleep(1100);

      const suspend = await warren.warren('suspend');
      expect(suspend.status, suspend.stderr).toBe(0);
      expect(suspend.stdout).toBe('suspend: 1 tunnel(s)\n');
      expect((await warren.status()).peers[0]!.hasSession).toBe(false);
      const unknownBefore = interfaceDrops((await warren.warren('show')).stdout)['unknown-index'] ?? 0;
      // wireguard-go still holds the old session: what it sends under it, Warren can no longer open.
      expect((await go.ping(warren.tunnel4, { count: 1, deadline: 1 })).ok).toBe(false);
      const unknownAfter = interfaceDrops((await warren.warren('show')).stdout)['unknown-index'] ?? 0;
      expect(unknownAfter).toBeGreaterThan(unknownBefore);
      expect((await wgDump(warren)).peers[0]!.latestHandshake).toBe(handshake);

      const resume = await warren.warren('resume');
      expect(resume.status, resume.stderr).toBe(0);
      expect(resume.stdout).toBe('resume: 1 tunnel(s)\n');
      // No packet sent by anyone: the handshake is Warren's own, right after resume.
      await eventually(async () => {
        const status = await warren.status();
        expect(status.peers[0]!.hasSession).toBe(true);
        expect(Math.floor(status.peers[0]!.latestHandshake / 1000)).toBeGreaterThan(handshake);
      }, 3000);
      expect((await wgDump(warren)).peers[0]!.latestHandshake).toBeGreaterThan(handshake);
      expect((await go.ping(warren.tunnel4)).ok).toBe(true);
      expect((await warren.ping(go.tunnel6)).ok).toBe(true);
    },
    TEST_MS,
  );

  it(
    'follows wireguard-go when it roams to another address and port',
    async () => {
      // The peer's old underlay address disappears and a new one appears. wireguard-go 0.0.20220316 keeps sending
      // from the address it last used (its sticky source) until its bind is renewed, which `wg set listen-port`
      // does; with a new port, the move is of both address and port.
      await go.ns.exec([IP, 'address', 'del', `${go.underlay}/24`, 'dev', 'veth0']);
      await go.ns.exec([IP, 'address', 'add', '10.201.0.3/24', 'dev', 'veth0']);
      const rebind = await go.wg('set', go.name, 'listen-port', String(PORT + 1));
      expect(rebind.status, rebind.stderr).toBe(0);

      const outbound = await go.ping(warren.tunnel4);
      expect(outbound.ok, outbound.stdout).toBe(true);
      const show = await warren.warren('show', warren.name);
      expect(show.stdout).toContain(`  endpoint: 10.201.0.3:${PORT + 1}\n`);
      expect((await wgDump(warren)).peers[0]!.endpoint).toBe(`10.201.0.3:${PORT + 1}`);
      // Warren's own traffic goes to the new endpoint (the old address no longer exists).
      const inbound = await warren.ping(go.tunnel6);
      expect(inbound.ok, inbound.stdout).toBe(true);
    },
    TEST_MS,
  );

  it(
    'moves to another listen port with `wg set listen-port`, refuses one in use, and wireguard-go follows',
    async () => {
      const taken = PORT + 3;
      // Another program on the port asked for: the set fails and the tunnel keeps its sockets.
      const holder = spawn(
        IP,
        [
          'netns',
          'exec',
          warren.ns.name,
          process.execPath,
          '-e',
          `require('node:dgram').createSocket('udp4').bind(${taken}, () => console.log('bound'))`,
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      try {
        await new Promise<void>((resolve, reject) => {
          holder.stdout!.once('data', () => resolve());
          holder.once('exit', () => reject(new Error('the port holder exited')));
        });
        const refused = await warren.wg('set', warren.name, 'listen-port', String(taken));
        expect(refused.status).not.toBe(0);
        expect((await wgDump(warren)).listenPort).toBe(PORT);
      } finally {
        holder.kill('SIGKILL');
      }

      const moved = await warren.wg('set', warren.name, 'listen-port', String(PORT + 2));
      expect(moved.status, moved.stderr).toBe(0);
      expect((await wgDump(warren)).listenPort).toBe(PORT + 2);
      // Warren's packets now come from the new port; wireguard-go learns it from them, and answers there.
      expect((await warren.ping(go.tunnel4)).ok).toBe(true);
      expect((await wgDump(go)).peers[0]!.endpoint).toBe(`${warren.underlay}:${PORT + 2}`);
      expect((await go.ping(warren.tunnel6)).ok).toBe(true);
      // The old port is closed: nothing of the tunnel listens there any more.
      const sockets = await warren.exec(['ss', '-Hunl', `sport = :${PORT}`]);
      expect(sockets.stdout.trim()).toBe('');
    },
    TEST_MS,
  );

  it(
    '`warren down` leaves nothing behind: interface, routes, rules, UAPI socket, helper, control socket',
    async () => {
      await expectDownLeavesNothing(warren, before);
    },
    TEST_MS,
  );
});

describe.skipIf(!canRunInterop)('Warren and wireguard-go, one at a time', () => {
  let topology: Topology | undefined;
  logOnFailure(() => (topology ? [topology.a] : []));
  beforeAll(() => ensureBuilt(), 60_000);
  afterEach(async () => {
    await topology?.cleanup();
    topology = undefined;
  }, 30_000);

  it(
    'delivers a packet sent before the first handshake once the peer appears',
    async () => {
      topology = await Topology.create(['warren', 'wireguard-go']);
      const [warren, go] = [topology.a, topology.b];
      await topology.start(warren);
      // One echo request, sent while nobody listens at the endpoint: Warren stages it and initiates. The peer
      // comes up 1.5 s later; Warren's initiation is retransmitted after REKEY_TIMEOUT (5 s), the handshake
      // completes and the staged packet goes out: the single echo is answered.
      const started = Date.now();
      // -W, not -w: ping sends exactly one request and waits up to 15 s for its answer.
      const pending = warren.exec(['ping', '-n', '-c', '1', '-W', '15', go.tunnel4], 20_000);
      await sleep(1500);
      await topology.start(go);
      const ping = await pending;
      expect(ping.status, `${ping.stdout}${ping.stderr}`).toBe(0);
      expect(ping.stdout).toContain('1 packets transmitted, 1 received');
      const rtt = Number(/time=([0-9.]+) ms/.exec(ping.stdout)?.[1]);
      expect(rtt).toBeGreaterThan(1500);
      expect(Date.now() - started).toBeLessThan(12_000);
    },
    TEST_MS,
  );

  it(
    'runs a full tunnel (0.0.0.0/0, ::/0) and its down restores routes, rules and nftables exactly',
    async () => {
      topology = await Topology.create(['warren', 'wireguard-go']);
      const [warren, go] = [topology.a, topology.b];
      const before = await networkState(warren.ns);
      await topology.start(go);
      await topology.start(warren, { allowedIps: ['0.0.0.0/0', '::/0'] });
      const up = await networkState(warren.ns);
      // wg-quick's policy routing: the fwmark table, its rules, a default route over the tunnel.
      expect(JSON.stringify(up.rules4)).toContain('"suppress_prefixlen":0');
      expect(JSON.stringify(up.rules6)).toContain('"suppress_prefixlen":0');
      expect(up.routes4).not.toEqual(before.routes4);
      if (hasNft) expect(up.nftables).toContain(`table ip warren-${warren.name}`);
      // The table doubles as the fwmark of Warren's own UDP sockets, so wg shows it.
      expect((await wgDump(warren)).fwmark).toBe('0xca6c');
      for (const address of [go.tunnel4, go.tunnel6]) {
        const ping = await warren.ping(address);
        expect(ping.ok, ping.stdout).toBe(true);
      }
      expect((await go.ping(warren.tunnel4)).ok).toBe(true);
      await expectDownLeavesNothing(warren, before);
    },
    TEST_MS,
  );
});
