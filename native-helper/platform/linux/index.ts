// The Linux platform: iproute2 for addresses, routes and rules, nft for the full tunnel's filter and the kill
// switch, resolved or resolvconf or /etc/resolv.conf for DNS, bash for hooks, all through one CommandRunner.
import type { Platform } from '../types.js';
import { IprouteNetworkConfigurator } from './addresses-routes.js';
import { chooseDnsConfigurator, type DnsChoiceOptions } from './dns.js';
import { ResolvconfDnsConfigurator } from './dns-resolvconf.js';
import { NftFirewallConfigurator } from './firewall.js';
import { BashHookRunner } from './hooks.js';
import { killSwitchTableName, NftKillSwitch } from './kill-switch.js';
import { startNetworkMonitor } from './network-monitor.js';
import { LinuxTunnelRecovery } from './recovery.js';
import { restoreResolvConf } from './resolv-conf-file.js';
import { createCommandRunner, type CommandRunner } from './run-command.js';
import { LinuxTunnelConfigurator } from './tunnel.js';

export interface LinuxPlatformOptions {
  /** How commands run; by default directly, with the helper's environment. */
  runner?: CommandRunner;
  dns?: DnsChoiceOptions;
  hookTimeoutMs?: number;
}

export function createLinuxPlatform(options: LinuxPlatformOptions = {}): Platform {
  const runner = options.runner ?? createCommandRunner();
  const tunnels = new LinuxTunnelConfigurator({
    network: new IprouteNetworkConfigurator(runner),
    firewall: new NftFirewallConfigurator(runner),
    dns: () => chooseDnsConfigurator(runner, options.dns),
    hooks: new BashHookRunner(runner, options.hookTimeoutMs),
  });
  const recovery = new LinuxTunnelRecovery(runner);
  const killSwitch = new NftKillSwitch(runner);
  return {
    tunnels,
    killSwitch,
    watchNetwork: (onChange, watch = {}) => startNetworkMonitor(() => onChange(), watch),
    // resolved forgets a deleted link's DNS by itself; a resolvconf record outlives its interface.
    recoverTunnel: async (name, leftovers) => [
      ...(await recovery.recover(name, leftovers)),
      ...(leftovers.dnsMethod === 'resolvconf'
        ? await new ResolvconfDnsConfigurator(runner, options.dns?.resolvconf).removeLeftover(name)
        : []),
    ],
    // The resolv.conf method's backup is not per tunnel: put back whatever a dead helper left in the file.
    recoverDns: () => restoreResolvConf(options.dns?.resolvConfFile),
    recoverKillSwitch: async (name) =>
      (await killSwitch.remove(name)) ? [`removed the kill switch (nft table inet ${killSwitchTableName(name)})`] : [],
  };
}

export { createCommandRunner, CommandError, type CommandRunner } from './run-command.js';
export type { DnsChoiceOptions } from './dns.js';
