// Which of the three ways to set DNS this system takes, in order of preference:
//  1. systemd-resolved, when `resolvectl` is on the PATH and `resolvectl status` succeeds (it fails when resolved
//     is not running; /run/systemd/resolve alone could be left over from a resolved that has since stopped);
//  2. resolvconf(8), when it is on the PATH (Debian's, openresolv, or systemd's compatibility one);
//  3. writing /etc/resolv.conf ourselves, with a backup (resolv-conf-file.ts).
// Detection looks only at the runner's PATH, so a test that gives the runner a PATH of fake executables decides
// what is found; `method` skips detection altogether.
// A helper in a network namespace of its own (one helper per namespace) takes 3 whatever is installed: resolved
// and resolvconf serve the host's namespace (resolved names links by index, which mean other links there, and
// resolvconf writes the host's /run), while `ip netns exec` shows the namespace /etc/netns/NAME/resolv.conf as
// /etc/resolv.conf. wg-quick run that way changes the host's DNS; Warren does not.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DnsConfigurator, DnsMethod } from '../types.js';
import { ResolvconfDnsConfigurator, type ResolvconfOptions } from './dns-resolvconf.js';
import { ResolvectlDnsConfigurator } from './dns-resolvectl.js';
import { ResolvConfFileDnsConfigurator, type ResolvConfFileOptions } from './resolv-conf-file.js';
import type { CommandRunner } from './run-command.js';

export interface DnsChoiceOptions {
  /** 'auto' (the default) detects. */
  method?: DnsMethod | 'auto';
  resolvconf?: ResolvconfOptions;
  resolvConfFile?: ResolvConfFileOptions;
  /** Whether this process shares the network namespace of PID 1 (the host's); a test may answer. */
  inInitialNetworkNamespace?: () => Promise<boolean>;
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
  if ((await runner.which('resolvconf')) !== null) return 'resolvconf';
  return 'resolv.conf';
}

export async function chooseDnsConfigurator(
  runner: CommandRunner,
  options: DnsChoiceOptions = {},
): Promise<DnsConfigurator> {
  const method =
    options.method === undefined || options.method === 'auto'
      ? await detectDnsMethod(runner, options.inInitialNetworkNamespace)
      : options.method;
  switch (method) {
    case 'resolvectl':
      return new ResolvectlDnsConfigurator(runner);
    case 'resolvconf':
      return new ResolvconfDnsConfigurator(runner, options.resolvconf);
    case 'resolv.conf':
      return new ResolvConfFileDnsConfigurator(options.resolvConfFile);
  }
}
