// The Linux platform: iproute2 for addresses, routes and rules, nft for the full tunnel's filter and the kill
// switch, resolved or NetworkManager or resolvconf or /etc/resolv.conf for DNS, bash for hooks, all through one
// CommandRunner; NetworkManager on the system bus for which network this is, and told to leave our interfaces
// alone.
import type { NetworkIdentity, NetworkIdentityWatch, Platform } from '../types.js';
import { IprouteNetworkConfigurator } from './addresses-routes.js';
import { chooseDnsConfigurator, type DnsChoiceOptions, inInitialNetworkNamespace } from './dns.js';
import { restoreNetworkManagerDns } from './dns-networkmanager.js';
import { ResolvconfDnsConfigurator } from './dns-resolvconf.js';
import { NftFirewallConfigurator } from './firewall.js';
import { BashHookRunner } from './hooks.js';
import { killSwitchTableName, NftKillSwitch } from './kill-switch.js';
import { NetworkManagerClient, watchNetworkManager } from './network-manager.js';
import { startNetworkMonitor } from './network-monitor.js';
import { messageOf, systemBusAddress } from './system-bus.js';
import { LinuxTunnelRecovery } from './recovery.js';
import { restoreResolvConf } from './resolv-conf-file.js';
import { readRouteTableNames } from './route-tables.js';
import { createCommandRunner, type CommandRunner } from './run-command.js';
import { LinuxTunnelConfigurator } from './tunnel.js';

export interface LinuxPlatformOptions {
  /** How commands run; by default directly, with the helper's environment. */
  runner?: CommandRunner;
  dns?: DnsChoiceOptions;
  hookTimeoutMs?: number;
  /**
   * NetworkManager: which network this is, leaving Warren's interfaces alone, DNS where it writes resolv.conf.
   * By default on the system bus, and only from the host's network namespace, the one it serves; a bus address
   * given here (a test's private bus) is always used; false: never asked.
   */
  networkManager?: { address?: string; callTimeoutMs?: number; retryMs?: number } | false;
}

export function createLinuxPlatform(options: LinuxPlatformOptions = {}): Platform {
  const runner = options.runner ?? createCommandRunner();
  const nm = options.networkManager ?? {};
  /** The bus to ask NetworkManager on, or null when not to ask it here. */
  const nmAddress = async (): Promise<string | null> => {
    if (nm === false) return null;
    if (nm.address !== undefined) return nm.address;
    return (await inInitialNetworkNamespace()) ? systemBusAddress() : null;
  };
  const dnsOptions: DnsChoiceOptions = {
    ...options.dns,
    networkManager: options.dns?.networkManager ?? (nm === false ? false : { ...nm }),
  };
  const tunnels = new LinuxTunnelConfigurator({
    network: new IprouteNetworkConfigurator(runner),
    firewall: new NftFirewallConfigurator(runner),
    dns: () => chooseDnsConfigurator(runner, dnsOptions),
    hooks: new BashHookRunner(runner, options.hookTimeoutMs),
    leaveAlone: async (link) => {
      const address = await nmAddress();
      if (address === null) return null;
      let client: NetworkManagerClient;
      try {
        client = await NetworkManagerClient.connect({
          address,
          callTimeoutMs: nm === false ? undefined : nm.callTimeoutMs,
        });
      } catch {
        return null; // no NetworkManager: nobody to tell
      }
      try {
        return (await client.leaveAlone(link))
          ? null
          : `NetworkManager did not see ${link} in time to be told to leave it alone`;
      } catch (error) {
        return `NetworkManager could not be told to leave ${link} alone: ${messageOf(error)}`;
      } finally {
        client.close();
      }
    },
  });
  const recovery = new LinuxTunnelRecovery(runner);
  const killSwitch = new NftKillSwitch(runner);
  return {
    tunnels,
    killSwitch,
    watchNetwork: (onChange, watch = {}) => startNetworkMonitor(() => onChange(), watch),
    watchNetworkIdentity: (onChange, watch = {}) => watchIdentity(nmAddress, nm, onChange, watch.log),
    // resolved forgets a deleted link's DNS by itself; a resolvconf record outlives its interface.
    recoverTunnel: async (name, leftovers) => [
      ...(await recovery.recover(name, leftovers)),
      ...(leftovers.dnsMethod === 'resolvconf'
        ? await new ResolvconfDnsConfigurator(runner, options.dns?.resolvconf).removeLeftover(name)
        : []),
    ],
    // The backups of the resolv.conf and NetworkManager methods are not per tunnel: put back whatever a dead
    // helper left. NetworkManager is asked only when its backup is there.
    recoverDns: async () => {
      const file = await restoreResolvConf(options.dns?.resolvConfFile);
      const manager =
        dnsOptions.networkManager === false
          ? false
          : await restoreNetworkManagerDns({
              ...dnsOptions.networkManager,
              address: dnsOptions.networkManager?.address ?? systemBusAddress(),
            });
      return file || manager;
    },
    recoverKillSwitch: async (name) =>
      (await killSwitch.remove(name)) ? [`removed the kill switch (nft table inet ${killSwitchTableName(name)})`] : [],
    routeTableNames: () => readRouteTableNames(),
  };
}

/** NetworkManager's view of the network, or why there is none here. */
function watchIdentity(
  address: () => Promise<string | null>,
  nm: Exclude<LinuxPlatformOptions['networkManager'], undefined>,
  onChange: (identity: NetworkIdentity) => void,
  log?: (message: string) => void,
): NetworkIdentityWatch {
  let inner: NetworkIdentityWatch | null = null;
  let closed = false;
  let current: NetworkIdentity = { available: false, problem: 'not asked yet', primary: null, connectivity: 'unknown' };
  const ready = (async () => {
    const bus = await address();
    if (closed) return;
    if (bus === null) {
      current = {
        ...current,
        problem:
          nm === false
            ? 'this helper was told not to ask NetworkManager'
            : "NetworkManager serves the host's network namespace, not the one this helper runs in",
      };
      onChange(current);
      return;
    }
    inner = watchNetworkManager(onChange, { ...(nm === false ? {} : nm), address: bus, log });
    await inner.ready;
  })();
  return {
    ready,
    current: () => inner?.current() ?? current,
    checkConnectivity: async () => (inner === null ? 'unknown' : inner.checkConnectivity()),
    close: async () => {
      closed = true;
      await inner?.close();
    },
  };
}

export { createCommandRunner, CommandError, type CommandRunner } from './run-command.js';
export type { DnsChoiceOptions } from './dns.js';
