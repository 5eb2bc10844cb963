// Warren beside the real NetworkManager (Debian's network-manager), in a network namespace of the test's own, on a
// private system bus, with a real DHCP server (dnsmasq) in another namespace handing out a lease that renews every
// few seconds. What it shows:
//  - NetworkManager takes a TUN device it did not create for a connection of its own ("connected (externally)")
//    as soon as it has an address; one that Warren brings up it is told to leave alone (unmanaged) first, and does;
//  - where NetworkManager writes /etc/resolv.conf itself, the tunnel's DNS (the networkmanager method) is what it
//    writes, still after lease renewals, and on down its own file comes back byte for byte.
//
// How NetworkManager runs here (each step found by trying; none touches the host's):
//  - `ip netns exec NS` gives it the namespace and a mount namespace of its own (mounts there stay there);
//  - /sys remounted read-only there: NetworkManager then runs as in a container, without udev, whose absence would
//    otherwise leave every device "unmanaged (platform-init)" forever;
//  - a tmpfs on /run, and a state directory of the test's bound on /var/lib/NetworkManager: its runtime and state
//    files are the test's;
//  - an overlay on /etc whose upper directory is the test's: NetworkManager replaces /etc/resolv.conf by rename,
//    which a bind-mounted file (what `ip netns exec` does with /etc/netns/NS/resolv.conf) refuses with EBUSY;
//  - DBUS_SYSTEM_BUS_ADDRESS: a dbus-daemon of the test's, not the system's; no polkit (auth-polkit=false).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NM_DEVICE, NM_NAME, NetworkManagerClient } from '../../native-helper/platform/linux/network-manager.js';
import { createLinuxPlatform } from '../../native-helper/platform/linux/index.js';
import { createCommandRunner } from '../../native-helper/platform/linux/run-command.js';
import { type PrivateBus, startPrivateBus } from '../../native-helper/platform/linux/testing/fake-logind.js';
import { tunnelConfig } from '../../native-helper/platform/linux/testing/tunnel-fixtures.js';
import { Variant } from 'dbus-next';
import { Child } from './child.js';
import { IP, type TestNamespace, canCreateNamespaces, createNamespace } from './namespace.js';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const canRun =
  canCreateNamespaces &&
  has('NetworkManager') &&
  has('dnsmasq') &&
  has('dbus-daemon') &&
  existsSync('/var/lib/NetworkManager') &&
  readFileSync('/proc/filesystems', 'utf8').includes('overlay');

/** NMDeviceState: unmanaged, activated. */
const UNMANAGED = 10;
const ACTIVATED = 100;
/** The DHCP lease renews every RENEW_SECONDS (option 58, T1). */
const RENEW_SECONDS = 3;

