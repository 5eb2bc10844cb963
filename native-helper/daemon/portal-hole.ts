/*
 * "Sign in to this network": the hole in the kill switch a captive portal's sign-in page needs. With "block
 * untunneled traffic" on, a hotel's or a café's sign-in page cannot be reached (the tunnel cannot handshake
 * before signing in, and nothing else may leave), and users would otherwise switch the kill switch off for good.
 *
 * The hole is bounded:
 *  - in scope: out of the network's own interface only (the primary connection's), DNS to that network's
 *    gateways and resolvers, and HTTP and HTTPS; nothing else, and nothing out of any other interface
 *    (platform KillSwitch.openPortalHole, which also routes that traffic past a full tunnel's routes);
 *  - in time: a few minutes (DEFAULT_PORTAL_HOLE_SECONDS, at most MAX_PORTAL_HOLE_SECONDS). It closes by itself:
 *    the helper's timer, and under it the kernel's own expiry of the rules, so a helper that died meanwhile
 *    leaves no hole either. It also closes when the machine moves to another network, and as soon as
 *    NetworkManager's connectivity check (asked every CHECK_EVERY_MS while it is open) says 'full': signed in.
 *  - in who sees it: every opening and closing is logged with who and why, and the window shows it (the
 *    `network` status).
 * While it is open, name lookups go to the network's own resolvers (those it lets DNS to) instead of the tunnels':
 * the sign-in page's name must resolve, and the tunnels' resolvers cannot be reached before signing in. Every
 * running tunnel's DNS, and that of one coming up meanwhile, is handed over (TunnelHandle.handOverDns, each DNS
 * method as its own: platform/tunnel-dns.ts) and handed back as the hole closes, whichever way it closes; a tunnel
 * that went down meanwhile took back its own, and nothing is set for it again. That rule lives here, not in the
 * platform's kill switch: only the helper knows which tunnels run and every way the hole closes (its timer, another
 * network, 'full', the user, the helper stopping), and the kill switch has no part in a tunnel's DNS. A helper that
 * dies with the hole open leaves the network's resolvers set under the tunnel's name (where DNS is the whole
 * system's; resolved forgets the dead tunnel's link), where the next start's recovery (recovery.ts, the platform's
 * recoverTunnel and recoverDns) puts back what was there before the tunnel, as for the tunnel's own DNS, and the
 * tunnel comes back with its own.
 * Any member may open it (access-policy.ts): a member may already switch any tunnel off, kill switch and all;
 * this lets through much less than that, for minutes.
 */
import { parseIpAddress } from '../../shared/config/ip.js';
import { DEFAULT_PORTAL_HOLE_SECONDS, type NetworkStatus } from '../../shared/ipc/control.js';
import type { NetworkIdentity, Platform, PrimaryNetwork, Undo } from '../platform/types.js';
import { ControlFailure } from './control-server.js';
import type { HelperLog } from './helper-log.js';
import type { NetworkIdentityTracker } from './network-identity.js';

/** How often NetworkManager is asked to check connectivity while the hole is open. */
export const CHECK_EVERY_MS = 10_000;

/** A running tunnel, as the hole sees it (daemon/tunnel.ts). */
export interface TunnelWithDns {
  readonly name: string;
  handOverDns(servers: readonly string[]): Promise<Undo | null>;
}

export interface PortalHoleParts {
  platform: Platform;
  network: NetworkIdentityTracker;
  /** The tunnels running now (RunningTunnels). */
  tunnels: { running(): readonly TunnelWithDns[] };
  log: HelperLog;
  /** The hole opened or closed (subscribers get a `network` event). */
  changed: () => void;
  /** The clock, for tests (Date.now). */
  now?: () => number;
}

interface Open {
  undo: Undo;
  until: number;
  openedBy: string;
  device: string;
  /** Connectivity was 'full' when it opened: a later 'full' says nothing about signing in. */
  fullAtOpen: boolean;
  timer: NodeJS.Timeout;
  check: NodeJS.Timeout;
  /** Where name lookups go while it is open (none: they stay with the tunnels). */
  resolvers: readonly string[];
  /** Each running tunnel asked to hand its DNS over, with the hand-back (null: nothing to give back). */
  lent: Map<TunnelWithDns, Undo | null>;
}

