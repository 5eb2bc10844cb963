// The Linux platform for real, as root, inside network namespaces this test creates (one per test, deleted
// afterwards even on failure): every command runs behind `ip netns exec NS`, so the host's links, routes, rules,
// nftables and sysctls are never touched. A TUN device made with `ip tuntap` stands in for the engine's. DNS in
// these tests goes to a file in a temporary directory or to fake executables; the real /etc/resolv.conf inside
// a namespace is resolv-conf-netns.test.ts.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../../../test/netns/namespace.js';
import type { TunnelUpOptions } from '../types.js';
import { createLinuxPlatform, type LinuxPlatformOptions } from './index.js';
import { createCommandRunner } from './run-command.js';
import {
  addedRoutes,
  networkSnapshot,
  recordingRunner,
  tunnelConfig,
  type RouteEntry,
} from './testing/tunnel-fixtures.js';

const LINK = 'wt0';

describe.skipIf(!canCreateNamespaces)('a tunnel up and down in a network namespace', () => {
  let ns: TestNamespace;
  let dir: string;
  let log: string[];
  const created: TestNamespace[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-tunnel-'));
  });
  beforeEach(async () => {
    ns = await createNamespace();
    created.push(ns);
    await ns.exec(['ip', 'tuntap', 'add', 'dev', LINK, 'mode', 'tun']);
    log = [];
  });
  afterEach(async () => {
    await ns.remove();
  });
  afterAll(async () => {
    for (const namespace of created) await namespace.remove();
    await rm(dir, { recursive: true, force: true });
  });

  /** The platform with every command inside the namespace, recorded; DNS, if any, to a scratch file. */
  function platform(options: LinuxPlatformOptions & { env?: NodeJS.ProcessEnv } = {}) {
    const runner = recordingRunner(createCommandRunner({ prefix: ns.prefix, env: options.env }), log);
    const dns = options.dns ?? {
      method: 'resolv.conf' as const,
      resolvConfFile: { path: join(dir, `${ns.name}-resolv.conf`), backupPath: join(dir, `${ns.name}-backup.json`) },
    };
    return createLinuxPlatform({ ...options, runner, dns });
  }

  const up = (config: Parameters<ReturnType<typeof platform>['tunnels']['up']>[1], options?: TunnelUpOptions) =>
    platform().tunnels.up(LINK, config, options);
  const routes = async (family: 4 | 6) => ns.ipJson<RouteEntry[]>(`-${family}`, 'route', 'show', 'table', 'all');
  const link = async () => (await ns.ipJson<{ mtu: number; flags: string[] }[]>('link', 'show', 'dev', LINK))[0]!;
  const commands = (pattern: RegExp) => log.filter((line) => pattern.test(line));

  it('sets addresses, the MTU and the link up, and down takes all of it back', async () => {
    const before = await networkSnapshot(ns);
    const handle = await up(tunnelConfig('Address = 10.9.0.2/24, fd00::2/64\nMTU = 1380', 'AllowedIPs = 10.9.0.0/24'));
    const [entry] = await ns.ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>(
      'address',
      'show',
      'dev',
      LINK,
    );
    expect(entry!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.9.0.2/24', 'fd00::2/64']);
    expect(await link()).toMatchObject({ mtu: 1380, flags: expect.arrayContaining(['UP']) });
    expect(handle).toMatchObject({ name: LINK, mtu: 1380, fwmark: null, dnsMethod: null, warnings: [] });
    expect(commands(/^ip -[46] address add|^ip link set mtu/)).toEqual([
      'ip -4 address add 10.9.0.2/24 dev wt0',
      'ip -6 address add fd00::2/64 dev wt0',
      'ip link set mtu 1380 up dev wt0',
    ]);
    await handle.down();
    expect(await link()).toMatchObject({ mtu: 1500, flags: expect.not.arrayContaining(['UP']) });
    expect(await networkSnapshot(ns)).toEqual(before);
  });

  it("computes the MTU as wg-quick when the config has none: the path's MTU minus 80, else 1420", async () => {
    const config = tunnelConfig('Address = 10.9.0.2/24', 'AllowedIPs = 10.9.0.0/24\nEndpoint = 198.51.100.7:51820');
    let handle = await up(config);
    expect(handle.mtu).toBe(1420); // no route anywhere: 1500 - 80
    await handle.down();

    await ns.exec(['ip', 'tuntap', 'add', 'dev', 'up0', 'mode', 'tun']);
    await ns.exec(['ip', 'link', 'set', 'up0', 'mtu', '9000', 'up']);
    await ns.exec(['ip', 'route', 'add', 'default', 'dev', 'up0']);
    handle = await up(config);
    expect(handle.mtu).toBe(8920); // the endpoint's route is the default one, over a 9000 link
    expect((await link()).mtu).toBe(8920);
    await handle.down();

    await ns.exec(['ip', 'route', 'add', '198.51.100.0/24', 'dev', 'up0', 'mtu', '1400']);
    handle = await up(config);
    expect(handle.mtu).toBe(1320); // the endpoint's own route says 1400
    await handle.down();
  });

  it("routes every peer's AllowedIPs over the link in the main table, longest first, skipping covered ones", async () => {
    const before = await networkSnapshot(ns);
    const handle = await up(
      tunnelConfig(
        'Address = 10.9.0.2/24, fd00::2/64',
        'AllowedIPs = 10.20.0.0/16, 10.9.0.5/32, fd10::/64',
        'AllowedIPs = 10.21.1.0/24, 10.21.0.0/16',
      ),
    );
    // 10.9.0.5/32 is inside the link's own 10.9.0.0/24, so wg-quick adds no route for it.
    expect(commands(/route add/)).toEqual([
      'ip -6 route add fd10::/64 dev wt0',
      'ip -4 route add 10.21.1.0/24 dev wt0',
      'ip -4 route add 10.21.0.0/16 dev wt0',
      'ip -4 route add 10.20.0.0/16 dev wt0',
    ]);
    expect(addedRoutes(await routes(4), LINK).sort()).toEqual([
      '10.20.0.0/16 main',
      '10.21.0.0/16 main',
      '10.21.1.0/24 main',
    ]);
    expect(addedRoutes(await routes(6), LINK)).toEqual(['fd10::/64 main']);
    await handle.down();
    expect(await networkSnapshot(ns)).toEqual(before);
  });

  it('adds no routes and no rules with Table = off, full tunnel or not', async () => {
    const before = await networkSnapshot(ns);
    const handle = await up(
      tunnelConfig('Address = 10.9.0.2/24\nTable = off', 'AllowedIPs = 0.0.0.0/0, ::/0, 10.20.0.0/16'),
    );
    expect(addedRoutes(await routes(4), LINK)).toEqual([]);
    expect(addedRoutes(await routes(6), LINK)).toEqual([]);
    expect(await ns.ipJson('-4', 'rule', 'show')).toEqual(before.rules4);
    expect(handle.fwmark).toBeNull();
    await handle.down();
    expect(await networkSnapshot(ns)).toEqual(before);
  });

  it('puts every route, default ones included, into the table given, with no rules', async () => {
    const before = await networkSnapshot(ns);
    const handle = await up(
      tunnelConfig('Address = 10.9.0.2/24\nTable = 1234', 'AllowedIPs = 0.0.0.0/0, ::/0, 10.20.0.0/16'),
    );
    expect(addedRoutes(await routes(4), LINK).sort()).toEqual(['10.20.0.0/16 1234', 'default 1234']);
    expect(addedRoutes(await routes(6), LINK)).toEqual(['default 1234']);
    expect(await ns.ipJson('-4', 'rule', 'show')).toEqual(before.rules4);
    expect(await ns.ipJson('-6', 'rule', 'show')).toEqual(before.rules6);
    expect(handle.fwmark).toBeNull();
    await handle.down();
    expect(await networkSnapshot(ns)).toEqual(before);
  });

  it('skips a route the kernel already has in the table given, as without one: Table = main, the Address subnets', async () => {
    const before = await networkSnapshot(ns);
    // wg-quick adds each of these with `ip route add ... table main` and fails on 10.9.0.0/24 ("File exists").
    const handle = await up(
      tunnelConfig(
        'Address = 10.9.0.2/24, fd00::2/64\nTable = main',
        'AllowedIPs = 10.9.0.0/24, 10.9.0.5/32, fd00::/64, 10.20.0.0/16',
      ),
    );
    expect(commands(/route add/)).toEqual(['ip -4 route add 10.20.0.0/16 dev wt0 table main']);
    expect(addedRoutes(await routes(4), LINK)).toEqual(['10.20.0.0/16 main']);
    // The kernel's own routes for the subnets, once each.
    const kernel = async (family: 4 | 6) =>
      (await routes(family)).filter((r) => r.dev === LINK && r.protocol === 'kernel' && r.type === undefined);
    expect((await kernel(4)).map((r) => r.dst)).toEqual(['10.9.0.0/24']);
    expect((await kernel(6)).map((r) => r.dst).filter((dst) => dst === 'fd00::/64')).toHaveLength(1);
    await handle.down();
    expect(await networkSnapshot(ns)).toEqual(before);
  });

  it('makes a full tunnel exactly as wg-quick: fwmark, rules, table, src_valid_mark, nft; down removes it', async () => {
    const before = await networkSnapshot(ns);
    const marks: { fwmark: number; commandsSoFar: number }[] = [];
    const handle = await up(
      tunnelConfig('Address = 10.9.0.2/24, fd00::2/64', 'AllowedIPs = 0.0.0.0/0, ::/0, 10.20.0.0/16'),
      {
        onFwmark: (fwmark) => void marks.push({ fwmark, commandsSoFar: log.length }),
      },
    );
    expect(handle.fwmark).toBe(51820);
    // The sockets are marked before any rule could route their packets into the tunnel.
    expect(marks).toHaveLength(1);
    expect(log.slice(marks[0]!.commandsSoFar).filter((line) => / rule add /.test(line))).toHaveLength(4);
    expect(log.slice(0, marks[0]!.commandsSoFar).filter((line) => / rule add /.test(line))).toHaveLength(0);
    expect(commands(/ (route|rule) add |^sysctl -q|^nft -f/)).toEqual([
      'ip -4 route add 10.20.0.0/16 dev wt0',
      'ip -6 rule add not fwmark 51820 table 51820',
      'ip -6 rule add table main suppress_prefixlength 0',
      'ip -6 route add ::/0 dev wt0 table 51820',
      'nft -f /dev/stdin',
      'ip -4 rule add not fwmark 51820 table 51820',
      'ip -4 rule add table main suppress_prefixlength 0',
      'ip -4 route add 0.0.0.0/0 dev wt0 table 51820',
      'sysctl -q net.ipv4.conf.all.src_valid_mark=1',
      'nft -f /dev/stdin',
    ]);
    expect(await ns.ipJson('-4', 'rule', 'show')).toEqual([
      { priority: 0, src: 'all', table: 'local' },
      { priority: 32764, src: 'all', table: 'main', suppress_prefixlen: 0 },
      { priority: 32765, not: null, src: 'all', fwmark: '0xca6c', table: '51820' },
      { priority: 32766, src: 'all', table: 'main' },
      { priority: 32767, src: 'all', table: 'default' },
    ]);
    expect(await ns.ipJson('-6', 'rule', 'show')).toEqual([
      { priority: 0, src: 'all', table: 'local' },
      { priority: 32764, src: 'all', table: 'main', suppress_prefixlen: 0 },
      { priority: 32765, not: null, src: 'all', fwmark: '0xca6c', table: '51820' },
      { priority: 32766, src: 'all', table: 'main' },
    ]);
    expect(addedRoutes(await routes(4), LINK).sort()).toEqual(['10.20.0.0/16 main', 'default 51820']);
    expect(addedRoutes(await routes(6), LINK)).toEqual(['default 51820']);
    expect((await ns.exec(['sysctl', '-n', 'net.ipv4.conf.all.src_valid_mark'])).trim()).toBe('1');
    const ruleset = await ns.exec(['nft', 'list', 'ruleset']);
    expect(ruleset).toContain('table ip warren-wt0 {');
    expect(ruleset).toContain('table ip6 warren-wt0 {');
    expect(ruleset).toContain('iifname != "wt0" ip daddr 10.9.0.2 fib saddr type != local drop');
    expect(ruleset).toContain('iifname != "wt0" ip6 daddr fd00::2 fib saddr type != local drop');
    expect(ruleset).toContain('meta l4proto udp meta mark 0x0000ca6c ct mark set meta mark');
    expect(ruleset).toContain('meta l4proto udp meta mark set ct mark');

    await handle.down();
    expect(await networkSnapshot(ns)).toEqual(before);
    // Left set on purpose, as wg-quick leaves it: another tunnel may need it.
    expect((await ns.exec(['sysctl', '-n', 'net.ipv4.conf.all.src_valid_mark'])).trim()).toBe('1');
  });

  it('excludes private IPs from a full tunnel through its table, so the LAN stays outside and the fwmark still works', async () => {
    // A LAN with the machine's default route, as the untunneled path. Without duplicate address detection, so
    // that the links' IPv6 link-local addresses (and their local routes) are final before the first snapshot.
    await ns.exec(['sysctl', '-q', 'net.ipv6.conf.default.accept_dad=0']);
    await ns.exec(['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    await ns.exec(['ip', 'address', 'add', '192.168.77.1/24', 'dev', 'v0']);
    await ns.exec(['ip', 'link', 'set', 'v0', 'up']);
    await ns.exec(['ip', 'link', 'set', 'v1', 'up']);
    await ns.exec(['ip', 'route', 'add', 'default', 'via', '192.168.77.254', 'dev', 'v0']);
    const before = await networkSnapshot(ns);
    const config = tunnelConfig('Address = 10.9.0.2/24, fd00::2/64\nDNS = 10.64.0.1', 'AllowedIPs = 0.0.0.0/0, ::/0');
    const handle = await up(config, { excludePrivateIps: true });
    expect(handle.fwmark).toBe(51820);
    const routeGet = async (...args: string[]) =>
      (await ns.ipJson<{ dev: string; table?: string }[]>('route', 'get', ...args))[0];
    // Public addresses go into the tunnel by its table; private ones to the LAN; the private resolver into the
    // tunnel; the tunnel's own marked UDP to the LAN, as in any full tunnel.
    expect(await routeGet('8.8.8.8')).toMatchObject({ dev: LINK, table: '51820' });
    expect(await routeGet('198.51.100.7')).toMatchObject({ dev: LINK, table: '51820' });
    expect(await routeGet('10.1.2.3')).toMatchObject({ dev: 'v0' });
    expect(await routeGet('172.20.0.1')).toMatchObject({ dev: 'v0' });
    expect(await routeGet('239.1.2.3')).toMatchObject({ dev: 'v0' });
    expect(await routeGet('10.64.0.1')).toMatchObject({ dev: LINK, table: '51820' });
    expect(await routeGet('198.51.100.7', 'mark', '51820')).toMatchObject({ dev: 'v0' });
    expect(addedRoutes(await routes(4), LINK).filter((route) => route.endsWith(' 51820'))).toHaveLength(31);
    expect(addedRoutes(await routes(6), LINK)).toEqual(['default 51820']);
    await handle.down();
    expect(await networkSnapshot(ns)).toEqual(before);
  });

  it('uses the FwMark as the table, or the first free table from 51820', async () => {
    let handle = await up(tunnelConfig('Address = 10.9.0.2/24\nFwMark = 0x1234', 'AllowedIPs = 0.0.0.0/0'));
    expect(handle.fwmark).toBe(0x1234);
    expect(commands(/rule add not fwmark/)).toEqual(['ip -4 rule add not fwmark 4660 table 4660']);
    expect(addedRoutes(await routes(4), LINK)).toEqual(['default 4660']);
    await handle.down();

    await ns.exec(['ip', '-6', 'route', 'add', 'fd99::/64', 'dev', 'lo', 'table', '51820']);
    log.length = 0;
    handle = await up(tunnelConfig('Address = 10.9.0.2/24', 'AllowedIPs = 0.0.0.0/0'));
    expect(handle.fwmark).toBe(51821);
    expect(commands(/rule add not fwmark/)).toEqual(['ip -4 rule add not fwmark 51821 table 51821']);
    await handle.down();
  });

  it('leaves other rules and routes alone, even ones just like its own added after it', async () => {
    await ns.exec(['ip', 'tuntap', 'add', 'dev', 'up0', 'mode', 'tun']);
    await ns.exec(['ip', 'link', 'set', 'up0', 'up']);
    await ns.exec(['ip', 'route', 'add', '203.0.113.0/24', 'dev', 'up0']);
    await ns.exec(['ip', 'route', 'add', '198.51.100.0/24', 'dev', 'up0', 'table', '100']);
    await ns.exec(['ip', 'rule', 'add', 'from', '192.0.2.0/24', 'table', '100', 'priority', '1000']);
    const before = await networkSnapshot(ns);
    const handle = await up(tunnelConfig('Address = 10.9.0.2/24', 'AllowedIPs = 0.0.0.0/0, 198.51.100.0/24'));
    expect(addedRoutes(await routes(4), LINK).sort()).toEqual(['198.51.100.0/24 main', 'default 51820']);

    // Someone else (a second tunnel, say) adds rules identical to ours but for the priority, which the kernel
    // puts ahead of ours: deleting by pattern, as wg-quick does, would take theirs and leave ours.
    type Rule = { priority: number };
    const ours = await ns.ipJson<Rule[]>('-4', 'rule', 'show');
    await ns.exec(['ip', '-4', 'rule', 'add', 'table', 'main', 'suppress_prefixlength', '0']);
    await ns.exec(['ip', '-4', 'rule', 'add', 'not', 'fwmark', '51820', 'table', '51820']);
    const theirs = (await ns.ipJson<Rule[]>('-4', 'rule', 'show')).filter(
      (rule) => !ours.some((r) => r.priority === rule.priority),
    );
    expect(theirs).toHaveLength(2);

    await handle.down();
    const after = await networkSnapshot(ns);
    const expected = [...(before.rules4 as Rule[]), ...theirs].sort((a, b) => a.priority - b.priority);
    expect(after).toEqual({ ...before, rules4: expected });
  });

  it('undoes everything when a step fails, and reports the command with its stderr', async () => {
    const before = await networkSnapshot(ns);
    const failure = up(
      tunnelConfig('Address = 10.9.0.2/24, fd00::2/64\nTable = nosuchtable', 'AllowedIPs = 10.20.0.0/16'),
    );
    await expect(failure).rejects.toThrow(
      /^`ip -4 route add 10\.20\.0\.0\/16 dev wt0 table nosuchtable` failed with exit code \d+: .*nosuchtable/,
    );
    expect(await networkSnapshot(ns)).toEqual(before);
  });

  it('undoes a full tunnel and its DNS when PostUp fails', async () => {
    const resolvConf = join(dir, `${ns.name}-resolv.conf`);
    await writeFile(resolvConf, 'nameserver 192.0.2.53\n');
    const before = await networkSnapshot(ns);
    const config = tunnelConfig(
      'Address = 10.9.0.2/24\nDNS = 10.9.0.1\nPostUp = echo broken >&2; false',
      'AllowedIPs = 0.0.0.0/0',
    );
    await expect(up(config, { allowScripts: true })).rejects.toThrow(
      "PostUp hook `bash -c 'echo broken >&2; false'` failed with exit code 1: broken",
    );
    expect(await networkSnapshot(ns)).toEqual(before);
    expect(await readFile(resolvConf, 'utf8')).toBe('nameserver 192.0.2.53\n');
  });

  it('runs hooks with %i inside, in order, only when scripts are allowed', async () => {
    const record = join(dir, `${ns.name}-hooks`);
    // `ip link show %i` succeeds only where the link is: inside the namespace.
    const hook = (phase: string) => `${phase} = ip link show %i > /dev/null && echo ${phase} %i >> ${record}`;
    const config = tunnelConfig(
      ['Address = 10.9.0.2/24', hook('PreUp'), hook('PostUp'), hook('PreDown'), hook('PostDown')].join('\n'),
      'AllowedIPs = 10.20.0.0/16',
    );
    const denied = await up(config);
    expect(denied.warnings).toEqual([
      'PreUp not run: scripts are not allowed for this tunnel; enable allow scripts to run them',
      'PostUp not run: scripts are not allowed for this tunnel; enable allow scripts to run them',
      'PreDown not run: scripts are not allowed for this tunnel; enable allow scripts to run them',
      'PostDown not run: scripts are not allowed for this tunnel; enable allow scripts to run them',
    ]);
    await denied.down();
    expect(commands(/^bash/)).toEqual([]);
    await expect(readFile(record, 'utf8')).rejects.toThrow(/ENOENT/);

    const allowed = await up(config, { allowScripts: true });
    expect(allowed.warnings).toEqual([]);
    expect(await readFile(record, 'utf8')).toBe('PreUp wt0\nPostUp wt0\n');
    // PreUp before the first address, PostUp after the last route.
    const firstBash = log.findIndex((line) => line.startsWith('bash'));
    expect(log.slice(firstBash + 1).some((line) => line.includes('address add'))).toBe(true);
    expect(log.at(-1)).toMatch(/^bash -c .*PostUp wt0/);
    await allowed.down();
    expect(await readFile(record, 'utf8')).toBe('PreUp wt0\nPostUp wt0\nPreDown wt0\nPostDown wt0\n');
  });

  it('goes down once however often down is called', async () => {
    const handle = await up(tunnelConfig('Address = 10.9.0.2/24', 'AllowedIPs = 0.0.0.0/0'));
    const first = handle.down();
    const second = handle.down();
    expect(second).toBe(first);
    await first;
    const count = log.length;
    await handle.down();
    expect(log.length).toBe(count);
  });

  it('still goes down cleanly when the link has gone first (the engine closed its TUN)', async () => {
    const before = await networkSnapshot(ns);
    const handle = await up(
      tunnelConfig('Address = 10.9.0.2/24, fd00::2/64', 'AllowedIPs = 0.0.0.0/0, ::/0, 10.20.0.0/16'),
    );
    await ns.exec(['ip', 'link', 'del', LINK]);
    await handle.down();
    const after = await networkSnapshot(ns);
    // Everything but the link itself is as it was: rules and nft tables were removed by us, the rest with the link.
    expect({ ...after, links: null, addresses: null, routes4: null, routes6: null }).toEqual({
      ...before,
      links: null,
      addresses: null,
      routes4: null,
      routes6: null,
    });
    expect(addedRoutes(await routes(4), LINK)).toEqual([]);
  });

  it('refuses a bad interface name before running anything', async () => {
    await expect(platform().tunnels.up('wt0; reboot', tunnelConfig('Address = 10.9.0.2/24'))).rejects.toThrow(
      'invalid interface name',
    );
    expect(log).toEqual([]);
  });

  it('sets DNS between the link coming up and the routes, through the method found (a fake resolvconf here)', async () => {
    const bin = join(dir, `${ns.name}-bin`);
    const record = join(dir, `${ns.name}-resolvconf`);
    await mkdir(bin);
    await writeFile(
      join(bin, 'resolvconf'),
      `#!/bin/sh\necho "resolvconf $*" >> '${record}'\n[ "$1" = -a ] && cat >> '${record}'\nexit 0\n`,
      {
        mode: 0o755,
      },
    );
    const tunnels = platform({
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      dns: { method: 'resolvconf', resolvconf: { interfaceOrderPath: join(dir, 'no-interface-order') } },
    }).tunnels;
    const handle = await tunnels.up(
      LINK,
      tunnelConfig('Address = 10.9.0.2/24\nDNS = 10.9.0.1, example.com', 'AllowedIPs = 10.20.0.0/16'),
    );
    expect(handle.dnsMethod).toBe('resolvconf');
    expect(commands(/^ip link set mtu|^resolvconf|route add/)).toEqual([
      'ip link set mtu 1420 up dev wt0',
      'resolvconf -a wt0 -m 0 -x',
      'ip -4 route add 10.20.0.0/16 dev wt0',
    ]);
    await handle.down();
    expect(await readFile(record, 'utf8')).toBe(
      'resolvconf -a wt0 -m 0 -x\nnameserver 10.9.0.1\nsearch example.com\nresolvconf -d wt0 -f\n',
    );
  });

  it("hands DNS to a network's resolvers and back by the method's own means: resolvconf's record, resolved's revert", async () => {
    const bin = join(dir, `${ns.name}-bin`);
    await mkdir(bin);
    for (const command of ['resolvconf', 'resolvectl']) {
      await writeFile(join(bin, command), `#!/bin/sh\n[ "$1" = -a ] && cat > /dev/null\nexit 0\n`, { mode: 0o755 });
    }
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const config = tunnelConfig('Address = 10.9.0.2/24\nDNS = 10.9.0.1, example.com', 'AllowedIPs = 10.20.0.0/16');
    const dnsCommands = () => commands(/^resolv/).splice(0);

    const resolvconf = platform({
      env,
      dns: { method: 'resolvconf', resolvconf: { interfaceOrderPath: join(dir, 'no-interface-order') } },
    }).tunnels;
    let handle = await resolvconf.up(LINK, config);
    log.length = 0;
    let handBack = await handle.handOverDns(['192.168.1.1']);
    expect(dnsCommands()).toEqual(['resolvconf -d wt0 -f', 'resolvconf -a wt0 -m 0 -x']);
    log.length = 0;
    await handBack!();
    expect(dnsCommands()).toEqual(['resolvconf -d wt0 -f', 'resolvconf -a wt0 -m 0 -x']);
    await handle.down();

    const resolvectl = platform({ env, dns: { method: 'resolvectl' } }).tunnels;
    handle = await resolvectl.up(LINK, config);
    log.length = 0;
    handBack = await handle.handOverDns(['192.168.1.1']);
    expect(dnsCommands()).toEqual(['resolvectl revert -- wt0']);
    log.length = 0;
    await handBack!();
    expect(dnsCommands()).toEqual([
      'resolvectl dns -- wt0 10.9.0.1',
      'resolvectl domain -- wt0 ~. example.com',
      'resolvectl default-route -- wt0 yes',
    ]);
    // Going down with the DNS handed over: the link holds none of the tunnel's to revert, and a late hand-back
    // sets nothing.
    handBack = await handle.handOverDns(['192.168.1.1']);
    log.length = 0;
    await handle.down();
    await handBack!();
    expect(dnsCommands()).toEqual([]);
  });
});
