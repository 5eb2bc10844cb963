/*
 * A helper's start-up, before it changes anything for a request:
 *   1. which stored tunnels come up: after a restart within this boot (the boot marker), the ones meant to be up
 *      (wantUp); after a fresh boot, the autostart ones, which become the ones meant to be up;
 *   2. every kill switch in place removed but those of tunnels coming back (a crashed helper's kill switch holds
 *      until its tunnel's `up` replaces it, so a crash opens no window for traffic to leave untunneled);
 *   3. what dead tunnels left behind (the journal) removed;
 *   4. the tunnels brought up one at a time, a failure leaving that tunnel in state 'error';
 *   5. the kill switches kept for tunnels that then failed to come back removed too.
 * Never rejects for one tunnel's failure.
 */
import type { Platform } from '../platform/types.js';
import type { StoredTunnel, TunnelStore } from '../store/index.js';
import type { HelperLog } from './helper-log.js';
import { type BootMarker, type TunnelJournal, recoverLeftovers } from './recovery.js';
import type { RunningTunnels } from './running-tunnels.js';

export interface StartUpParts {
  /** Null for a helper of files only: nothing to restore. */
  store: TunnelStore | null;
  marker: BootMarker;
  journal: TunnelJournal;
  platform: Platform;
  tunnels: RunningTunnels;
  log: HelperLog;
  /** Records whether a stored tunnel should be up after a restart; never rejects. */
  setWantUp: (name: string, wantUp: boolean) => Promise<void>;
}

export async function startUp(parts: StartUpParts): Promise<void> {
  const { store, platform, journal, tunnels, log } = parts;
  const targets = store ? await restoreTargets(store, parts.marker, log, parts.setWantUp) : [];
  // Before anything else: a kill switch no tunnel will take over blocks the machine for nothing.
  await releaseKillSwitches(
    platform,
    log,
    new Set(targets.filter((t) => t.options.blockUntunneled).map((t) => t.name)),
  );
  await recoverLeftovers(journal, platform, (level, message, tunnel) => log.write(level, message, tunnel));
  await restore(targets, tunnels);
  // Kept for a tunnel that then failed to come back: it is not restored, so its kill switch goes too.
  await releaseKillSwitches(
    platform,
    log,
    new Set(
      tunnels
        .running()
        .filter((t) => t.blocking)
        .map((t) => t.name),
    ),
  );
}

async function restoreTargets(
  store: TunnelStore,
  marker: BootMarker,
  log: HelperLog,
  setWantUp: (name: string, wantUp: boolean) => Promise<void>,
): Promise<StoredTunnel[]> {
  for (const problem of store.problems()) log.write('warn', problem.message);
  const all = store.list();
  let targets;
  if (marker.present()) {
    targets = all.filter((t) => t.wantUp);
    log.write('info', `restarted within this boot: bringing back ${targets.length} tunnel(s) that were up`);
  } else {
    targets = all.filter((t) => t.options.autostart);
    for (const tunnel of all) await setWantUp(tunnel.name, tunnel.options.autostart);
    marker.mark();
    log.write('info', `first start of this boot: bringing up ${targets.length} autostart tunnel(s)`);
  }
  return targets;
}

/** One at a time; a tunnel that fails is in state 'error' and the others still come up. */
async function restore(targets: readonly StoredTunnel[], tunnels: RunningTunnels): Promise<void> {
  for (const target of targets) {
    try {
      await tunnels.start(target.name, 'store', target.config, target.options);
    } catch {
      // logged, and the tunnel is in state 'error'
    }
  }
}

/** Removes every kill switch in the system but those of `keep` (a crashed helper's). Never throws. */
async function releaseKillSwitches(platform: Platform, log: HelperLog, keep: ReadonlySet<string>): Promise<void> {
  let active: string[];
  try {
    active = await platform.killSwitch.active();
  } catch (error) {
    log.write('warn', `could not list the kill switches in place: ${(error as Error).message}`);
    return;
  }
  for (const name of active) {
    if (keep.has(name)) {
      log.write('info', 'kept the kill switch the previous helper left until the tunnel is back up', name);
      continue;
    }
    try {
      for (const done of await platform.recoverKillSwitch(name)) log.write('info', `not coming back up: ${done}`, name);
    } catch (error) {
      log.write('warn', `could not remove the kill switch left behind: ${(error as Error).message}`, name);
    }
  }
}
