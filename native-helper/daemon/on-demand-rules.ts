/*
 * Connect on demand, decided: what a tunnel's rules (shared/ipc/control.ts, onDemandRules) want on the network
 * the machine is on, and whether on-demand acts on it now. Pure: the daemon (on-demand.ts) feeds it the network
 * from NetworkManager and whether someone switched the tunnel by hand, and does what it says.
 *
 *   rules off                      -> null (on-demand is not in charge of this tunnel)
 *   NetworkManager unavailable     -> nothing (it cannot tell one network from another)
 *   no network, or another kind    -> nothing (mobile broadband, ...: left as it is)
 *   Ethernet                       -> up with `ethernet`, else down
 *   Wi-Fi                          -> never: down; any: up; only: up on the listed SSIDs, down elsewhere;
 *                                     except: down on the listed (trusted) SSIDs, up elsewhere
 *   switched by hand               -> the same wish, but not acted on until the network changes
 *
 * A hidden Wi-Fi network NetworkManager has no name for is on no list. SSIDs match exactly (they are bytes on
 * the air; "home" is not "Home").
 */
import { type OnDemandRules, onDemandEnabled } from '../../shared/ipc/control.js';
import type { PrimaryNetwork } from '../platform/types.js';

/** The network as on-demand sees it: null for none, or why NetworkManager cannot tell. */
export type OnDemandNetwork = Pick<PrimaryNetwork, 'kind' | 'name' | 'ssid'> | null | { unavailable: string };

export interface OnDemandDecision {
  /** What the rules want here; null: nothing (left as it is). */
  wants: 'up' | 'down' | null;
  /** Whether on-demand acts on it now: it wants something and nobody switched the tunnel by hand since the
   *  network changed. */
  act: boolean;
  /** Someone switched it by hand on this network. */
  overridden: boolean;
  /** In words, for the window and the log. */
  reason: string;
}

/** What on-demand does with a tunnel of these rules on this network; null when its rules are off. */
export function decideOnDemand(
  rules: OnDemandRules | undefined,
  network: OnDemandNetwork,
  overridden: boolean,
): OnDemandDecision | null {
  if (rules === undefined || !onDemandEnabled(rules)) return null;
  const { wants, why } = wish(rules, network);
  if (wants === null) return { wants, act: false, overridden, reason: why };
  if (overridden) {
    return {
      wants,
      act: false,
      overridden,
      reason: `switched by hand: on-demand takes over again when the network changes (its rules say ${wants}: ${why})`,
    };
  }
  return { wants, act: true, overridden, reason: `${wants}: ${why}` };
}

function wish(rules: OnDemandRules, network: OnDemandNetwork): { wants: 'up' | 'down' | null; why: string } {
  if (network === null) return { wants: null, why: 'no network; left as it is' };
  if ('unavailable' in network) return { wants: null, why: `on-demand needs NetworkManager: ${network.unavailable}` };
  switch (network.kind) {
    case 'other':
      return { wants: null, why: `${quoted(network.name)} is neither Wi-Fi nor Ethernet; left as it is` };
    case 'ethernet':
      return rules.ethernet
        ? { wants: 'up', why: `on the wired network ${quoted(network.name)}` }
        : { wants: 'down', why: 'wired networks do not bring it up' };
    case 'wifi': {
      const shown = network.ssid === null ? 'a hidden Wi-Fi network' : `Wi-Fi ${quoted(network.ssid)}`;
      const listed = network.ssid !== null && rules.ssids.includes(network.ssid);
      switch (rules.wifi) {
        case 'never':
          return { wants: 'down', why: 'Wi-Fi does not bring it up' };
        case 'any':
          return { wants: 'up', why: `on ${shown}` };
        case 'only':
          return listed
            ? { wants: 'up', why: `on ${shown}, one of the networks it is for` }
            : { wants: 'down', why: `${shown} is not one of the networks it is for` };
        case 'except':
          return listed
            ? { wants: 'down', why: `on ${shown}, a trusted network` }
            : { wants: 'up', why: `${shown} is not a trusted network` };
      }
    }
  }
}

/**
 * What tells one network from another for "until the network changes": the connection profile, its kind and its
 * SSID. Null without a network: a network that drops and comes back is not a change.
 */
export function networkKey(primary: Pick<PrimaryNetwork, 'id' | 'kind' | 'ssid'> | null): string | null {
  return primary === null ? null : JSON.stringify([primary.id, primary.kind, primary.ssid]);
}

function quoted(text: string): string {
  return `“${text}”`;
}
