// resolvectl and resolvconf are driven through fake executables on a PATH the test controls: their daemons do not
// run in CI, and the real ones would change the host's DNS. Each fake appends its argv (and stdin, for
// `resolvconf -a`) to a log, and fails with a message on stderr when its first argument is $FAKE_FAIL.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { canCreateNamespaces, createNamespace, IP } from '../../../test/netns/namespace.js';
import { chooseDnsConfigurator, detectDnsMethod, inInitialNetworkNamespace } from './dns.js';
import { recordPrefixFrom, resolvconfInput } from './dns-resolvconf.js';
import { createCommandRunner } from './run-command.js';
import { createLinuxPlatform } from './index.js';

let dir: string;
let bin: string;
let log: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warren-dns-'));
  bin = join(dir, 'bin');
  log = join(dir, 'log');
  await writeFile(log, '');
  await mkdir(bin);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function fake(name: string, options: { statusFails?: boolean } = {}): Promise<void> {
  const script = [
    '#!/bin/sh',
    `echo "${name} $*" >> '${log}'`,
    options.statusFails
      ? `[ "$1" = status ] && { echo "Failed to get global data: Unit dbus-org.freedesktop.resolve1.service not found." >&2; exit 1; }`
      : '',
    `[ -n "$FAKE_FAIL" ] && [ "$1" = "$FAKE_FAIL" ] && { echo "fake ${name} refuses $1" >&2; exit 1; }`,
    // Builtins only: the PATH holds nothing but the fakes.
    `[ "$1" = -a ] && while IFS= read -r line; do echo "  stdin: $line"; done >> '${log}'`,
    'exit 0',
    '',
  ].join('\n');
  await writeFile(join(bin, name), script, { mode: 0o755 });
}

