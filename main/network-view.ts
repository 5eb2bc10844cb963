// The one boundary where the helper's network status (shared/ipc/control.ts) becomes what the window shows: the
// primary connection, and whether to offer "Sign in to this network". That offer needs both a network wanting a
// sign-in (a captive portal, or NetworkManager's check limited, which a kill switch causes too) and a running
// tunnel that blocks untunneled traffic (without one the portal's page is reachable anyway, and the helper refuses
// the hole as not-blocking).
import type { NetworkStatus, TunnelSummary } from '../shared/ipc/control.js';
import type { NetworkView } from '../shared/bridge/types.js';

export function networkView(status: NetworkStatus, summaries: readonly TunnelSummary[]): NetworkView {
  const blocking = summaries.some((t) => t.state !== 'down' && t.state !== 'error' && t.options.blockUntunneled);
  const wantsSignIn = status.portal || status.connectivity === 'portal' || status.connectivity === 'limited';
  return {
    networkManager: status.networkManager,
    ...(status.unavailable === undefined ? {} : { unavailable: status.unavailable }),
    primary: status.primary && { kind: status.primary.kind, name: status.primary.name, ssid: status.primary.ssid },
    signInNeeded: status.networkManager && status.primary !== null && wantsSignIn && blocking,
    portalHole: status.portalHole && { until: status.portalHole.until, openedBy: status.portalHole.openedBy },
  };
}
