// Which of the three ways to set DNS this system takes, in order of preference:
//  1. systemd-resolved, when `resolvectl` is on the PATH and `resolvectl status` succeeds (it fails when resolved
//     is not running; /run/systemd/resolve alone could be left over from a resolved that has since stopped);
//  2. resolvconf(8), when it is on the PATH (Debian's, openresolv, or systemd's compatibility one);
//  3. writing /etc/resolv.conf ourselves, with a backup (resolv-conf-file.ts).
// Detection looks only at the runner's PATH, so a test that gives the runner a PATH of fake executables decides
// what is found; `method` skips detection altogether.
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
}

export async function detectDnsMethod(runner: CommandRunner): Promise<DnsMethod> {
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

export async function chooseDnsConfigurator(runner: CommandRunner, options: DnsChoiceOptions = {}): Promise<DnsConfigurator> {
  const method = options.method === undefined || options.method === 'auto' ? await detectDnsMethod(runner) : options.method;
  switch (method) {
    case 'resolvectl':
      return new ResolvectlDnsConfigurator(runner);
    case 'resolvconf':
      return new ResolvconfDnsConfigurator(runner, options.resolvconf);
    case 'resolv.conf':
      return new ResolvConfFileDnsConfigurator(options.resolvConfFile);
  }
}
