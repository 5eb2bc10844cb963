// The platform layer for the OS this helper runs on. Each OS has its own folder behind the interfaces in
// types.ts; this is the one place that looks at process.platform.
import { createLinuxPlatform, type LinuxPlatformOptions } from './linux/index.js';
import { createCommandRunner } from './linux/run-command.js';
import { readRouteTableNames } from './linux/route-tables.js';
import { LinuxServiceManager } from './linux/service.js';
import type { Platform, ServiceManager } from './types.js';

export type PlatformOptions = LinuxPlatformOptions;

export function createPlatform(options: PlatformOptions = {}, platform: NodeJS.Platform = process.platform): Platform {
  switch (platform) {
    case 'linux':
      return createLinuxPlatform(options);
    default:
      throw new Error(`Warren has no platform layer for ${platform} yet`);
  }
}

/** The helper as a system service (`warren service`). */
export function createServiceManager(platform: NodeJS.Platform = process.platform): ServiceManager {
  switch (platform) {
    case 'linux':
      return new LinuxServiceManager({ runner: createCommandRunner() });
    default:
      throw new Error(`Warren cannot install its service on ${platform} yet`);
  }
}

/** The routing table names the system knows (a config's `Table = NAME` must be one of them for `up` to work). */
export function routeTableNames(platform: NodeJS.Platform = process.platform): Promise<string[]> {
  switch (platform) {
    case 'linux':
      return readRouteTableNames();
    default:
      throw new Error(`Warren cannot read the routing tables of ${platform} yet`);
  }
}

export type * from './types.js';
export { assertInterfaceName, isValidInterfaceName } from './interface-name.js';
