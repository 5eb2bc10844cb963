// The platform layer for the OS this helper runs on. Each OS has its own folder behind the interfaces in
// types.ts; this is the one place that looks at process.platform.
import { createLinuxPlatform, type LinuxPlatformOptions } from './linux/index.js';
import type { Platform } from './types.js';

export type PlatformOptions = LinuxPlatformOptions;

export function createPlatform(options: PlatformOptions = {}, platform: NodeJS.Platform = process.platform): Platform {
  switch (platform) {
    case 'linux':
      return createLinuxPlatform(options);
    default:
      throw new Error(`Warren has no platform layer for ${platform} yet`);
  }
}

export type * from './types.js';
export { assertInterfaceName, isValidInterfaceName } from './interface-name.js';
