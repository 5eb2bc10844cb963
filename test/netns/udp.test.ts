// The addon's Bind between two namespaces over veth: batches both ways with the right source endpoints over
// IPv4 and IPv6, replies to per-datagram endpoints, UDP GSO and GRO, SO_MARK, forced buffer sizes, EADDRINUSE,
// and IPv4 alone where IPv6 is disabled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UdpStats } from '../../native-helper/io/addon.js';
import { Child } from './child.js';
import { Namespaces, canUseNetns, ip } from './namespace.js';

const namespaces = new Namespaces();
const children: Child[] = [];

function child(ns: string, args: unknown): Child {
  const c = new Child(ns, 'udp-peer.ts', args);
  children.push(c);
  return c;
}

interface Datagram {
  from: string;
  /** The local address it came to. */
  to: string | null;
  length: number;
  seq: number;
  ok: boolean;
}

async function collect(
  peer: Child,
  expected: number,
): Promise<{ datagrams: Datagram[]; sockets: { stats: UdpStats }[] }> {
  let datagrams: Datagram[] = [];
  let last: Record<string, unknown> = {};
  for (let tries = 0; tries < 60; tries++) {
    peer.send({ cmd: 'received' });
    last = await peer.next('received');
    datagrams = datagrams.concat(last.datagrams as Datagram[]);
    if (datagrams.length >= expected) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { datagrams, sockets: last.sockets as never };
}

afterAll(() => {
  for (const c of children) c.kill();
  namespaces.destroy();
});

describe.skipIf(!canUseNetns)('UDP through the addon', () => {
  let a = '';
  let b = '';
  let alice: Child;
  let bob: Child;
  let alicePort = 0;
  let bobPort = 0;

  beforeAll(async () => {
    a = namespaces.create();
    b = namespaces.create();
    // Bob has a second address of each family, which the kernel does not pick as a source towards Alice: a
    // secondary IPv4 one, and an IPv6 one sharing a shorter prefix with hers (RFC 6724 rule 8).
    namespaces.veth(a, b, {
      a: ['10.125.0.1/24', 'fd00:7d::1/64'],
      b: ['10.125.0.2/24', 'fd00:7d::2/64', '10.125.0.3/24', 'fd00:7d::1:0:3/64'],
    });
    alice = child(a, { port: 0 });
    bob = child(b, { port: 0, echo: true });
    alicePort = (await alice.next('open')).port as number;
    bobPort = (await bob.next('open')).port as number;
  });

  it('reports the port the kernel picked, the same for IPv4 and IPv6, with buffers forced to size', async () => {
    expect(alicePort).toBeGreaterThan(0);
    alice.send({ cmd: 'received' });
    const { sockets } = await alice.next('received');
    const list = sockets as { family: number; port: number; receiveBuffer: number; sendBuffer: number }[];
    expect(list.map((s) => [s.family, s.port])).toEqual([
      [4, alicePort],
      [6, alicePort],
    ]);
    // The *BUFFORCE options as root: past net.core.*mem_max (the kernel reports twice what was set). The
    // receive buffer is smaller than the send buffer on purpose (latency under load, see
    // AddonBindOptions.receiveBufferBytes).
    for (const socket of list) {
      expect(socket.receiveBuffer).toBe(2 * (2 << 20));
      expect(socket.sendBuffer).toBeGreaterThanOrEqual(7 << 20);
    }
  });

  it('delivers batches with source endpoints and echoes to per-datagram endpoints, IPv4 and IPv6 mixed', async () => {
    const sizes = Array.from({ length: 40 }, (_, i) => 20 + i * 37);
    alice.send({ cmd: 'send', to: [`10.125.0.2:${bobPort}`, `[fd00:7d::2]:${bobPort}`], sizes, firstSeq: 0 });
    expect((await alice.next('sent')).sent).toBe(40);

    const atBob = await collect(bob, 40);
    expect(atBob.datagrams).toHaveLength(40);
    expect(atBob.datagrams.every((d) => d.ok)).toBe(true);
    for (const d of atBob.datagrams) {
      expect(d.from).toBe(d.seq % 2 === 0 ? `10.125.0.1:${alicePort}` : `[fd00:7d::1]:${alicePort}`);
      expect(d.length).toBe(sizes[d.seq]);
    }
    const echoed = await collect(alice, 40);
    expect(echoed.datagrams).toHaveLength(40);
    for (const d of echoed.datagrams) {
      expect(d.ok).toBe(true);
      expect(d.from).toBe(d.seq % 2 === 0 ? `10.125.0.2:${bobPort}` : `[fd00:7d::2]:${bobPort}`);
    }
  });

  it('sends runs of equal datagrams with UDP GSO and splits GRO super-datagrams on receive', async () => {
    bob.send({ cmd: 'echo', on: false });
    await bob.next('echo');
    const sizes = [...new Array<number>(127).fill(1000), 300];
    alice.send({ cmd: 'send', to: [`10.125.0.2:${bobPort}`], sizes, firstSeq: 5000 });
    const sent = await alice.next('sent');
    expect(sent.sent).toBe(128);
    const v4Stats = (sent.stats as { gsoMessages: number }[])[0];
    expect(v4Stats!.gsoMessages).toBeGreaterThanOrEqual(2);

    const { datagrams, sockets } = await collect(bob, 128);
    expect(datagrams).toHaveLength(128);
    expect(datagrams.every((d) => d.ok && d.from === `10.125.0.1:${alicePort}`)).toBe(true);
    expect(datagrams.map((d) => d.seq)).toEqual(sizes.map((_, i) => 5000 + i));
    // veth passes the GSO skb through whole; the receiving socket with UDP_GRO gets it as one super-datagram.
    expect(sockets[0]!.stats.groMessages).toBeGreaterThan(0);
  });

  it('answers from the address a datagram came to (sticky source), IPv4 and IPv6, GSO runs included', async () => {
    bob.send({ cmd: 'echo', on: true });
    await bob.next('echo');
    const second = [`10.125.0.3:${bobPort}`, `[fd00:7d::1:0:3]:${bobPort}`];
    alice.send({ cmd: 'send', to: second, sizes: new Array<number>(8).fill(300), firstSeq: 100 });
    expect((await alice.next('sent')).sent).toBe(8);
    const atBob = await collect(bob, 8);
    expect(atBob.datagrams).toHaveLength(8);
    for (const d of atBob.datagrams) {
      expect(d.from).toBe(d.seq % 2 === 0 ? `10.125.0.1:${alicePort}` : `[fd00:7d::1]:${alicePort}`);
      expect(d.to).toBe(d.seq % 2 === 0 ? '10.125.0.3' : 'fd00:7d::1:0:3');
    }
    // Bob echoed each from the address it came to, not the one the route would pick (10.125.0.2, fd00:7d::2).
    const echoed = await collect(alice, 8);
    expect(echoed.datagrams).toHaveLength(8);
    for (const d of echoed.datagrams) {
      expect(d.from).toBe(second[d.seq % 2]);
      expect(d.to).toBe(d.seq % 2 === 0 ? '10.125.0.1' : 'fd00:7d::1');
    }

    // A run of equal datagrams arrives as one GRO super-datagram and goes back as one GSO message, from .3.
    alice.send({ cmd: 'send', to: [second[0]!], sizes: new Array<number>(32).fill(1000), firstSeq: 200 });
    expect((await alice.next('sent')).sent).toBe(32);
    const run = await collect(alice, 32);
    expect(run.datagrams.map((d) => d.seq)).toEqual(Array.from({ length: 32 }, (_, i) => 200 + i));
    expect(run.datagrams.every((d) => d.ok && d.from === second[0])).toBe(true);
    const bobStats = (await collect(bob, 0)).sockets[0]!.stats;
    expect(bobStats.gsoMessages).toBeGreaterThan(0);
    expect(bobStats.unsourced).toBe(0);
    bob.send({ cmd: 'echo', on: false });
    await bob.next('echo');
  });

  it("resends without a local address that is no longer the host's, and counts it", async () => {
    await collect(bob, 0); // what earlier tests left
    const to = [`10.125.0.2:${bobPort}`, `[fd00:7d::2]:${bobPort}`];
    // Single datagrams of both families, then a GSO run: each refused with its source, each resent without.
    alice.send({ cmd: 'send', to, from: ['10.125.0.99', 'fd00:7d::99'], sizes: [100, 200, 300, 400], firstSeq: 300 });
    const single = (await alice.next('sent')) as unknown as { sent: number; stats: { unsourced: number }[] };
    expect(single, JSON.stringify(single)).toMatchObject({ sent: 4 });
    expect(single.stats.map((s) => s.unsourced)).toEqual([2, 2]);
    alice.send({
      cmd: 'send',
      to: [to[0]!],
      from: ['10.125.0.99'],
      sizes: new Array<number>(16).fill(1000),
      firstSeq: 400,
    });
    const run = (await alice.next('sent')) as unknown as { sent: number; stats: { unsourced: number }[] };
    expect(run.sent).toBe(16);
    expect(run.stats.map((s) => s.unsourced)).toEqual([18, 2]);
    const atBob = await collect(bob, 20);
    expect(atBob.datagrams).toHaveLength(20);
    for (const d of atBob.datagrams) {
      expect(d.ok).toBe(true);
      expect(d.from).toBe(d.seq < 400 && d.seq % 2 === 1 ? `[fd00:7d::1]:${alicePort}` : `10.125.0.1:${alicePort}`);
    }
  });

  it('applies SO_MARK to both sockets', async () => {
    alice.send({ cmd: 'mark', mark: 0x1234 });
    const { sockets } = await alice.next('mark');
    expect((sockets as { mark: number }[]).map((s) => s.mark)).toEqual([0x1234, 0x1234]);
    alice.send({ cmd: 'mark', mark: 0 });
    await alice.next('mark');
  });

  it('throws EADDRINUSE, named, for a port in use', async () => {
    alice.send({ cmd: 'open-same' });
    expect(await alice.next('open-same')).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind', errno: -98 });
  });

  it('closes cleanly, twice', async () => {
    alice.send({ cmd: 'close' });
    expect(await alice.next('closed')).toMatchObject({ port: 0 });
    expect(await alice.exited()).toBe(0);
  });

  it("reads on the JS thread's loop and still leaves its timers their turns under a flood", async () => {
    const target = child(b, { port: 0 });
    const port = (await target.next('open')).port as number;
    target.send({ cmd: 'lateness' });
    await target.next('lateness');
    const blast = new Child(a, 'udp-blast.ts', { to: `10.125.0.2:${port}`, size: 200, gso: true, seconds: 1.5 });
    children.push(blast);
    await blast.next('done', 10_000);
    target.send({ cmd: 'lateness' });
    const { lateMs, received } = (await target.next('lateness')) as unknown as { lateMs: number; received: number };
    // It read the flood (tens of thousands of datagrams), and a 10 ms timer was never held up for long.
    expect(received).toBeGreaterThan(10_000);
    expect(lateMs).toBeLessThan(150);
    target.send({ cmd: 'close' });
    expect(await target.exited()).toBe(0);
  });

  it('closes under load and ends its process', async () => {
    const target = child(b, { port: 0, echo: true });
    const port = (await target.next('open')).port as number;
    const blast = new Child(a, 'udp-blast.ts', { to: `10.125.0.2:${port}`, size: 200, gso: true, seconds: 1 });
    children.push(blast);
    await new Promise((resolve) => setTimeout(resolve, 600));
    target.send({ cmd: 'close' });
    expect(await target.next('closed')).toMatchObject({ port: 0 });
    expect(await target.exited()).toBe(0);
    await blast.next('done', 5000);
  });

  it('works with IPv4 alone where IPv6 is disabled', async () => {
    const c = namespaces.create();
    const d = namespaces.create();
    for (const ns of [c, d])
      ip(
        'netns',
        'exec',
        ns,
        'sysctl',
        '-q',
        '-w',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      );
    namespaces.veth(c, d, { a: ['10.125.1.1/24'], b: ['10.125.1.2/24'] });
    const carol = child(c, { port: 0 });
    const dave = child(d, { port: 0 });
    await carol.next('open');
    const davePort = (await dave.next('open')).port as number;
    carol.send({ cmd: 'send', to: [`10.125.1.2:${davePort}`], sizes: [100, 200, 300], firstSeq: 0 });
    expect((await carol.next('sent')).sent).toBe(3);
    expect((await collect(dave, 3)).datagrams).toHaveLength(3);
  });
});
