// Throughput between two reads of a tunnel's counters, and the points of the small graph that shows the last
// minute of it. Pure: the state module keeps the samples, the component draws the points.
import type { PeerDetails, TunnelDetails } from '../../../../shared/bridge/types.js';

/** Bytes per second received and sent over one interval. */
export interface Rate {
  rx: number;
  tx: number;
}

/** How many intervals the graph keeps (one a second: a minute). */
export const HISTORY = 60;

/** Each peer's rate between two reads of the same running tunnel, by public key; none for a peer seen only once. */
export function ratesBetween(previous: TunnelDetails, next: TunnelDetails): Map<string, Rate> {
  const rates = new Map<string, Rate>();
  const seconds = (next.sampledAt - previous.sampledAt) / 1000;
  if (previous.name !== next.name || !previous.running || !next.running || !(seconds > 0)) return rates;
  const before = new Map<string, PeerDetails>(previous.peers.map((p) => [p.publicKey, p]));
  for (const peer of next.peers) {
    const old = before.get(peer.publicKey);
    if (!old) continue;
    // Counters that went back (the tunnel was restarted between reads) count as a quiet interval.
    rates.set(peer.publicKey, {
      rx: Math.max(0, peer.rxBytes - old.rxBytes) / seconds,
      tx: Math.max(0, peer.txBytes - old.txBytes) / seconds,
    });
  }
  return rates;
}

/** `history` with `rate` appended, at most HISTORY long. */
export function pushRate(history: readonly Rate[] | undefined, rate: Rate): Rate[] {
  return [...(history ?? []), rate].slice(-HISTORY);
}

/**
 * SVG polyline points for one direction, right-aligned so the newest sample sits at the right edge and the graph
 * fills from the right as samples come; `max` is the value at the top edge.
 */
export function graphPoints(values: readonly number[], width: number, height: number, max: number): string {
  if (values.length === 0) return '';
  const step = width / (HISTORY - 1);
  const start = width - (values.length - 1) * step;
  const top = max > 0 ? max : 1;
  return values
    .map((v, i) => `${round(start + i * step)},${round(height - (Math.min(v, top) / top) * height)}`)
    .join(' ');
}

/** The top of the graph's scale: the largest sample, at least 1 KiB/s so idle noise stays flat. */
export function graphMax(history: readonly Rate[]): number {
  return Math.max(1024, ...history.map((r) => Math.max(r.rx, r.tx)));
}

const round = (n: number) => Math.round(n * 10) / 10;
