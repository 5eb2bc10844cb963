// The one boundary where the helper's tunnel summaries become what the UI shows (shared/bridge/types.ts),
// with main's own knowledge laid over them: the wake from suspend (power-sync.ts). Who owns a tunnel and whether
// this user may change it are the helper's answers (native-helper/daemon/access-policy.ts), passed on as they are.
import type { TunnelState, TunnelSummary } from '../shared/ipc/control.js';
import type { TunnelPhase, TunnelView } from '../shared/bridge/types.js';

const PHASES: Record<TunnelState, TunnelPhase> = {
  down: 'off',
  connecting: 'connecting',
  up: 'on',
  reconnecting: 'reconnecting',
  error: 'error',
};

/** Main's view of a running tunnel that overrides the helper's: reconnecting after a wake, or failed to. */
export interface WakeOverlay {
  phase: 'reconnecting' | 'error';
  error?: string;
}

export function tunnelViews(
  summaries: readonly TunnelSummary[],
  overlay: ReadonlyMap<string, WakeOverlay> = new Map(),
): TunnelView[] {
  return summaries.map((summary) => {
    let phase = PHASES[summary.state];
    let error = summary.error;
    const wake = overlay.get(summary.name);
    if (wake && (phase === 'on' || phase === 'reconnecting')) {
      phase = wake.phase;
      error = wake.error;
    }
    return {
      name: summary.name,
      phase,
      stored: summary.origin === 'store',
      ...(phase === 'error' && error ? { error } : {}),
      ...(summary.owner === undefined ? {} : { owner: summary.owner }),
      canChange: summary.canChange,
      ...(summary.onDemand
        ? { onDemand: { reason: summary.onDemand.reason, overridden: summary.onDemand.overridden } }
        : {}),
    };
  });
}
