// `warren status`: one screen about this namespace's Warren: the helper, then a line per tunnel with its state,
// and for one that is up its peers' handshake and transfer and a hint when one seems not to work; stored tunnels
// say which settings are on. Three requests (version, list, show), read together.
import type { TunnelStatus, TunnelSummary } from '../../../shared/ipc/control.js';
import { type Command, UsageError } from '../command.js';
import { ago, bytes } from '../format-show.js';
import { text } from '../messages/index.js';
import { notRunning, withHelper } from '../with-helper.js';

/** Tunnel lines on one screen (24 lines: the helper's line, these, a "more" line and the prompt). */
const MAX_TUNNELS = 20;

export function formatStatus(
  version: string,
  tunnels: readonly TunnelSummary[],
  running: readonly TunnelStatus[],
  nowMs: number,
): string {
  const t = text.status;
  const up = tunnels.filter((tunnel) => tunnel.state === 'up').length;
  const lines = [t.helper(version, tunnels.length, up)];
  if (tunnels.length === 0) lines.push(t.noTunnels);
  const shown = tunnels.slice(0, MAX_TUNNELS);
  const nameWidth = Math.max(0, ...shown.map((tunnel) => tunnel.name.length));
  const stateWidth = Math.max(0, ...shown.map((tunnel) => text.tunnelStates[tunnel.state].length));
  for (const tunnel of shown) {
    const details = [
      ...runningDetails(
        running.find((r) => r.name === tunnel.name),
        nowMs,
      ),
      ...(tunnel.error ? [tunnel.error] : []),
      ...(tunnel.origin === 'file' ? [t.fromFile] : settingsOn(tunnel)),
    ];
    const head = `  ${tunnel.name.padEnd(nameWidth)}  ${text.tunnelStates[tunnel.state].padEnd(stateWidth)}`;
    lines.push(`${head}  ${details.join('; ')}`.trimEnd());
  }
  if (tunnels.length > shown.length) lines.push(`  ${t.more(tunnels.length - shown.length)}`);
  return lines.join('\n') + '\n';
}

function runningDetails(status: TunnelStatus | undefined, nowMs: number): string[] {
  if (status === undefined) return [];
  const t = text.status;
  const latest = Math.max(0, ...status.peers.map((peer) => peer.latestHandshake));
  const received = status.peers.reduce((sum, peer) => sum + peer.rxBytes, 0);
  const sent = status.peers.reduce((sum, peer) => sum + peer.txBytes, 0);
  const hints = status.peers.flatMap((peer) => (peer.diagnosis ? [t.hint(peer.diagnosis.summary)] : []));
  return [
    [t.peers(status.peers.length), latest > 0 ? t.handshake(ago(nowMs - latest)) : t.noHandshake].join(', '),
    ...(received || sent ? [t.transfer(bytes(received), bytes(sent))] : []),
    ...hints.slice(0, 1),
  ];
}

function settingsOn(tunnel: TunnelSummary): string[] {
  const names = text.status.settings;
  return (Object.keys(names) as (keyof typeof names)[]).filter((key) => tunnel.options[key]).map((key) => names[key]);
}

export const status: Command = {
  name: 'status',
  summary: text.status.summary,
  help: text.status.help,
  syntax: {},
  async run(args, io) {
    if (args.length > 0) throw new UsageError(text.general.unexpectedArgument(args[0]!));
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const [version, tunnels, running] = await Promise.all([
          client.call('version', {}),
          client.call('list', {}),
          client.call('show', {}),
        ]);
        io.stdout(formatStatus(version.version, tunnels, running, Date.now()));
      },
    );
  },
};
