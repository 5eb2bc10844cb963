// A tunnel's options until someone sets them. The kill switch is on for a full tunnel with a single peer, as
// wireguard-windows decides it: such a config routes everything through one server, so a leak around it is what
// the user least expects. With several peers (a mesh, a split setup) nobody can guess, so it is off. On-demand is
// off until someone sets its rules.
import type { TunnelConfig } from '../../shared/config/index.js';
import { onDemandOff, type TunnelOptions } from '../../shared/ipc/control.js';

export function isFullTunnel(config: TunnelConfig): boolean {
  // Prefix 0 is the whole address family whatever address is written with it (0.0.0.0/0, ::/0).
  return config.peers.length === 1 && config.peers[0]!.allowedIps.some((p) => p.prefix === 0);
}

export function defaultTunnelOptions(config: TunnelConfig): TunnelOptions {
  return {
    autostart: false,
    blockUntunneled: isFullTunnel(config),
    allowBridges: false,
    allowScripts: false,
    excludePrivateIps: false,
    onDemand: onDemandOff(),
  };
}
