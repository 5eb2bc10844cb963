/*
 * The helper of one network namespace, composed: the control socket (control-server.ts) answering with the
 * handlers (control-handlers.ts), the tunnel store, the tunnels it runs (running-tunnels.ts), the start-up
 * (start-up.ts), what runs while tunnels do (status-ticker.ts, network-follower.ts), and, once started up, which
 * network the machine is on (network-identity.ts), on-demand (on-demand.ts, with a store) and the sign-in hole
 * (portal-hole.ts). This file wires them and owns the helper's lifetime; each rule lives in the part named.
 *
 * Two ways to run it:
 *  - `warren daemon` (the service): with the store. At start it removes what tunnels of a helper that died left
 *    behind, then brings back the tunnels that were up (a restart within this boot) or the autostart ones (a
 *    fresh boot).
 *  - `warren daemon --exit-when-idle`, started by `warren up FILE` when no helper runs: tunnels from files only,
 *    no store, nothing restored; it exits when its last tunnel goes down, so `warren down` leaves nothing behind.
 *
 * Subscribers get `tunnels` events when a tunnel's state or the list changes (many changes in one turn make one
 * event, as each subscriber may see it), `status` every second while a tunnel runs, `network` when the network or
 * the sign-in hole changes, and each log entry. Stopping
 * the helper waits for the changes under way, then takes every tunnel down; the store's wantUp stays, so a
 * restart brings them back.
 */
import { CONTROL_DIRECTORY, networkNamespaceId } from '../../shared/ipc/socket-path.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import { addonIo } from '../io/addon-io.js';
import type { TunnelIo } from '../io/tunnel-io.js';
import type { Platform } from '../platform/types.js';
import type { TunnelStore } from '../store/index.js';
import { type Accounts, userNameOf } from './authorization.js';
import { controlHandlers } from './control-handlers.js';
import { type ControlLimits, type ControlServer, startControlServer } from './control-server.js';
import { HelperLog, type HelperLogOptions } from './helper-log.js';
import { NetworkFollower } from './network-follower.js';
import { NetworkIdentityTracker } from './network-identity.js';
import { ON_DEMAND_CALLER, OnDemand } from './on-demand.js';
import { PortalHole } from './portal-hole.js';
import type { PowerEvents } from './power-events.js';
import { BootMarker, TunnelJournal } from './recovery.js';
import { prepareRuntimeDirectory } from './runtime-directory.js';
import { RunningTunnels } from './running-tunnels.js';
import { startUp } from './start-up.js';
import { StatusTicker } from './status-ticker.js';
import { storeEndpointMemory } from './store-endpoint-memory.js';
import { TunnelLocks } from './tunnel-locks.js';
import { tunnelSummaries } from './tunnel-summaries.js';

export interface HelperOptions {
  socketPath: string;
  platform: Platform;
  /** Where tunnels get their TUN devices and UDP sockets (default: the addon's; tests: io/memory-io.ts). */
  io?: TunnelIo;
  crypto: CryptoPrimitives;
  version: string;
  uapiDirectory?: string;
  /** Exit (resolve `finished`) once no tunnel is left, after the first one. */
  exitWhenIdle?: boolean;
  /** Besides root, the members of this group may use the control socket (default 'warren'). */
  controlGroup?: string;
  /** The account look-ups of the control socket and of owners' names (default: the addon's). */
  accounts?: Accounts;
  /** Bounds on the control socket's connections (control-server.ts's defaults otherwise). */
  controlLimits?: Partial<ControlLimits>;
  /** The tunnel store. Without one the helper holds tunnels from files only (as `warren up FILE` starts it). */
  store?: TunnelStore;
  /** Where the boot marker and the tunnel journal live (default /run/warren). */
  runtimeDirectory?: string;
  /** This network namespace's id (default: the inode of /proc/self/ns/net). */
  namespaceId?: string;
  /** Follow logind's sleep and wake (default off); an object gives power-events options. */
  powerEvents?: boolean | { busAddress?: string };
  log?: HelperLogOptions;
  /** How often subscribers get a `status` event while a tunnel runs (default 1000 ms). */
  statusIntervalMs?: number;
}

export interface HelperService {
  readonly log: HelperLog;
  readonly tunnels: RunningTunnels;
  /** Which network the machine is on, as the helper follows it. */
  readonly network: NetworkIdentityTracker;
  /** On-demand; null for a helper of files only. */
  readonly onDemand: OnDemand | null;
  /** Resolves when the start-up (recovery, then restore or autostart) is done. */
  readonly ready: Promise<void>;
  /** Resolves when the helper has stopped (close(), or idle with exitWhenIdle). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

export async function startHelperService(options: HelperOptions): Promise<HelperService> {
  const log = new HelperLog(options.log);
  const store = options.store ?? null;
  const runtimeDirectory = options.runtimeDirectory ?? CONTROL_DIRECTORY;
  const namespaceId = options.namespaceId ?? networkNamespaceId();
  prepareRuntimeDirectory(runtimeDirectory);
  const journal = new TunnelJournal(runtimeDirectory, namespaceId);
  const userName = (uid: number) => userNameOf(uid, options.accounts);
  let server: ControlServer | null = null;
  let power: PowerEvents | null = null;
  let stopping: Promise<void> | null = null;
  let listChanged = false;
  let networkChanged = false;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const listening = () => server !== null && server.subscribers > 0;

  const ticker = new StatusTicker(options.statusIntervalMs ?? 1000, () => {
    void tunnels.followEndpoints();
    if (listening()) server!.broadcast({ type: 'status', status: tunnels.running().map((t) => t.status()) });
  });
  const changed = () => {
    const running = tunnels.running().length > 0;
    ticker.follow(running);
    follower.follow(running && !stopping);
    portalHole.tunnelsChanged();
    // Many changes in one turn (a start-up, a suspend of every tunnel) make one event.
    if (listChanged) return;
    listChanged = true;
    setImmediate(() => {
      listChanged = false;
      if (listening())
        server!.broadcast((caller) => ({
          type: 'tunnels',
          tunnels: tunnelSummaries(store, tunnels, caller, userName, (name) => onDemand?.status(name)),
        }));
    });
  };
  /** The network or the sign-in hole changed: one `network` event per turn. */
  const networkStatusChanged = () => {
    if (networkChanged) return;
    networkChanged = true;
    setImmediate(() => {
      networkChanged = false;
      if (listening()) server!.broadcast({ type: 'network', network: network.status(portalHole.status) });
    });
  };

