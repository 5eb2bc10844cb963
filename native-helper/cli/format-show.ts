// `warren show` prints what `wg show` prints, from the helper's status, so people read it as they always have.
import type { TunnelStatus } from '../../shared/ipc/control.js';

export function formatShow(tunnels: readonly TunnelStatus[], nowMs: number): string {
  return tunnels.map((t) => formatTunnel(t, nowMs)).join('\n');
}

function formatTunnel(tunnel: TunnelStatus, nowMs: number): string {
  const lines = [`interface: ${tunnel.name}`];
  if (tunnel.publicKey) lines.push(`  public key: ${tunnel.publicKey}`, '  private key: (hidden)');
  if (tunnel.listenPort) lines.push(`  listening port: ${tunnel.listenPort}`);
  if (tunnel.fwmark) lines.push(`  fwmark: 0x${tunnel.fwmark.toString(16)}`);
  // The device's total: it also counts what no peer can be blamed for (a flood of garbage, unknown indices).
  const deviceDrops = formatDrops(tunnel.drops ?? {});
  if (deviceDrops) lines.push(`  dropped: ${deviceDrops}`);
  for (const peer of tunnel.peers) {
    lines.push('', `peer: ${peer.publicKey}`);
    if (peer.endpoint) lines.push(`  endpoint: ${peer.endpoint}`);
    lines.push(`  allowed ips: ${peer.allowedIps.length ? peer.allowedIps.join(', ') : '(none)'}`);
    if (peer.latestHandshake > 0) lines.push(`  latest handshake: ${ago(nowMs - peer.latestHandshake)}`);
    if (peer.rxBytes || peer.txBytes)
      lines.push(`  transfer: ${bytes(peer.rxBytes)} received, ${bytes(peer.txBytes)} sent`);
    if (peer.persistentKeepalive) lines.push(`  persistent keepalive: every ${duration(peer.persistentKeepalive)}`);
    const drops = formatDrops(peer.drops);
    if (drops) lines.push(`  dropped: ${drops}`);
    if (peer.diagnosis) {
      lines.push(`  hint: ${peer.diagnosis.summary}`);
      for (const hint of peer.diagnosis.hints) lines.push(`    - ${hint}`);
    }
  }
  for (const warning of tunnel.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n') + '\n';
}

function formatDrops(drops: Readonly<Record<string, number>>): string {
  return Object.entries(drops)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
}

/** wg's "1 minute, 5 seconds ago"; "Now" under a second. */
export function ago(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds === 0 ? 'Now' : `${duration(seconds)} ago`;
}

export function duration(totalSeconds: number): string {
  const units: [string, number][] = [
    ['year', 365 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const parts: string[] = [];
  let rest = totalSeconds;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.join(', ') || '0 seconds';
}

/** wg's transfer units: B, KiB, MiB, GiB, TiB with two decimals. */
export function bytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} B`;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}
