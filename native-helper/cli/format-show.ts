// `warren show` prints what `wg show` prints, from the helper's status, so people read it as they always have.
import type { TunnelStatus } from '../../shared/ipc/control.js';
import { text } from './messages/index.js';

export function formatShow(tunnels: readonly TunnelStatus[], nowMs: number): string {
  return tunnels.map((t) => formatTunnel(t, nowMs)).join('\n');
}

function formatTunnel(tunnel: TunnelStatus, nowMs: number): string {
  const t = text.show;
  const lines = [`${t.interface}: ${tunnel.name}`];
  if (tunnel.publicKey) lines.push(`  ${t.publicKey}: ${tunnel.publicKey}`, `  ${t.privateKey}: ${t.hidden}`);
  if (tunnel.listenPort) lines.push(`  ${t.listeningPort}: ${tunnel.listenPort}`);
  if (tunnel.fwmark) lines.push(`  ${t.fwmark}: 0x${tunnel.fwmark.toString(16)}`);
  // The device's total: it also counts what no peer can be blamed for (a flood of garbage, unknown indices).
  const deviceDrops = formatDrops(tunnel.drops ?? {});
  if (deviceDrops) lines.push(`  ${t.dropped}: ${deviceDrops}`);
  for (const peer of tunnel.peers) {
    lines.push('', `${t.peer}: ${peer.publicKey}`);
    if (peer.endpoint) lines.push(`  ${t.endpoint}: ${peer.endpoint}`);
    lines.push(`  ${t.allowedIps}: ${peer.allowedIps.length ? peer.allowedIps.join(', ') : t.noAllowedIps}`);
    if (peer.latestHandshake > 0) lines.push(`  ${t.latestHandshake}: ${ago(nowMs - peer.latestHandshake)}`);
    if (peer.rxBytes || peer.txBytes)
      lines.push(`  ${t.transferLabel}: ${t.transfer(bytes(peer.rxBytes), bytes(peer.txBytes))}`);
    if (peer.persistentKeepalive)
      lines.push(`  ${t.persistentKeepalive}: ${t.every(duration(peer.persistentKeepalive))}`);
    const drops = formatDrops(peer.drops);
    if (drops) lines.push(`  ${t.dropped}: ${drops}`);
    if (peer.diagnosis) {
      lines.push(`  ${t.hint}: ${peer.diagnosis.summary}`);
      for (const hint of peer.diagnosis.hints) lines.push(`    - ${hint}`);
    }
  }
  for (const warning of tunnel.warnings) lines.push(`  ${t.warning}: ${warning}`);
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
  return seconds === 0 ? text.show.now : text.show.ago(duration(seconds));
}

export function duration(totalSeconds: number): string {
  const units = [
    ['year', 365 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ] as const;
  const parts: string[] = [];
  let rest = totalSeconds;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    const [one, many] = text.show.units[name];
    if (n > 0) parts.push(`${n} ${n === 1 ? one : many}`);
  }
  return parts.join(', ') || text.show.zeroSeconds;
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
