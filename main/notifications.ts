/*
 * What to notify, from one state of the tunnels to the next: connected, disconnected, failed (with why), as the
 * preferences allow ('all', 'failures' only, 'off'); and the helper gone while tunnels ran. A notice about one
 * tunnel names it, so the notification's Show opens that tunnel's detail view. Pure; index.ts shows them with
 * Electron's Notification, the words are main/strings.ts's.
 */
import type { ConnectionState, NotificationLevel, TunnelView } from '../shared/bridge/types.js';
import { strings } from './strings.js';

export interface Notice {
  title: string;
  body: string;
  /** The tunnel it is about: Show opens its detail view. Absent: Show opens the window. */
  tunnel?: string;
  /** A failure: shown as urgent, and under the 'failures' preference too. */
  failure?: boolean;
}

export function noticesFor(
  before: readonly TunnelView[] | null,
  after: readonly TunnelView[],
  level: NotificationLevel,
): Notice[] {
  // The first picture (start-up, reconnection to the helper) is not news.
  if (before === null || level === 'off') return [];
  const previous = new Map(before.map((t) => [t.name, t.phase]));
  const notices: Notice[] = [];
  for (const tunnel of after) {
    const was = previous.get(tunnel.name);
    if (was === undefined || was === tunnel.phase) continue;
    const name = tunnel.name;
    if (tunnel.phase === 'error') {
      notices.push({ ...strings.notice.failed(name, tunnel.error), tunnel: name, failure: true });
    } else if (level !== 'all') {
      continue;
    } else if (tunnel.phase === 'on' && (was === 'off' || was === 'connecting' || was === 'error')) {
      notices.push({ ...strings.notice.connected(name), tunnel: name });
    } else if (tunnel.phase === 'off' && was !== 'error') {
      notices.push({ ...strings.notice.disconnected(name), tunnel: name });
    }
  }
  return notices;
}

/**
 * The helper went away (stopped, crashed, refuses this user) while these tunnels were running: they are down
 * with it. Null when nothing is to be said (no tunnel was running, or notifications are off).
 */
export function helperGoneNotice(
  connection: ConnectionState,
  running: readonly string[],
  level: NotificationLevel,
): Notice | null {
  if (level === 'off' || running.length === 0) return null;
  const why =
    connection.kind === 'helper-missing'
      ? `${connection.message} ${connection.hint}`
      : connection.kind === 'not-allowed' || connection.kind === 'error'
        ? connection.message
        : null;
  if (why === null) return null;
  return { ...strings.notice.helperGone(running, why), failure: true };
}
