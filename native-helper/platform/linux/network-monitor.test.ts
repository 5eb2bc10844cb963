// The network monitor: its reading of `ip -o monitor` lines, and the whole of it for real inside a network
// namespace of the test's own (deleted afterwards, even on failure), where links, addresses and routes change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canCreateNamespaces, createNamespace, IP, run, type TestNamespace } from '../../../test/netns/namespace.js';
import {
  parseMonitorLine,
  startNetworkMonitor,
  type NetworkChangeKind,
  type NetworkMonitor,
} from './network-monitor.js';

describe('parseMonitorLine', () => {
  it('reads routes, addresses and links, new and deleted, with the links they name', () => {
    expect(parseMonitorLine('[ROUTE]default via 10.5.0.2 dev v0 ')).toEqual({
      kind: 'route',
      deleted: false,
      links: ['v0'],
      key: null,
      state: null,
    });
    expect(
      parseMonitorLine('[ROUTE]Deleted local fd05::1 dev v0 table local proto kernel metric 0 pref medium'),
    ).toMatchObject({
      kind: 'route',
      deleted: true,
      links: ['v0'],
    });
    expect(
      parseMonitorLine(
        '[ROUTE]default proto static metric 100 nexthop via 10.0.0.1 dev a weight 1 nexthop via 10.1.0.1 dev b weight 1',
      )?.links,
    ).toEqual(['a', 'b']);
    expect(parseMonitorLine('[ROUTE]unreachable 10.0.0.0/8 proto static')?.links).toEqual([]);
    expect(
      parseMonitorLine(
        '[ADDR]3: v0    inet 10.5.0.1/24 scope global v0\\       valid_lft forever preferred_lft forever',
      ),
    ).toEqual({
      kind: 'address',
      deleted: false,
      links: ['v0'],
      key: 'v0 inet 10.5.0.1/24',
      state: '',
    });
    expect(
      parseMonitorLine(
        '[ADDR]Deleted 3: v0    inet6 fe80::748b:39ff:fedb:fe2c/64 scope link tentative \\       valid_lft forever preferred_lft forever',
      ),
    ).toEqual({
      kind: 'address',
      deleted: true,
      links: ['v0'],
      key: 'v0 inet6 fe80::748b:39ff:fedb:fe2c/64',
      state: ' tentative',
    });
    expect(
      parseMonitorLine(
        '[LINK]3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \\    link/ether 76:8b:39:db:fe:2c brd ff:ff:ff:ff:ff:ff',
      ),
    ).toEqual({
      kind: 'link',
      deleted: false,
      links: ['v0'],
      key: 'v0',
      state: '<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP',
    });
    expect(
      parseMonitorLine('[LINK]Deleted 2: v1@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default')
        ?.deleted,
    ).toBe(true);
    expect(parseMonitorLine('[NEIGH]10.0.0.1 dev eth0 lladdr 00:11:22:33:44:55 REACHABLE')).toBeNull();
    expect(parseMonitorLine('')).toBeNull();
  });

  it('reads the listings the same way, so what exists at start is known', () => {
    const link = parseMonitorLine(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      'link',
    );
    expect(link).toMatchObject({ key: 'lo', state: '<LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN' });
    const address = parseMonitorLine(
      '2: eth0    inet6 2001:db8::5/64 scope global dynamic mngtmpaddr \\       valid_lft 86391sec preferred_lft 14391sec',
      'address',
    );
    expect(address).toMatchObject({ key: 'eth0 inet6 2001:db8::5/64', state: '' });
  });
});

