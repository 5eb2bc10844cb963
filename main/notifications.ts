// What to notify, from one state of the tunnels to the next: connected, disconnected, failed, each as the
// preferences allow. Pure; index.ts shows them with Electron's Notification.
import type { Preferences, TunnelView } from '../shared/bridge/types.js';

export interface Notice {
  title: string;
  body: string;
}

export function noticesFor(
  before: readonly TunnelView[] | null,
  after: readonly TunnelView[],
  prefs: Preferences,
): Notice[] {
  // The first picture (start-up, reconnection to the helper) is not news.
  if (before === null) return [];
  const previous = new Map(before.map((t) => [t.name, t.phase]));
  const notices: Notice[] = [];
  for (const tunnel of after) {
    const was = previous.get(tunnel.name);
    if (was === undefined || was === tunnel.phase) continue;
    if (tunnel.phase === 'on' && (was === 'off' || was === 'connecting' || was === 'error') && prefs.notifyOnConnect) {
      notices.push({ title: `Connected: ${tunnel.name}`, body: `${tunnel.name} is on.` });
    } else if (tunnel.phase === 'off' && was !== 'error' && prefs.notifyOnDisconnect) {
      notices.push({ title: `Disconnected: ${tunnel.name}`, body: `${tunnel.name} is off.` });
    } else if (tunnel.phase === 'error' && prefs.notifyOnFailure) {
      notices.push({ title: `Failed: ${tunnel.name}`, body: tunnel.error ?? `${tunnel.name} stopped working.` });
    }
  }
  return notices;
}