async function until<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!canRun)('beside the real NetworkManager', { timeout: 90_000 }, () => {
  let w: TestNamespace;
  let o: TestNamespace;
  let bus: PrivateBus;
  let dir: string;
  let nm: ChildProcess;
  let dhcp: ChildProcess;
  let nmOutput = '';
  let dhcpOutput = '';
  const children: Child[] = [];
  /** /etc/resolv.conf as NetworkManager's namespace sees it. */
  const resolvConf = () => readFileSync(join(dir, 'etc-upper', 'resolv.conf'), 'utf8');
  const renewals = () => dhcpOutput.split('\n').filter((line) => line.includes('DHCPACK')).length;
  const client = () => NetworkManagerClient.connect({ address: bus.address });
  const deviceState = async (link: string) => {
    const nmClient = await client();
    try {
      const device = await nmClient.deviceOf(link);
      return device === null ? null : Number(await nmClient.bus.get(NM_NAME, device, NM_DEVICE, 'State'));
    } finally {
      nmClient.close();
    }
  };
  const tun = async (name: string) => {
    const child = new Child(w.name, 'tun-echo.ts', { name, offload: false });
    children.push(child);
    expect((await child.next('open')).name).toBe(name);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-nm-'));
    for (const sub of ['state', 'connections', 'conf.d', 'etc-upper', 'etc-work']) mkdirSync(join(dir, sub));
    w = await createNamespace();
    o = await createNamespace();
    await w.exec([IP, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth-o', 'netns', o.name]);
    await o.exec(['ip', 'address', 'add', '192.168.77.1/24', 'dev', 'eth-o']);
    await o.exec(['ip', 'link', 'set', 'eth-o', 'up']);
    dhcp = spawn(o.prefix[0]!, [
      ...o.prefix.slice(1),
      'dnsmasq',
      '--no-daemon',
      '--port=0',
      '--interface=eth-o',
      '--bind-interfaces',
      `--dhcp-leasefile=${join(dir, 'leases')}`,
      '--dhcp-range=192.168.77.50,192.168.77.60,2m',
      '--dhcp-option=option:router,192.168.77.1',
      '--dhcp-option=option:dns-server,192.168.77.1',
      `--dhcp-option=58,${RENEW_SECONDS}`,
      `--dhcp-option=59,${RENEW_SECONDS * 2}`,
    ]);
    dhcp.stderr!.on('data', (chunk: Buffer) => (dhcpOutput += chunk.toString()));

    bus = await startPrivateBus();
    writeFileSync(
      join(dir, 'NetworkManager.conf'),
      [
        '[main]',
        'plugins=keyfile',
        'dns=default',
        'rc-manager=file',
        'systemd-resolved=false',
        'auth-polkit=false',
        '[keyfile]',
        `path=${join(dir, 'connections')}`,
        '[logging]',
        'level=INFO',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'connections', 'lan.nmconnection'),
      '[connection]\nid=lan\nuuid=7f0c2f51-5d0a-4d0e-9a51-000000000077\ntype=ethernet\ninterface-name=eth0\n\n' +
        '[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=disabled\n',
      { mode: 0o600 },
    );
    writeFileSync(join(dir, 'etc-upper', 'resolv.conf'), '# before NetworkManager\n');
    const script = [
      'set -e',
      'mount -o remount,ro /sys',
      'mount -t tmpfs tmpfs /run',
      `mount --bind ${join(dir, 'state')} /var/lib/NetworkManager`,
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${join(dir, 'etc-upper')},workdir=${join(dir, 'etc-work')} /etc`,
      `export DBUS_SYSTEM_BUS_ADDRESS='${bus.address}'`,
      `exec NetworkManager --debug --config=${join(dir, 'NetworkManager.conf')} --config-dir=${join(dir, 'conf.d')} ` +
        `--system-config-dir=${join(dir, 'conf.d')} --intern-config=${join(dir, 'state', 'intern.conf')} ` +
        `--state-file=${join(dir, 'state', 'state')} --pid-file=/run/NetworkManager.pid`,
    ].join('\n');
    nm = spawn(w.prefix[0]!, [...w.prefix.slice(1), 'sh', '-c', script]);
    nm.stderr!.on('data', (chunk: Buffer) => (nmOutput += chunk.toString()));
    nm.stdout!.on('data', (chunk: Buffer) => (nmOutput += chunk.toString()));

    // A veth is unmanaged by default: manage it, and the keyfile connection comes up by DHCP.
    const eth0 = await until(
      async () => {
        const nmClient = await client().catch(() => null);
        const device = await nmClient?.deviceOf('eth0').catch(() => null);
        if (nmClient && device) await nmClient.bus.set(NM_NAME, device, NM_DEVICE, 'Managed', new Variant('b', true));
        nmClient?.close();
        return device ?? null;
      },
      (device) => device !== null,
      `NetworkManager to start and see eth0 (its output: ${nmOutput.slice(-2000)})`,
    );
    expect(eth0).toMatch(/^\/org\/freedesktop\/NetworkManager\/Devices\//);
    await until(resolvConf, (text) => text.includes('nameserver 192.168.77.1'), "NetworkManager's resolv.conf");
  });

  afterAll(async () => {
    for (const child of children.splice(0)) child.kill();
    nm?.kill('SIGKILL');
    dhcp?.kill('SIGKILL');
    for (const ns of [w, o]) await ns?.remove();
    await bus?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves alone a tunnel Warren brings up, where it takes over a TUN nobody told it about', async () => {
    // A TUN with an address and nobody telling NetworkManager: it becomes a connection of NetworkManager's.
    await tun('wt1');
    await w.exec(['ip', 'address', 'add', '10.8.0.2/24', 'dev', 'wt1']);
    await w.exec(['ip', 'link', 'set', 'wt1', 'up']);
    await until(
      () => deviceState('wt1'),
      (state) => state === ACTIVATED,
      'NetworkManager to take wt1 over',
    );

    // Warren's: told to leave it alone before any address goes on it.
    await tun('wt0');
    const platform = createLinuxPlatform({
      runner: createCommandRunner({ prefix: w.prefix }),
      networkManager: { address: bus.address },
      dns: {
        method: 'resolv.conf',
        resolvConfFile: { path: join(dir, 'unused-resolv.conf'), backupPath: join(dir, 'unused') },
      },
    });
    const handle = await platform.tunnels.up(
      'wt0',
      tunnelConfig('Address = 10.9.0.2/24\nMTU = 1420', 'AllowedIPs = 10.20.0.0/16'),
    );
    try {
      expect(handle.warnings).toEqual([]);
      expect(await deviceState('wt0')).toBe(UNMANAGED);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // time for NetworkManager to change its mind
      expect(await deviceState('wt0')).toBe(UNMANAGED);
      expect(await w.exec(['ip', '-o', 'address', 'show', 'dev', 'wt0'])).toContain('10.9.0.2/24');
    } finally {
      await handle.down();
    }
  });

  it("makes the tunnel's DNS what NetworkManager writes, across lease renewals, and puts its own back byte for byte", async () => {
    await tun('wt2');
    const before = resolvConf();
    expect(before).toContain('nameserver 192.168.77.1');
    const platform = createLinuxPlatform({
      runner: createCommandRunner({ prefix: w.prefix }),
      networkManager: { address: bus.address },
      dns: { method: 'networkmanager', networkManager: { address: bus.address, backupPath: join(dir, 'nm-dns.json') } },
    });
    const handle = await platform.tunnels.up(
      'wt2',
      tunnelConfig('Address = 10.9.2.2/24\nMTU = 1420\nDNS = 10.9.2.1, corp.example', 'AllowedIPs = 10.22.0.0/16'),
    );
    expect(handle.dnsMethod).toBe('networkmanager');
    const ours = await until(resolvConf, (text) => text.includes('nameserver 10.9.2.1'), "the tunnel's resolv.conf");
    expect(ours).toContain('search corp.example');
    expect(ours).not.toContain('192.168.77.1');

    const acks = renewals();
    await until(renewals, (count) => count >= acks + 2, 'two DHCP renewals', (RENEW_SECONDS * 2 + 6) * 1000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // NetworkManager writes after it has the new lease
    expect(resolvConf()).toBe(ours);

    await handle.down();
    await until(resolvConf, (text) => text === before, "NetworkManager's own resolv.conf back");
    expect(existsSync(join(dir, 'nm-dns.json'))).toBe(false);
  });
});