const runner = (env: NodeJS.ProcessEnv = {}) => createCommandRunner({ env: { PATH: bin, ...env } });
const logged = async () => (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
const settings = { servers: ['10.0.0.1', 'fd00::1'], search: ['example.com', 'corp'] };
/** NetworkManager is not asked here (the machine's could answer): dns-networkmanager.test.ts asks a stand-in. */
const noNetworkManager = async () => false;

describe('detectDnsMethod', () => {
  it('takes the resolv.conf file in a network namespace of its own, whatever serves the host', async () => {
    await fake('resolvectl');
    await fake('resolvconf');
    expect(await detectDnsMethod(runner(), async () => false, noNetworkManager)).toBe('resolv.conf');
    expect(await logged()).toEqual([]);
    expect(await detectDnsMethod(runner(), async () => true, noNetworkManager)).toBe('resolvectl');
  });

  it('knows the host namespace from a namespace of its own', async () => {
    expect(await inInitialNetworkNamespace()).toBe(true);
  });

  it.skipIf(!canCreateNamespaces)('tells a process in a namespace of its own from the host', async () => {
    const ns = await createNamespace();
    const child = spawn(IP, ['netns', 'exec', ns.name, 'sleep', '30'], { stdio: 'ignore' });
    try {
      // `ip netns exec` enters the namespace, then execs sleep under the same pid.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await inInitialNetworkNamespace(child.pid!)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await ns.remove();
    }
  });

  it('takes resolvectl when resolved answers', async () => {
    await fake('resolvectl');
    await fake('resolvconf');
    expect(await detectDnsMethod(runner(), inInitialNetworkNamespace, noNetworkManager)).toBe('resolvectl');
    expect(await logged()).toEqual(['resolvectl status']);
  });

  it('takes resolvconf when resolved does not run', async () => {
    await fake('resolvectl', { statusFails: true });
    await fake('resolvconf');
    expect(await detectDnsMethod(runner(), inInitialNetworkNamespace, noNetworkManager)).toBe('resolvconf');
  });

  it('writes resolv.conf itself when neither is there', async () => {
    expect(await detectDnsMethod(runner(), inInitialNetworkNamespace, noNetworkManager)).toBe('resolv.conf');
    await fake('resolvectl', { statusFails: true });
    expect(await detectDnsMethod(runner(), inInitialNetworkNamespace, noNetworkManager)).toBe('resolv.conf');
  });

  it('can be told the method, and then detects nothing', async () => {
    await fake('resolvectl');
    const dns = await chooseDnsConfigurator(runner(), { method: 'resolvconf' });
    expect(dns.method).toBe('resolvconf');
    expect(await logged()).toEqual([]);
  });
});

describe('resolvectl', () => {
  it('sets servers, the ~. routing domain with the search domains, and default-route; reverts on undo', async () => {
    await fake('resolvectl');
    const dns = await chooseDnsConfigurator(runner(), { networkManager: false });
    expect(dns.method).toBe('resolvectl');
    const undo = await dns.apply('wt0', settings);
    expect(await logged()).toEqual([
      'resolvectl status',
      'resolvectl dns -- wt0 10.0.0.1 fd00::1',
      'resolvectl domain -- wt0 ~. example.com corp',
      'resolvectl default-route -- wt0 yes',
    ]);
    await undo();
    expect((await logged()).at(-1)).toBe('resolvectl revert -- wt0');
  });

  it('reverts what it set when a step fails, and reports the step with its stderr', async () => {
    await fake('resolvectl');
    const dns = await chooseDnsConfigurator(runner({ FAKE_FAIL: 'domain' }), { method: 'resolvectl' });
    await expect(dns.apply('wt0', settings)).rejects.toThrow(
      '`resolvectl domain -- wt0 ~. example.com corp` failed with exit code 1: fake resolvectl refuses domain',
    );
    expect(await logged()).toEqual([
      'resolvectl dns -- wt0 10.0.0.1 fd00::1',
      'resolvectl domain -- wt0 ~. example.com corp',
      'resolvectl revert -- wt0',
    ]);
  });
});

describe('a name that could be read as an option', () => {
  it('never reaches resolvectl or resolvconf', async () => {
    await fake('resolvectl');
    await fake('resolvconf');
    for (const method of ['resolvectl', 'resolvconf'] as const) {
      const dns = await chooseDnsConfigurator(runner(), {
        networkManager: false,
        method,
        resolvconf: { interfaceOrderPath: join(dir, 'none') },
      });
      await expect(dns.apply('-fwmark', settings)).rejects.toThrow('invalid interface name "-fwmark"');
    }
    expect(await logged()).toEqual([]);
  });
});

describe('resolvconf', () => {
  it("hands wg-quick's lines to `resolvconf -a IF -m 0 -x` and deletes the record with -d -f", async () => {
    await fake('resolvconf');
    const dns = await chooseDnsConfigurator(runner(), {
      networkManager: false,
      resolvconf: { interfaceOrderPath: join(dir, 'none') },
    });
    expect(dns.method).toBe('resolvconf');
    const undo = await dns.apply('wt0', settings);
    expect(await logged()).toEqual([
      'resolvconf -a wt0 -m 0 -x',
      '  stdin: nameserver 10.0.0.1',
      '  stdin: nameserver fd00::1',
      '  stdin: search example.com corp',
    ]);
    await undo();
    expect((await logged()).at(-1)).toBe('resolvconf -d wt0 -f');
  });

  it("prefixes the record as wg-quick does for Debian's resolvconf (tun.IF), not for a symlinked one", async () => {
    const order = join(dir, 'interface-order');
    // Debian's stock file.
    await writeFile(
      order,
      'lo.inet6\nlo.inet\nlo.@(dnsmasq|pdnsd)\nlo.!(pdns|pdns-recursor)\nlo\ntun*\ntap*\nhso*\nem+([0-9])?(_+([0-9]))*\n',
    );
    await fake('resolvconf');
    const debian = await chooseDnsConfigurator(runner(), {
      networkManager: false,
      method: 'resolvconf',
      resolvconf: { interfaceOrderPath: order },
    });
    await (
      await debian.apply('wt0', { servers: ['10.0.0.1'], search: [] })
    )();
    expect(await logged()).toEqual([
      'resolvconf -a tun.wt0 -m 0 -x',
      '  stdin: nameserver 10.0.0.1',
      'resolvconf -d tun.wt0 -f',
    ]);

    await rm(join(bin, 'resolvconf'));
    await fake('resolvectl');
    await symlink('resolvectl', join(bin, 'resolvconf'));
    await writeFile(log, '');
    const shim = await chooseDnsConfigurator(runner(), {
      networkManager: false,
      method: 'resolvconf',
      resolvconf: { interfaceOrderPath: order },
    });
    await shim.apply('wt0', { servers: ['10.0.0.1'], search: [] });
    expect((await logged())[0]).toBe('resolvectl -a wt0 -m 0 -x');
  });

  it('deletes the record a crashed tunnel left, only for a tunnel that used resolvconf', async () => {
    await fake('resolvconf');
    const platform = createLinuxPlatform({
      runner: runner(),
      dns: { resolvconf: { interfaceOrderPath: join(dir, 'none') } },
    });
    expect(await platform.recoverTunnel('wt0', { fwmark: null, dnsMethod: 'resolvectl' })).toEqual([]);
    expect(await logged()).toEqual([]);
    expect(await platform.recoverTunnel('wt0', { fwmark: null, dnsMethod: 'resolvconf' })).toEqual([
      'deleted the resolvconf record wt0',
    ]);
    expect(await logged()).toEqual(['resolvconf -d wt0 -f']);
  });

  it('reports a failure with the stderr', async () => {
    await fake('resolvconf');
    const dns = await chooseDnsConfigurator(runner({ FAKE_FAIL: '-a' }), { method: 'resolvconf' });
    await expect(dns.apply('wt0', settings)).rejects.toThrow(
      /^`resolvconf -a (tun\.)?wt0 -m 0 -x` failed with exit code 1: fake resolvconf refuses -a$/,
    );
  });

  it('builds the input and the prefix as wg-quick', () => {
    expect(resolvconfInput({ servers: ['1.1.1.1'], search: [] })).toBe('nameserver 1.1.1.1\n');
    expect(recordPrefixFrom('lo\n  tun*  \ntap*\n')).toBe('tun.');
    expect(recordPrefixFrom('lo.inet*\nlo\n')).toBe('');
  });
});
