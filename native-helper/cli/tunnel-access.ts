// Whether the caller may read a stored tunnel (its text, its key), from what `list` told it: so export, qr and
// edit say why in their own words before asking, and leave out what they may not read. The helper judges each
// request again (access-policy.ts); this only words the answer it would give.
import type { TunnelSummary } from '../../shared/ipc/control.js';
import { text } from './messages/index.js';

/** Why the caller cannot `verb` the tunnel NAME, or null when it can. */
export function readRefusal(tunnels: readonly TunnelSummary[], name: string, verb: string): string | null {
  const tunnel = tunnels.find((t) => t.name === name);
  if (tunnel === undefined) return text.access.notStored(name);
  if (tunnel.origin === 'file') return text.access.fromFile(name);
  if (!tunnel.canChange) return text.access.notOwner(name, tunnel.owner ?? 'root', verb);
  return null;
}
