// The service's TunnelIo: TUN devices, UDP sockets and the boot-time clock of the warren_io addon, interfaces as
// Linux lists them.
// Nothing loads the addon until a tunnel opens one.
import { existsSync } from 'node:fs';
import { createBind } from './addon-bind.js';
import { bootTime } from './boot-clock.js';
import { openTun } from './addon-tun.js';
import type { TunnelIo } from './tunnel-io.js';

export const addonIo: TunnelIo = {
  openTun: ({ name, mtu }) => openTun({ name, mtu }),
  openBind: () => createBind(),
  interfaceExists: (name) => existsSync(`/sys/class/net/${name}`),
  clock: bootTime,
};
