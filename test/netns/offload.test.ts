// TSO and USO through the addon's IFF_VNET_HDR path: two TUNs back to back in JS between two namespaces. The
// sending kernel hands its TUN 64 KiB TCP (and UDP GSO) super-packets; the addon splits them into MTU-sized
// packets, which the test checks one by one, and on the write to the other TUN merges them back into
// super-packets (gso-coalesce.c), which the receiving kernel accepts only if every header and checksum is
// right, so the transfer's byte count and hash prove the segmentation and the merging both.
import { afterAll, describe, expect, it } from 'vitest';
import { Child } from './child.js';
import { Namespaces, canUseNetns, ip } from './namespace.js';

const namespaces = new Namespaces();
const children: Child[] = [];

function child(ns: string, fixture: string, args: unknown): Child {
  const c = new Child(ns, fixture, args);
  children.push(c);
  return c;
}

afterAll(() => {
  for (const c of children) c.kill();
  namespaces.destroy();
});

interface Native {
  gsoFrames: number;
  packets: number;
  written: number;
  writeCalls: number;
  groFrames: number;
  groPackets: number;
  groFallbacks: number;
}

/** The far TUN's writes between two stats: super-packets, with several packets each on average, and none refused. */
function expectMerged(before: Native, after: Native): void {
  const frames = after.groFrames - before.groFrames;
  const packets = after.groPackets - before.groPackets;
  expect(frames).toBeGreaterThan(0);
  expect(packets).toBeGreaterThan(2 * frames);
  expect(after.groFallbacks).toBe(0);
  expect(after.writeCalls - before.writeCalls).toBeLessThan(after.written - before.written);
}

describe.skipIf(!canUseNetns)('offloads through the addon', () => {
  let near = '';
  let far = '';
  let forwarder: Child;

  async function stats(): Promise<{
    invalid: number;
    oversize: number;
    firstProblem: string | null;
    native: Native[];
  }> {
    forwarder.send({ cmd: 'stats' });
    return (await forwarder.next('stats')) as never;
  }

  it('wires two offloading TUNs back to back across namespaces', async () => {
    near = namespaces.create();
    far = namespaces.create();
    forwarder = child(near, 'tun-forward.ts', { names: ['wa', 'wb'], offload: true, mtu: 1420 });
    const open = await forwarder.next('open');
    expect(open.offloads).toEqual([0x67, 0x67]);
    // The descriptor stays with the forwarder; the device moves to the far namespace.
    ip('-n', near, 'link', 'set', 'wb', 'netns', far);
    ip('-n', near, 'addr', 'add', '10.124.0.1', 'peer', '10.124.0.2', 'dev', 'wa');
    ip('-n', far, 'addr', 'add', '10.124.0.2', 'peer', '10.124.0.1', 'dev', 'wb');
    ip('-n', near, '-6', 'addr', 'add', 'fd00:7c::1/64', 'dev', 'wa', 'nodad');
    ip('-n', far, '-6', 'addr', 'add', 'fd00:7c::2/64', 'dev', 'wb', 'nodad');
    ip('-n', near, 'link', 'set', 'wa', 'up');
    ip('-n', far, 'link', 'set', 'wb', 'up');
  });

  for (const [family, host, port] of [
    ['IPv4', '10.124.0.2', 5001],
    ['IPv6', 'fd00:7c::2', 5002],
  ] as const) {
    it(`splits TCP super-packets over ${family} into valid segments (TSO), and merges them again on write`, async () => {
      const before = await stats();
      const sink = child(far, 'tcp-peer.ts', { mode: 'sink', host, port, bytes: 0 });
      await sink.next('listening');
      const source = child(near, 'tcp-peer.ts', { mode: 'source', host, port, bytes: 8 << 20 });
      const sent = await source.next('sent', 15000);
      const received = await sink.next('received', 15000);
      expect(received).toMatchObject({ bytes: sent.bytes, sha256: sent.sha256 });
      const after = await stats();
      expect(after.firstProblem).toBeNull();
      expect(after.invalid).toBe(0);
      expect(after.oversize).toBe(0);
      expect(after.native[0]!.gsoFrames).toBeGreaterThan(before.native[0]!.gsoFrames);
      expectMerged(before.native[1]!, after.native[1]!);
    });
  }

  it('splits UDP GSO super-datagrams into valid datagrams (USO), and merges them again on write', async () => {
    const before = await stats();
    const receiver = child(far, 'udp-peer.ts', { port: 0 });
    const port = (await receiver.next('open')).port as number;
    const sender = child(near, 'udp-peer.ts', { port: 0 });
    await sender.next('open');
    const sizes = [...new Array<number>(63).fill(1200), 700];
    sender.send({ cmd: 'send', to: [`10.124.0.2:${port}`], sizes, firstSeq: 0 });
    sender.send({ cmd: 'send', to: [`[fd00:7c::2]:${port}`], sizes, firstSeq: 1000 });
    expect((await sender.next('sent')).sent).toBe(64);
    expect((await sender.next('sent')).sent).toBe(64);

    let datagrams: { seq: number; ok: boolean; length: number }[] = [];
    for (let tries = 0; tries < 50 && datagrams.length < 128; tries++) {
      receiver.send({ cmd: 'received' });
      datagrams = datagrams.concat((await receiver.next('received')).datagrams as typeof datagrams);
      if (datagrams.length < 128) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(datagrams).toHaveLength(128);
    expect(datagrams.every((d) => d.ok)).toBe(true);
    expect(new Set(datagrams.map((d) => d.seq)).size).toBe(128);
    const after = await stats();
    expect(after.invalid).toBe(0);
    expect(after.native[0]!.gsoFrames).toBeGreaterThan(before.native[0]!.gsoFrames);
    expectMerged(before.native[1]!, after.native[1]!);
  });
});
