// DNS through NetworkManager's global DNS, against a stand-in NetworkManager on a private dbus-daemon: set for the
// tunnel, what was there before put back exactly on down or after a crash, someone else's later change left alone,
// one tunnel at a time, and a refusal said clearly. That NetworkManager then writes it into resolv.conf, across a
// DHCP renewal, is test/netns/network-manager-real's, with the real one.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseDnsConfigurator } from './dns.js';
import {
  NetworkManagerDnsConfigurator,
  restoreNetworkManagerDns,
  sameDns,
  writesResolvConf,
} from './dns-networkmanager.js';
import { createLinuxPlatform } from './index.js';
import { NetworkManagerClient } from './network-manager.js';
import { createCommandRunner } from './run-command.js';
import { type PrivateBus, hasDbusDaemon, startPrivateBus } from './testing/fake-logind.js';
import { FakeNetworkManager } from './testing/fake-network-manager.js';

const settings = { servers: ['10.64.0.1', 'fd00::53'], search: ['corp.example'] };
const OURS = { searches: ['corp.example'], domains: { '*': { servers: ['10.64.0.1', 'fd00::53'] } } };

describe('which NetworkManager writes resolv.conf itself', () => {
  it('is one whose rc-manager is file or symlink, with its own DNS plugin, not resolved', () => {
    expect(writesResolvConf({ mode: 'default', rcManager: 'file' })).toBe(true);
    expect(writesResolvConf({ mode: 'dnsmasq', rcManager: 'symlink' })).toBe(true);
    expect(writesResolvConf({ mode: 'systemd-resolved', rcManager: 'symlink' })).toBe(false);
    expect(writesResolvConf({ mode: 'default', rcManager: 'resolvconf' })).toBe(false);
    expect(writesResolvConf({ mode: 'none', rcManager: 'file' })).toBe(false);
    expect(writesResolvConf({ mode: 'default', rcManager: 'unmanaged' })).toBe(false);
  });

  it('compares global DNS as NetworkManager means it', () => {
    expect(sameDns({}, { searches: [], domains: {} })).toBe(true);
    expect(sameDns(OURS, { ...OURS, options: [] })).toBe(true);
    expect(sameDns(OURS, { ...OURS, searches: ['other.example'] })).toBe(false);
  });
});

describe.skipIf(!hasDbusDaemon)("NetworkManager's global DNS on a private bus", () => {
  let bus: PrivateBus;
  let nm: FakeNetworkManager;
  let dir: string;
  let backupPath: string;

  beforeEach(async () => {
    bus = await startPrivateBus();
    nm = await FakeNetworkManager.start(bus.address);
    dir = await mkdtemp(join(tmpdir(), 'warren-nmdns-'));
    backupPath = join(dir, 'state', 'networkmanager-dns.backup.json');
  });
  afterEach(async () => {
    await nm.stop();
    await bus.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const dns = () => new NetworkManagerDnsConfigurator({ address: bus.address, backupPath });
  const setGlobal = async (value: object) => {
    const client = await NetworkManagerClient.connect({ address: bus.address });
    await client.setGlobalDns(value);
    client.close();
  };

  it("sets the tunnel's servers for every name, and puts back exactly what was there", async () => {
    const before = {
      searches: ['home.arpa'],
      options: ['rotate'],
      domains: { 'lab.example': { servers: ['192.168.9.9'] } },
    };
    await setGlobal(before);
    const undo = await dns().apply('wt0', settings);
    expect(nm.globalDns).toEqual(OURS);
    expect(JSON.parse(await readFile(backupPath, 'utf8'))).toMatchObject({
      interface: 'wt0',
      previous: before,
      written: OURS,
    });
    await undo();
    expect(nm.globalDns).toEqual(before);
    await expect(readFile(backupPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a second tunnel while one holds it, and leaves a later change by someone else alone', async () => {
    const undo = await dns().apply('wt0', settings);
    await expect(dns().apply('wt1', settings)).rejects.toThrow(/already holds the DNS of the tunnel wt0/);
    const theirs = { domains: { '*': { servers: ['9.9.9.9'] } } };
    await setGlobal(theirs);
    await undo();
    expect(nm.globalDns).toEqual(theirs);
    await expect(readFile(backupPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('says why when NetworkManager will not take it, and leaves no backup', async () => {
    nm.globalDnsFromConfig = true;
    await expect(dns().apply('wt0', settings)).rejects.toThrow(
      /NetworkManager did not take the tunnel's DNS as its global DNS .*configured in NetworkManager\.conf/,
    );
    await expect(readFile(backupPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('after a crash, recovery puts it back from the backup (through the platform), once', async () => {
    await dns().apply('wt0', settings); // and the helper dies: no undo
    const platform = createLinuxPlatform({
      runner: createCommandRunner({ env: { PATH: dir } }),
      dns: {
        resolvConfFile: { path: join(dir, 'resolv.conf'), backupPath: join(dir, 'resolv.backup') },
        networkManager: { address: bus.address, backupPath },
      },
    });
    expect(await platform.recoverDns()).toBe(true);
    expect(nm.globalDns).toEqual({});
    expect(await platform.recoverDns()).toBe(false); // nothing left to put back
    expect(await restoreNetworkManagerDns({ address: bus.address, backupPath })).toBe(false);
  });

  it('is chosen where NetworkManager writes resolv.conf and resolved does not run, and not otherwise', async () => {
    const runner = createCommandRunner({ env: { PATH: dir } }); // no resolvectl, no resolvconf
    const choose = () =>
      chooseDnsConfigurator(runner, {
        networkManager: { address: bus.address, backupPath },
        inInitialNetworkNamespace: async () => true,
      });
    expect((await choose()).method).toBe('networkmanager');
    nm.setDnsManager('systemd-resolved', 'symlink');
    expect((await choose()).method).toBe('resolv.conf');
    await writeFile(join(dir, 'resolvconf'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    nm.setDnsManager('default', 'resolvconf');
    expect((await choose()).method).toBe('resolvconf');
    // Never from a namespace of its own: that NetworkManager serves the host.
    nm.setDnsManager('default', 'file');
    const own = await chooseDnsConfigurator(runner, {
      networkManager: { address: bus.address, backupPath },
      inInitialNetworkNamespace: async () => false,
    });
    expect(own.method).toBe('resolv.conf');
  });
});
