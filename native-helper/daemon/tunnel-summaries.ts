// What `list` and the `tunnels` event say of every tunnel, as one caller may see it: the stored ones (down unless
// running) with their owner, whether this caller may change them and what on-demand makes of them, then those up
// from files.
import type { OnDemandStatus, TunnelSummary } from '../../shared/ipc/control.js';
import type { TunnelStore } from '../store/index.js';
import { mayChange } from './access-policy.js';
import type { Caller } from './authorization.js';
import type { RunningTunnels } from './running-tunnels.js';

export function tunnelSummaries(
  store: TunnelStore | null,
  tunnels: RunningTunnels,
  caller: Caller,
  userName: (uid: number) => string,
  onDemand?: (name: string) => OnDemandStatus | undefined,
): TunnelSummary[] {
  const result: TunnelSummary[] = [];
  for (const stored of store?.list() ?? []) {
    const entry = tunnels.get(stored.name);
    const state = entry?.origin === 'store' ? entry.state : 'down';
    const demand = onDemand?.(stored.name);
    result.push({
      name: stored.name,
      state,
      origin: 'store',
      options: stored.options,
      ...(entry?.error ? { error: entry.error } : {}),
      owner: userName(stored.owner),
      canChange: mayChange(caller, stored),
      ...(demand === undefined ? {} : { onDemand: demand }),
    });
  }
  for (const entry of tunnels.all()) {
    if (entry.origin !== 'file') continue;
    result.push({
      name: entry.name,
      state: entry.state,
      origin: 'file',
      options: entry.options,
      ...(entry.error ? { error: entry.error } : {}),
      // Nothing of a file's tunnel is stored, so there is nothing to change but its switch.
      canChange: false,
    });
  }
  return result;
}