  log.onEntry((entry) => {
    if (listening()) server!.broadcast({ type: 'log', entry });
  });

  const tunnels = new RunningTunnels({
    host: { io: options.io ?? addonIo, platform: options.platform },
    crypto: options.crypto,
    uapiDirectory: options.uapiDirectory,
    journal,
    log,
    onChange: changed,
    onStopped: () => closeIfIdle(),
    endpointMemory: (name, origin) =>
      origin === 'store' && store !== null ? storeEndpointMemory(store, name, log) : undefined,
  });
  const follower = new NetworkFollower(options.platform, tunnels, log);
  const network = new NetworkIdentityTracker(options.platform, log);
  network.listen(() => networkStatusChanged());
  const portalHole = new PortalHole({
    platform: options.platform,
    network,
    tunnels,
    log,
    changed: networkStatusChanged,
  });
  const onDemand =
    store === null
      ? null
      : new OnDemand({
          store,
          tunnels,
          network,
          log,
          // controlHandlers answers every method; the table's type only says a helper may leave some out.
          switchTunnel: async (name, up) => {
            if (up) await handlers.up!({ name }, ON_DEMAND_CALLER);
            else await handlers.down!({ name }, ON_DEMAND_CALLER);
          },
          changed,
        });

  const locks = new TunnelLocks();
  let started!: () => void;
  const startedUp = new Promise<void>((resolve) => (started = resolve));

  const close = (): Promise<void> => {
    stopping ??= (async () => {
      await startedUp;
      await onDemand?.close();
      await locks.idle();
      ticker.close();
      await power?.close();
      await portalHole.close('the helper is stopping');
      await network.close();
      await follower.close();
      await tunnels.closeAll();
      await server?.close();
      log.write('info', 'helper stopped');
      finish();
    })();
    return stopping;
  };
  // Deferred, so the reply to the request that emptied the helper is written before the socket closes.
  const closeIfIdle = () => {
    if (options.exitWhenIdle && tunnels.all().length === 0) setImmediate(() => void close());
  };

  const setWantUp = async (name: string, wantUp: boolean) => {
    try {
      await store?.setWantUp(name, wantUp);
    } catch (error) {
      log.write(
        'warn',
        `could not record that it should ${wantUp ? '' : 'not '}be up after a restart: ${(error as Error).message}`,
        name,
      );
    }
  };

  const handlers = controlHandlers({
    version: options.version,
    routeTableNames: () => options.platform.routeTableNames(),
    store,
    tunnels,
    log,
    locks,
    startedUp,
    stopping: () => stopping !== null,
    changed,
    closeIfIdle,
    setWantUp,
    userName,
    ...(onDemand === null ? {} : { onDemand }),
    network: {
      status: () => network.status(portalHole.status),
      openPortalHole: (user, seconds) => portalHole.open(user, seconds),
      closePortalHole: (user) => portalHole.close(`closed by ${user}`),
    },
  });
  server = await startControlServer(
    options.socketPath,
    handlers,
    (message) => log.write(message.startsWith('internal error') ? 'error' : 'warn', message),
    { groupName: options.controlGroup, accounts: options.accounts, limits: options.controlLimits },
  );
  log.write(
    'info',
    `helper ${options.version} listening on ${options.socketPath}${store ? `, tunnels stored in ${store.directory}` : ', tunnels from files only'}`,
  );

  const ready = startUp({
    store,
    marker: new BootMarker(runtimeDirectory, namespaceId),
    journal,
    platform: options.platform,
    tunnels,
    log,
    setWantUp,
  })
    .then(() => changed())
    .finally(() => started());

  // After the start-up, and not awaited: NetworkManager may be slow or absent, and tunnels must not wait for it.
  // Its first answer puts on-demand in charge of the tunnels with rules.
  void ready.then(() => (stopping ? undefined : network.start()));

  if (options.powerEvents) {
    const bus = typeof options.powerEvents === 'object' ? options.powerEvents : {};
    // After the start-up, and not awaited: the bus may be slow or absent, and tunnels must not wait for it (nor
    // for loading the D-Bus library).
    void ready
      .then(() => import('./power-events.js'))
      .then(({ startPowerEvents }) =>
        startPowerEvents({
          ...bus,
          onSuspend: () => void tunnels.suspend(),
          onResume: async () => void (await tunnels.resume()),
          log: (message) => log.write('info', message),
        }),
      )
      .then((events) => {
        if (stopping) void events.close();
        else power = events;
      })
      .catch((error: unknown) => log.write('warn', `power events: ${(error as Error).message}`));
  }

  return { log, tunnels, network, onDemand, ready, finished, close };
}