export class PortalHole {
  readonly #parts: PortalHoleParts;
  #open: Open | null = null;
  /** Opening and closing, one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(parts: PortalHoleParts) {
    this.#parts = parts;
    parts.network.listen((identity, networkChanged) => this.#networkChanged(identity, networkChanged));
  }

  /** While open: until when, who opened it, and out of which interface. */
  get status(): NetworkStatus['portalHole'] {
    const open = this.#open;
    return open === null ? null : { until: open.until, openedBy: open.openedBy, device: open.device };
  }

  /** Opens it for `seconds` (again: from now), for `user`. Rejects with a ControlFailure saying why not. */
  open(user: string, seconds = DEFAULT_PORTAL_HOLE_SECONDS): Promise<void> {
    return this.#serially(async () => {
      const identity = this.#parts.network.identity;
      if (!identity.available) {
        throw new ControlFailure(
          'no-network-manager',
          `signing in to a network needs NetworkManager to say which network this is: ${identity.problem ?? 'it does not answer'}`,
        );
      }
      const primary = identity.primary;
      if (primary === null || primary.device === null) {
        throw new ControlFailure('no-network', 'this machine is not connected to a network');
      }
      const spec = {
        device: primary.device,
        dnsServers: [...new Set([...primary.dnsServers, ...primary.gateways])],
        seconds,
      };
      let undo: Undo;
      try {
        undo = await this.#parts.platform.killSwitch.openPortalHole(spec);
      } catch (error) {
        const message = (error as Error).message;
        throw /no kill switch/.test(message)
          ? new ControlFailure(
              'not-blocking',
              'no tunnel blocks untunneled traffic: the sign-in page is reachable as it is',
            )
          : new ControlFailure('portal-hole', `could not open the kill switch for signing in: ${message}`);
      }
      const earlier = this.#open;
      this.#clear(); // an earlier hole's timers; the platform replaced its rules
      const now = (this.#parts.now ?? Date.now)();
      const resolvers = lookupServers(primary, spec.device);
      const open: Open = {
        undo,
        until: now + seconds * 1000,
        openedBy: user,
        device: spec.device,
        fullAtOpen: identity.connectivity === 'full',
        timer: setTimeout(() => void this.close('its time is up'), seconds * 1000),
        check: setInterval(() => void this.#parts.network.checkConnectivity().catch(() => {}), CHECK_EVERY_MS),
        resolvers,
        // Opened again: what the earlier one handed over stays handed over, unless to other resolvers.
        lent: earlier !== null && sameList(earlier.resolvers, resolvers) ? earlier.lent : new Map(),
      };
      open.timer.unref();
      open.check.unref();
      this.#open = open;
      this.#parts.log.write(
        'warn',
        `sign-in hole opened by ${user} for ${formatSeconds(seconds)}: out of ${spec.device}, DNS to ` +
          `${spec.dnsServers.join(', ') || 'no resolver'} and HTTP/HTTPS to anywhere pass the kill switch`,
      );
      await this.#handOver(open);
      this.#parts.changed();
      // NetworkManager checks again now, through the hole: a portal it could not see may show itself.
      void this.#parts.network.checkConnectivity().catch(() => {});
    });
  }

  /** Closes it, saying why in the log; resolves false when it was not open. */
  close(why: string): Promise<boolean> {
    return this.#serially(async () => {
      const open = this.#open;
      if (open === null) return false;
      this.#clear();
      this.#open = null;
      try {
        await open.undo();
        this.#parts.log.write('info', `sign-in hole closed: ${why}`);
      } catch (error) {
        this.#parts.log.write(
          'warn',
          `sign-in hole: could not close it (${(error as Error).message}); the kernel closes it by itself when its time is up`,
        );
      }
      await this.#handBack(open);
      this.#parts.changed();
      return true;
    });
  }

  /** The running tunnels changed: one that came up while the hole is open hands its DNS over too. Cheap when
   *  nothing is open (it is called at every change of a tunnel's state). */
  tunnelsChanged(): void {
    const open = this.#open;
    if (open === null || open.resolvers.length === 0) return;
    if (this.#parts.tunnels.running().every((tunnel) => open.lent.has(tunnel))) return;
    void this.#serially(async () => {
      if (this.#open === open) await this.#handOver(open);
    });
  }

  /** Hands the DNS of every running tunnel not yet asked to the hole's resolvers. Never rejects. */
  async #handOver(open: Open): Promise<void> {
    if (open.resolvers.length === 0) return;
    const { log } = this.#parts;
    for (const tunnel of this.#parts.tunnels.running()) {
      if (open.lent.has(tunnel)) continue;
      open.lent.set(tunnel, null); // asked once: a failure is not tried again at every change
      try {
        const handBack = await tunnel.handOverDns(open.resolvers);
        if (handBack === null) continue;
        open.lent.set(tunnel, handBack);
        log.write(
          'info',
          `sign-in hole: name lookups go to the network's resolvers (${open.resolvers.join(', ')}) instead of ` +
            "the tunnel's until it closes",
          tunnel.name,
        );
      } catch (error) {
        log.write(
          'warn',
          `sign-in hole: could not hand name lookups to the network's resolvers (${(error as Error).message}); ` +
            "they still go to the tunnel's",
          tunnel.name,
        );
      }
    }
  }

  /** The tunnels' DNS back, newest hand-over first. Never rejects. */
  async #handBack(open: Open): Promise<void> {
    const { log } = this.#parts;
    const running = new Set(this.#parts.tunnels.running());
    for (const [tunnel, handBack] of [...open.lent].reverse()) {
      // Down took back what was in place; the tunnel's resolvers are not set again for a tunnel that is gone.
      if (handBack === null || !running.has(tunnel)) continue;
      try {
        await handBack();
        log.write('info', "sign-in hole closed: name lookups go to the tunnel's resolvers again", tunnel.name);
      } catch (error) {
        log.write(
          'warn',
          `sign-in hole: could not put the tunnel's DNS back: ${(error as Error).message}`,
          tunnel.name,
        );
      }
    }
  }

  #networkChanged(identity: NetworkIdentity, networkChanged: boolean): void {
    const open = this.#open;
    if (open === null) return;
    if (networkChanged || identity.primary?.device !== open.device) {
      void this.close('the network changed');
    } else if (identity.connectivity === 'full' && !open.fullAtOpen) {
      void this.close('NetworkManager reaches the internet now: signed in');
    }
  }

  #clear(): void {
    if (this.#open === null) return;
    clearTimeout(this.#open.timer);
    clearInterval(this.#open.check);
  }

  #serially<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(step);
    this.#queue = result.catch(() => {});
    return result;
  }
}

/**
 * The network's resolvers; where it names none, its gateways, which often answer DNS (the hole lets DNS to both).
 * An IPv6 link-local one (fe80::/10: a router announcing itself) means nothing without its interface, which
 * NetworkManager's address leaves out, so it gets the network's (`fe80::1%wlan0`), the form glibc reads in
 * resolv.conf and NetworkManager in its DNS servers. The kill switch's hole takes the bare addresses: its rules
 * already name the interface.
 */
function lookupServers(primary: PrimaryNetwork, device: string): string[] {
  const servers = primary.dnsServers.length > 0 ? primary.dnsServers : primary.gateways;
  return [...new Set(servers.map((server) => (isIpv6LinkLocal(server) ? `${server}%${device}` : server)))];
}

function isIpv6LinkLocal(text: string): boolean {
  const parsed = parseIpAddress(text);
  return parsed.ok && parsed.value.family === 6 && parsed.value.value >> 118n === 0x3fan;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function formatSeconds(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}
