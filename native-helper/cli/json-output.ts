/*
 * What `warren list --json` and `warren show --json` print: a shape of the command's own, documented in their
 * help and the README, so scripts do not break when the helper's protocol changes. Fields are added, never
 * renamed or removed; absent values are null, not missing.
 */
import type {
  NetworkStatus,
  OnDemandRules,
  OnDemandStatus,
  PeerStatus,
  TunnelStatus,
  TunnelSummary,
} from '../../shared/ipc/control.js';
import { UsageError } from './command.js';
import { text } from './messages/index.js';

export interface ListedTunnel {
  name: string;
  state: TunnelSummary['state'];
  error: string | null;
  origin: TunnelSummary['origin'];
  owner: string | null;
  canChange: boolean;
  settings: {
    autostart: boolean;
    blockUntunneled: boolean;
    allowBridges: boolean;
    excludePrivateIps: boolean;
    allowScripts: boolean;
    onDemand: OnDemandRules;
  };
  /** While on-demand rules are set: what they make of the tunnel here. */
  onDemand: OnDemandStatus | null;
}

export interface ShownPeer {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix time in seconds; null for never. */
  latestHandshake: number | null;
  rxBytes: number;
  txBytes: number;
  persistentKeepalive: number;
  hasSession: boolean;
  dropped: Record<string, number>;
  hint: { summary: string; hints: string[] } | null;
}

export interface ShownTunnel {
  name: string;
  publicKey: string | null;
  listenPort: number;
  fwmark: number;
  dropped: Record<string, number>;
  warnings: string[];
  peers: ShownPeer[];
}

export function listJson(tunnels: readonly TunnelSummary[]): { tunnels: ListedTunnel[] } {
  return {
    tunnels: tunnels.map((t) => ({
      name: t.name,
      state: t.state,
      error: t.error ?? null,
      origin: t.origin,
      owner: t.owner ?? null,
      canChange: t.canChange,
      settings: {
        autostart: t.options.autostart,
        blockUntunneled: t.options.blockUntunneled,
        allowBridges: t.options.allowBridges,
        excludePrivateIps: t.options.excludePrivateIps,
        allowScripts: t.options.allowScripts,
        onDemand: {
          ethernet: t.options.onDemand?.ethernet ?? false,
          wifi: t.options.onDemand?.wifi ?? 'never',
          ssids: [...(t.options.onDemand?.ssids ?? [])],
        },
      },
      onDemand: t.onDemand
        ? { wants: t.onDemand.wants, overridden: t.onDemand.overridden, reason: t.onDemand.reason }
        : null,
    })),
  };
}

export function showJson(tunnels: readonly TunnelStatus[]): { tunnels: ShownTunnel[] } {
  return {
    tunnels: tunnels.map((t) => ({
      name: t.name,
      publicKey: t.publicKey,
      listenPort: t.listenPort,
      fwmark: t.fwmark,
      dropped: { ...(t.drops ?? {}) },
      warnings: [...t.warnings],
      peers: t.peers.map(shownPeer),
    })),
  };
}

function shownPeer(p: PeerStatus): ShownPeer {
  return {
    publicKey: p.publicKey,
    endpoint: p.endpoint,
    allowedIps: [...p.allowedIps],
    latestHandshake: p.latestHandshake > 0 ? Math.floor(p.latestHandshake / 1000) : null,
    rxBytes: p.rxBytes,
    txBytes: p.txBytes,
    persistentKeepalive: p.persistentKeepalive,
    hasSession: p.hasSession,
    dropped: { ...p.drops },
    hint: p.diagnosis ? { summary: p.diagnosis.summary, hints: [...p.diagnosis.hints] } : null,
  };
}

export interface NetworkJson {
  networkManager: boolean;
  unavailable: string | null;
  primary: { kind: 'wifi' | 'ethernet' | 'other'; name: string; device: string | null; ssid: string | null } | null;
  connectivity: NetworkStatus['connectivity'];
  portal: boolean;
  /** `until` in Unix seconds, as show's times are. */
  portalHole: { until: number; openedBy: string; device: string } | null;
}

export function networkJson(n: NetworkStatus): NetworkJson {
  const { primary, portalHole } = n;
  return {
    networkManager: n.networkManager,
    unavailable: n.unavailable ?? null,
    primary: primary && { kind: primary.kind, name: primary.name, device: primary.device, ssid: primary.ssid },
    connectivity: n.connectivity,
    portal: n.portal,
    portalHole: portalHole && {
      until: Math.floor(portalHole.until / 1000),
      openedBy: portalHole.openedBy,
      device: portalHole.device,
    },
  };
}

/** A value as the command prints it: indented JSON and a newline. */
export function printJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The arguments of a command whose one option is `--json`: whether it was given; anything else is a usage error. */
export function jsonFlag(args: readonly string[]): boolean {
  const json = args.length === 1 && args[0] === '--json';
  if (args.length > 0 && !json)
    throw new UsageError(text.general.unexpectedArgument(args.find((a) => a !== '--json') ?? args[0]!));
  return json;
}