describe.skipIf(!canCreateNamespaces)('the network monitor in a network namespace', () => {
  let ns: TestNamespace;
  let monitor: NetworkMonitor | null;
  let calls: { what: NetworkChangeKind; all: NetworkChangeKind[]; at: number }[];
  const errors: Error[] = [];

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Waits until `count` calls have come (or 3 s), then a little longer to see that no more come. */
  async function settle(count: number, quietMs = 700): Promise<typeof calls> {
    const deadline = Date.now() + 3000;
    while (calls.length < count && Date.now() < deadline) await sleep(20);
    await sleep(quietMs);
    return calls.splice(0);
  }

  async function start(options: { ignore?: (link: string) => boolean; maxWaitMs?: number } = {}) {
    monitor = startNetworkMonitor((what, all) => calls.push({ what, all: [...all].sort(), at: Date.now() }), {
      prefix: ns.prefix,
      onError: (error) => errors.push(error),
      ...options,
    });
    await monitor.ready;
    await sleep(150); // let `ip` subscribe
  }

  beforeEach(async () => {
    ns = await createNamespace();
    calls = [];
    errors.length = 0;
    monitor = null;
    await ns.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    await ns.exec(['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    await ns.exec(['ip', 'link', 'set', 'v0', 'up']);
    await ns.exec(['ip', 'link', 'set', 'v1', 'up']);
  });
  afterEach(async () => {
    await monitor?.close();
    await ns.remove();
  });

  it('calls once for an address added, once for a default route, once for their removal', async () => {
    await start();
    await ns.exec(['ip', 'address', 'add', '10.5.0.1/24', 'dev', 'v0']);
    // The address brings its local and prefix routes along: one call, the address the most telling.
    expect(await settle(1)).toEqual([{ what: 'address', all: ['address', 'route'], at: expect.any(Number) }]);
    await ns.exec(['ip', 'route', 'add', 'default', 'via', '10.5.0.2']);
    expect((await settle(1)).map((c) => c.what)).toEqual(['route']);
    await ns.exec(['ip', 'route', 'del', 'default']);
    expect((await settle(1)).map((c) => c.what)).toEqual(['route']);
    await ns.exec(['ip', 'address', 'del', '10.5.0.1/24', 'dev', 'v0']);
    expect((await settle(1)).map((c) => c.what)).toEqual(['address']);
    await ns.exec(['ip', 'link', 'set', 'v1', 'down']);
    expect((await settle(1)).map((c) => c.what)).toEqual(['link']);
    expect(errors).toEqual([]);
  });

  it('makes one call of a burst, and none of an address merely re-announced with new lifetimes', async () => {
    await ns.exec([
      'ip',
      '-6',
      'address',
      'add',
      'fd05::1/64',
      'dev',
      'v0',
      'valid_lft',
      '3600',
      'preferred_lft',
      '1800',
    ]);
    await start();
    await ns.exec([
      'ip',
      '-6',
      'address',
      'change',
      'fd05::1/64',
      'dev',
      'v0',
      'valid_lft',
      '7200',
      'preferred_lft',
      '3600',
    ]);
    expect(await settle(0)).toEqual([]);
    const batch = Array.from({ length: 8 }, (_, i) => `address add 10.6.${i}.1/24 dev v0`).join('\n');
    await run([...ns.prefix, 'ip', '-batch', '-'], batch);
    expect(await settle(1)).toHaveLength(1);
  });

  it("ignores what happens on the caller's own links", async () => {
    await start({ ignore: (link) => link === 'wt0' });
    await ns.exec(['ip', 'tuntap', 'add', 'dev', 'wt0', 'mode', 'tun']);
    await ns.exec(['ip', 'address', 'add', '10.9.0.2/24', 'dev', 'wt0']);
    await ns.exec(['ip', 'link', 'set', 'wt0', 'up']);
    await ns.exec(['ip', 'route', 'add', '10.20.0.0/16', 'dev', 'wt0']);
    await ns.exec(['ip', 'link', 'del', 'wt0']);
    expect(await settle(0)).toEqual([]);
    await ns.exec(['ip', 'address', 'add', '10.5.0.1/24', 'dev', 'v0']);
    expect(await settle(1)).toHaveLength(1);
  });

  it('calls at least every maxWaitMs while changes keep coming', async () => {
    await start({ maxWaitMs: 400 });
    const begun = Date.now();
    for (let i = 0; i < 12; i++) {
      await ns.exec(['ip', 'address', 'add', `10.7.${i}.1/24`, 'dev', 'v0']);
      await sleep(100);
    }
    const ended = Date.now();
    const seen = await settle(1);
    // A debounce alone would call once, after the last change; the deadline calls while they still come.
    expect(
      seen.filter((c) => c.at < ended).length,
      `calls at ${seen.map((c) => c.at - begun).join(', ')} ms, changes until ${ended - begun} ms`,
    ).toBeGreaterThanOrEqual(1);
  });

  it('close stops the ip monitor child; a monitor whose child dies says so', async () => {
    await start();
    expect((await run([IP, 'netns', 'pids', ns.name])).trim()).not.toBe('');
    await monitor!.close();
    await monitor!.close();
    expect((await run([IP, 'netns', 'pids', ns.name])).trim()).toBe('');
    await ns.exec(['ip', 'address', 'add', '10.5.0.1/24', 'dev', 'v0']);
    expect(await settle(0, 500)).toEqual([]);

    await start();
    const pid = Number((await run([IP, 'netns', 'pids', ns.name])).trim().split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 3000;
    while (errors.length === 0 && Date.now() < deadline) await sleep(20);
    expect(errors.map((e) => e.message)).toEqual(['`ip monitor` ended (SIGKILL)']);
  });
});
