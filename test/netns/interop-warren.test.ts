// Warren against Warren, each in a namespace of the test's own (interop-harness.ts), both started with the real
// `warren up`: pings both ways over IPv4 and IPv6, 20 MiB over TCP each way byte for byte, and both `warren down`s
// leaving their namespaces as they found them.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { type NetworkState, eventually, networkState, wgDump } from './interop-inspect.js';
import { type Site, canRunInterop } from './interop-site.js';

const MiB = 1 << 20;
const TEST_MS = 30_000;

describe.skipIf(!canRunInterop)('Warren and Warren', () => {
  let topology: Topology;
  let a: Site;
  let b: Site;
  const before = new Map<Site, NetworkState>();

  beforeAll(async () => {
    await ensureBuilt();
    topology = await Topology.create(['warren', 'warren']);
    [a, b] = [topology.a, topology.b];
    for (const site of [a, b]) before.set(site, await networkState(site.ns));
    await topology.start(a);
    await topology.start(b);
  }, 60_000);
  afterAll(() => topology?.cleanup(), 30_000);
  beforeEach((context) => {
    context.onTestFailed(() => {
      for (const site of topology ? [topology.a, topology.b] : [])
        console.error(`helper log of ${site.name}:\n${site.logTail()}`);
    });
  });

  it(
    'pings both ways over IPv4 and IPv6',
    async () => {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        for (const address of [to.tunnel4, to.tunnel6]) {
          const ping = await from.ping(address);
          expect(ping.ok, `${from.name} -> ${address}: ${ping.stdout}${ping.stderr}`).toBe(true);
        }
      }
      // One session, seen alike from both sides.
      const [ours, theirs] = [await wgDump(a), await wgDump(b)];
      expect(ours.peers[0]!.publicKey).toBe(b.keys.publicKey);
      expect(theirs.peers[0]!.publicKey).toBe(a.keys.publicKey);
      expect(ours.peers[0]!.latestHandshake).toBeGreaterThan(0);
      expect(theirs.peers[0]!.latestHandshake).toBeGreaterThan(0);
    },
    TEST_MS,
  );

  it(
    'carries 20 MiB over TCP byte for byte each way (IPv4 out, IPv6 back)',
    async () => {
      const out = await topology.transfer(a, b, 20 * MiB);
      expect(out.received).toEqual(out.sent);
      expect(out.received.bytes).toBe(20 * MiB);
      const back = await topology.transfer(b, a, 20 * MiB, { family: 6 });
      expect(back.received).toEqual(back.sent);
      expect(back.received.bytes).toBe(20 * MiB);
    },
    TEST_MS,
  );

  it(
    '`warren down` on each side leaves nothing behind',
    async () => {
      for (const site of [a, b]) {
        expect(await site.helperPids()).toHaveLength(1);
        const down = await site.warren('down', site.name);
        expect(down.status, down.stderr).toBe(0);
        expect(await networkState(site.ns)).toEqual(before.get(site));
        expect(existsSync(site.uapiSocket)).toBe(false);
        await eventually(async () => {
          expect(await site.helperPids()).toEqual([]);
          expect(existsSync(site.controlSocket)).toBe(false);
        }, 5000);
      }
    },
    TEST_MS,
  );
});
