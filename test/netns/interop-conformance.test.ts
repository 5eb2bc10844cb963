// Warren behaving as the kernel does where Debian's wireguard-go, its peer here, can tell (issue #17), counted on
// the wire with nftables in wireguard-go's namespace (wire-counter.ts): the passive keepalive after a packet Warren
// refuses, one initiation per REKEY_TIMEOUT at bring-up and across suspend and resume whatever asks for more (a
// packet, the helper's resume, a change of network), and an MTU raised on the running tunnel. Each test has a
// topology of its own (interop-harness.ts), removed after it, also on failure.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { eventually, interfaceDrops, sleep, wgDump } from './interop-inspect.js';
import { PORT, type Site, canRunInterop } from './interop-site.js';
import { IP } from './namespace.js';
import { WireCounter } from './wire-counter.js';

/** wireguard-go's new-handshake timer: KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + at most 334 ms of jitter, and margin. */
const NEW_HANDSHAKE_AFTER_MS = 10_000 + 5_000 + 334 + 700;

describe.skipIf(!canRunInterop)('Warren and wireguard-go: conformance on the wire', () => {
  let topology: Topology | undefined;
  let warren: Site;
  let go: Site;
  let counter: WireCounter;

  beforeAll(() => ensureBuilt(), 60_000);
  beforeEach(async (context) => {
    topology = await Topology.create(['warren', 'wireguard-go']);
    [warren, go] = [topology.a, topology.b];
    context.onTestFailed(() => console.error(`helper log of ${warren.name}:\n${warren.logTail()}`));
    await topology.start(go);
    counter = await WireCounter.install(go.ns, PORT);
  }, 30_000);
  afterEach(async () => {
    await topology?.cleanup();
    topology = undefined;
  }, 30_000);

  /** Pokes the network of Warren's namespace: an address comes and goes on the underlay (not the tunnel). */
  async function changeNetwork(): Promise<void> {
    await warren.ns.exec([IP, 'address', 'add', '10.201.0.11/32', 'dev', 'veth0']);
    await warren.ns.exec([IP, 'address', 'del', '10.201.0.11/32', 'dev', 'veth0']);
  }

  it(
    'sends a passive keepalive after data it refuses (source outside the allowed IPs): the peer starts no handshake',
    async () => {
      await topology!.start(warren);
      const ping = await go.ping(warren.tunnel4, { count: 1 });
      expect(ping.ok, ping.stdout).toBe(true);
      // An address Warren does not allow for this peer; wireguard-go sends from it all the same.
      await go.ns.exec([IP, 'address', 'add', '10.202.0.77/32', 'dev', go.name]);
      const dropsBefore = interfaceDrops((await warren.warren('show', warren.name)).stdout)['disallowed-source'] ?? 0;
      const before = await counter.read();
      const refused = await go.exec(['ping', '-n', '-c', '1', '-W', '1', '-I', '10.202.0.77', warren.tunnel4]);
      expect(refused.status).not.toBe(0);
      await sleep(NEW_HANDSHAKE_AFTER_MS);
      const wire = await counter.since(before);
      // The kernel's wg_packet_consume_data_done runs the data-received timer before judging the inner packet.
      expect(wire.received.keepalive, JSON.stringify(wire)).toBeGreaterThanOrEqual(1);
      // Without it, wireguard-go's new-handshake timer fires 15 s after its data, and again every 15 s after.
      expect(wire.sent.initiation, JSON.stringify(wire)).toBe(0);
      const drops = interfaceDrops((await warren.warren('show', warren.name)).stdout)['disallowed-source'] ?? 0;
      expect(drops - dropsBefore).toBe(1);
    },
    NEW_HANDSHAKE_AFTER_MS + 20_000,
  );

  it('brings the tunnel up with one initiation, whatever traffic and changes of network come right after', async () => {
    const up = topology!.start(warren);
    // Traffic and a change of network while `warren up` finishes and just after: each would like a handshake.
    const pings = (async () => {
      await up;
      return warren.ping(go.tunnel4, { count: 5 });
    })();
    await up;
    await changeNetwork();
    const ping = await pings;
    expect(ping.ok, ping.stdout).toBe(true);
    const first = (await wgDump(go)).peers[0]!.latestHandshake;
    expect(first).toBeGreaterThan(0);
    // Past REKEY_TIMEOUT (5 s), where a second initiation would no longer be held back, another change: the
    // session is fresh, so Warren says where it is with a keepalive, not a handshake.
    await sleep(5_500);
    await changeNetwork();
    await sleep(1_500);
    const wire = await counter.read();
    expect(wire.received.initiation, JSON.stringify(wire)).toBe(1);
    expect(wire.sent.initiation, JSON.stringify(wire)).toBe(0);
    expect((await wgDump(go)).peers[0]!.latestHandshake).toBe(first);
  }, 40_000);

  it('after suspend, traffic, resume and a change of network in either order: one initiation, replies within a second', async () => {
    await topology!.start(warren);
    expect((await warren.ping(go.tunnel4)).ok).toBe(true);
    const handshake = (await wgDump(go)).peers[0]!.latestHandshake;
    // wg reports handshakes to the second: a new one must be seen to be later.
    await sleep(1_100);
    const suspend = await warren.warren('suspend');
    expect(suspend.status, suspend.stderr).toBe(0);
    const before = await counter.read();
    // The machine wakes: a program sends at once, the helper's resume and a change of network follow.
    const pinging = warren.exec(['ping', '-n', '-c', '5', '-i', '0.2', '-W', '2', go.tunnel4], 20_000);
    const resume = await warren.warren('resume');
    expect(resume.status, resume.stderr).toBe(0);
    await changeNetwork();
    const ping = await pinging;
    expect(ping.status, ping.stdout).toBe(0);
    const firstReply = /icmp_seq=(\d+) ttl=\d+ time=([0-9.]+) ms/.exec(ping.stdout);
    expect(firstReply?.[1], ping.stdout).toBe('1');
    expect(Number(firstReply?.[2])).toBeLessThan(1000);
    await eventually(async () => expect((await wgDump(go)).peers[0]!.latestHandshake).toBeGreaterThan(handshake));
    await sleep(1_000);
    const wire = await counter.since(before);
    // Two initiations a moment apart would lose the first one's answer (its index released) and have the second
    // refused by the responder's 20 ms flood rule: nothing until the retransmission, 5 s later.
    expect(wire.received.initiation, JSON.stringify(wire)).toBe(1);
    expect(wire.sent.response, JSON.stringify(wire)).toBe(1);

    // The other order: the helper's resume first, then a change of network and the first packet.
    expect((await warren.warren('suspend')).status).toBe(0);
    const again = await counter.read();
    expect((await warren.warren('resume')).status).toBe(0);
    await changeNetwork();
    const started = Date.now();
    const after = await warren.exec(['ping', '-n', '-c', '1', '-W', '1', go.tunnel4]);
    expect(after.status, after.stdout).toBe(0);
    expect(Date.now() - started).toBeLessThan(1000);
    await sleep(1_000);
    expect((await counter.since(again)).received.initiation).toBe(1);
  }, 40_000);

  it('follows an MTU raised with `ip link` at once: 1472-byte pings with DF pass, IPv4 and IPv6', async () => {
    await topology!.start(warren);
    expect((await warren.ping(go.tunnel4)).ok).toBe(true);
    // Then room underneath for 1500-byte packets and the 60 bytes WireGuard and IPv4/UDP add, and wireguard-go
    // at 1500.
    for (const site of [warren, go]) await site.ns.exec([IP, 'link', 'set', 'veth0', 'mtu', '1600']);
    await go.ns.exec([IP, 'link', 'set', go.name, 'mtu', '1500']);
    // At Warren's 1420 (from the underlay's 1500 at `up`), a 1500-byte packet does not even reach the tunnel.
    /** Three pings of `size` bytes with Don't Fragment set, from `from` to `to`. */
    const dfPing = (from: typeof warren, size: number, to: string) =>
      from.exec(['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', '-M', 'do', '-s', String(size), to]);
    const small = await warren.exec(['ping', '-n', '-c', '1', '-W', '1', '-M', 'do', '-s', '1472', go.tunnel4]);
    expect(small.status).not.toBe(0);
    await warren.ns.exec([IP, 'link', 'set', warren.name, 'mtu', '1500']);
    const v4 = await dfPing(warren, 1472, go.tunnel4);
    expect(v4.status, `${v4.stdout}${v4.stderr}`).toBe(0);
    const v6 = await dfPing(warren, 1452, go.tunnel6);
    expect(v6.status, `${v6.stdout}${v6.stderr}`).toBe(0);
    // And the other way, through Warren's TUN writes.
    const back = await dfPing(go, 1472, warren.tunnel4);
    expect(back.status, `${back.stdout}${back.stderr}`).toBe(0);
    const drops = interfaceDrops((await warren.warren('show', warren.name)).stdout);
    expect(drops['bad-outgoing-packet'] ?? 0).toBe(0);
  }, 40_000);

  it('answers from the address the peer wrote to, and from another once that one is gone (sticky source)', async () => {
    // A second address on Warren's side, which the kernel would not choose as a source towards wireguard-go.
    await warren.ns.exec([IP, 'address', 'add', '10.201.0.21/24', 'dev', 'veth0']);
    await topology!.start(warren);
    expect((await warren.ping(go.tunnel4, { count: 1 })).ok).toBe(true);
    const endpointAtGo = async () => (await wgDump(go)).peers[0]?.endpoint;
    expect(await endpointAtGo()).toBe(`${warren.underlay}:${PORT}`);
    // wireguard-go now writes to that second address; Warren's answers must come from it, or wireguard-go roams
    // back to the address they come from (the kernel's send4 answers from the packets' destination).
    await go.wg('set', go.name, 'peer', warren.keys.publicKey, 'endpoint', `10.201.0.21:${PORT}`);
    const pinged = await go.ping(warren.tunnel4, { count: 3 });
    expect(pinged.ok, pinged.stdout).toBe(true);
    expect(await endpointAtGo()).toBe(`10.201.0.21:${PORT}`);
    // The address goes: Warren's next packets leave from the one it has (the kernel refuses the old source), and
    // wireguard-go follows them.
    await warren.ns.exec([IP, 'address', 'del', '10.201.0.21/24', 'dev', 'veth0']);
    const after = await warren.ping(go.tunnel4, { count: 3, deadline: 3 });
    expect(after.ok, after.stdout).toBe(true);
    await eventually(async () => expect(await endpointAtGo()).toBe(`${warren.underlay}:${PORT}`), 3000);
  }, 40_000);
});
