// Which of the four ways to set DNS this system takes, in order of preference:
//  1. systemd-resolved, when `resolvectl` is on the PATH and `resolvectl status` succeeds (it fails when resolved
//     is not running; /run/systemd/resolve alone could be left over from a resolved that has since stopped);
//  2. NetworkManager's global DNS, when NetworkManager answers on the system bus and writes /etc/resolv.conf
//     itself (dns-networkmanager.ts): a file of ours would be overwritten at its next DHCP renewal;
//  3. resolvconf(8), when it is on the PATH (Debian's, openresolv, or systemd's compatibility one);
//  4. writing /etc/resolv.conf ourselves, with a backup (resolv-conf-file.ts).
// Detection looks only at the runner's PATH and at the bus it is given, so a test that gives the runner a PATH of
// fake executables (and no NetworkManager) decides what is found; `method` skips detection altogether.
// A helper in a network namespace of its own (one helper per namespace) takes 4 whatever is installed: resolved,
// NetworkManager and resolvconf serve the host's namespace (resolved names links by index, which mean other links
// there, and resolvconf writes the host's /run), while `ip netns exec` shows the namespace
// /etc/netns/NAME/resolv.conf as /etc/resolv.conf. wg-quick run that way changes the host's DNS; Warren does not.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DnsConfigurator, DnsMethod } from '../types.js';
import {
  NetworkManagerDnsConfigurator,
  type NetworkManagerDnsOptions,
  writesResolvConf,
} from './dns-networkmanager.js';
import { ResolvconfDnsConfigurator, type ResolvconfOptions } from './dns-resolvconf.js';
import { systemBusAddress } from './system-bus.js';
import { NetworkManagerClient } from './network-manager.js';
import { ResolvectlDnsConfigurator } from './dns-resolvectl.js';
import { ResolvConfFileDnsConfigurator, type ResolvConfFileOptions } from './resolv-conf-file.js';
import type { CommandRunner } from './run-command.js';

export interface DnsChoiceOptions {
  /** 'auto' (the default) detects. */
  method?: DnsMethod | 'auto';
  resolvconf?: ResolvconfOptions;
  resolvConfFile?: ResolvConfFileOptions;
  /** NetworkManager's bus and the backup of its global DNS; false: never ask NetworkManager. By default the
   *  system bus, asked only from the host's network namespace. */
  networkManager?: Partial<NetworkManagerDnsOptions> | false;
  /** Whether this process shares the network namespace of PID 1 (the host's); a test may answer. */
  inInitialNetworkNamespace?: () => Promise<boolean>;
}

/** How long detection waits for NetworkManager before going on without it. */
const PROBE_TIMEOUT_MS = 2000;

/** Whether NetworkManager answers on the bus and writes /etc/resolv.conf itself. Never rejects. */
export async function networkManagerWritesResolvConf(address: string): Promise<boolean> {
  let client: NetworkManagerClient;
  try {
    client = await NetworkManagerClient.connect({ address, callTimeoutMs: PROBE_TIMEOUT_MS });
  } catch {
    return false;
  }
  try {
    return writesResolvConf(await client.dnsManager());
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/**
 * Whether the process (by default this one) is in the host's network namespace: PID 1's, when PID 1's can be
 * read; where it cannot (a container), any namespace that `ip netns add` named (bound under /run/netns) is one of
 * its own. Errs towards "the host's", which changes nothing from before this check.
 */
export async function inInitialNetworkNamespace(
  pid: number | 'self' = 'self',
  netnsDir = '/run/netns',
): Promise<boolean> {
  let own: { dev: number; ino: number };
  try {
    own = await stat(`/proc/${pid}/ns/net`);
  } catch {
    return true;
  }
  try {
    const init = await stat('/proc/1/ns/net');
    return init.dev === own.dev && init.ino === own.ino;
  } catch {
    // PID 1 hidden from us: look among the named namespaces instead.
  }
  let names: string[];
  try {
    names = await readdir(netnsDir);
  } catch {
    return true;
  }
  for (const name of names) {
    try {
      const named = await stat(join(netnsDir, name));
      if (named.dev === own.dev && named.ino === own.ino) return false;
    } catch {
      // gone meanwhile
    }
  }
  return true;
}

export async function detectDnsMethod(
  runner: CommandRunner,
  inInitialNamespace: () => Promise<boolean> = inInitialNetworkNamespace,
  networkManager: () => Promise<boolean> = () => networkManagerWritesResolvConf(systemBusAddress()),
): Promise<DnsMethod> {
  if (!(await inInitialNamespace())) return 'resolv.conf';
  if ((await runner.which('resolvectl')) !== null) {
    try {
      await runner.run(['resolvectl', 'status'], { timeoutMs: 5000 });
      return 'resolvectl';
    } catch {
      // resolvectl without a running resolved: fall through
    }
  }
  if (await networkManager()) return 'networkmanager';
  if ((await runner.which('resolvconf')) !== null) return 'resolvconf';
  return 'resolv.conf';
}

export async function chooseDnsConfigurator(
  runner: CommandRunner,
  options: DnsChoiceOptions = {},
): Promise<DnsConfigurator> {
  const nm = options.networkManager;
  const nmOptions: NetworkManagerDnsOptions = { ...(nm || {}), address: (nm || {}).address ?? systemBusAddress() };
  const method =
    options.method === undefined || options.method === 'auto'
      ? await detectDnsMethod(runner, options.inInitialNetworkNamespace, async () =>
          nm === false ? false : networkManagerWritesResolvConf(nmOptions.address),
        )
      : options.method;
  switch (method) {
    case 'networkmanager':
      return new NetworkManagerDnsConfigurator(nmOptions);
    case 'resolvectl':
      return new ResolvectlDnsConfigurator(runner);
    case 'resolvconf':
      return new ResolvconfDnsConfigurator(runner, options.resolvconf);
    case 'resolv.conf':
      return new ResolvConfFileDnsConfigurator(options.resolvConfFile);
  }
}
