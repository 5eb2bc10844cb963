/*
 * The helper of one network namespace: the control socket, the tunnel store and the tunnels it runs.
 *
 * Two ways to run it:
 *  - `warren daemon` (the service): with the store. At start it first removes what tunnels of a helper that
 *    died left behind (recovery.ts), then: when this boot already had a helper here (the boot marker), it is a
 *    restart (a crash, kill -9, `systemctl restart`) and exactly the tunnels that were meant to be up come back;
 *    otherwise it is a fresh boot, and the tunnels marked autostart come up (and become the ones meant to be up).
 *  - `warren daemon --exit-when-idle`, started by `warren up FILE` when no helper runs: tunnels from files only,
 *    no store, nothing restored; it exits when its last tunnel goes down, so `warren down` leaves nothing behind.
 *
 * A tunnel from a file (`up` with `config`) is held in memory only, never written to the store. The store's
 * wantUp follows `up` and `down` of stored tunnels; stopping the helper leaves it, so a restart brings them back.
 * A kill switch outlives a helper that dies (its nft table stays): the next one keeps those of the tunnels it
 * brings back until they are up again (their `up` replaces the table with no gap) and removes the others, so a
 * crash opens no window for traffic to leave untunneled. While tunnels run, a watch on the network (addresses,
 * routes, links other than ours) makes them look up endpoint hostnames and handshake again after each change.
 * The store remembers the address each endpoint hostname of a stored tunnel last resolved to, the fallback when
 * the lookup fails (a held kill switch blocks DNS, a boot before the network has a resolver). Every status tick
 * (whether or not anyone listens) also lets kill switches follow peers whose endpoint changed (roaming).
 * Every request is judged against who makes it (access-policy.ts) before it does anything. Requests that change
 * something wait for the start-up, then run one at a time per tunnel (tunnel-locks.ts): a slow `up` of one
 * tunnel (hooks, name lookups) holds up nobody else's, and reads answer at once. Subscribers get `tunnels` events
 * when a tunnel's state or the list changes (each as that subscriber may see it), `status` every second while a
 * tunnel runs, and each log entry.
 */
import { decodeKey, encodeKey } from '../../shared/config/keys.js';
import {
  displayName,
  formatDiagnostics,
  hasHiddenPrivateKey,
  hidePrivateKey,
  insertPrivateKey,
  interfaceNameFromPath,
  parseConfig,
  restorePrivateKey,
} from '../../shared/config/index.js';
import type { TunnelConfig } from '../../shared/config/model.js';
import {
  CONTROL_PROTOCOL_VERSION,
  MAX_CONTROL_MESSAGE_BYTES,
  type ControlMethod,
  type ControlParams,
  type ControlResults,
  type ImportResult,
  type TunnelOptions,
  type TunnelSummary,
} from '../../shared/ipc/control.js';
import { CONTROL_DIRECTORY, networkNamespaceId } from '../../shared/ipc/socket-path.js';
import { generatePrivateKey, publicKeyOf } from '../crypto/keypair.js';
import { loadAddon } from '../io/addon.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import type { NetworkWatch, Platform } from '../platform/types.js';
import { StoreError, type StoredTunnel, type TunnelStore, defaultTunnelOptions } from '../store/index.js';
import type { EndpointMemory } from './configure-device.js';
import { type Subject, enforce, mayChange } from './access-policy.js';
import { type Accounts, type Caller } from './authorization.js';
import { ControlFailure, type ControlHandlers, type ControlLimits, type ControlServer, startControlServer } from './control-server.js';
import { HelperLog, type HelperLogOptions } from './helper-log.js';
import type { PowerEvents } from './power-events.js';
import { BootMarker, TunnelJournal, recoverLeftovers } from './recovery.js';
import { prepareRuntimeDirectory } from './runtime-directory.js';
import { RunningTunnels } from './running-tunnels.js';
import { TunnelLocks } from './tunnel-locks.js';

export interface HelperOptions {
  socketPath: string;
  platform: Platform;
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
  /** Resolves when the start-up (recovery, then restore or autostart) is done. */
  readonly ready: Promise<void>;
  /** Resolves when the helper has stopped (close(), or idle with exitWhenIdle). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

const NO_STORE =
  'this helper holds tunnels from files only (`warren up FILE` started it); stored tunnels need the Warren service: ' +
  '`sudo systemctl start warren` or `sudo warren daemon`, once the tunnels from files are down';

export async function startHelperService(options: HelperOptions): Promise<HelperService> {
  const log = new HelperLog(options.log);
  const store = options.store ?? null;
  const runtimeDirectory = options.runtimeDirectory ?? CONTROL_DIRECTORY;
  const namespaceId = options.namespaceId ?? networkNamespaceId();
  prepareRuntimeDirectory(runtimeDirectory);
  const journal = new TunnelJournal(runtimeDirectory, namespaceId);
  let server: ControlServer | null = null;
  let power: PowerEvents | null = null;
  let stopping: Promise<void> | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let network: NetworkWatch | null = null;
  let listChanged = false;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  // ---- events ----

  /** Every tunnel, as `caller` may see it. */
  const summaries = (caller: Caller): TunnelSummary[] => {
    const result: TunnelSummary[] = [];
    for (const stored of store?.list() ?? []) {
      const entry = tunnels.get(stored.name);
      const state = entry?.origin === 'store' ? entry.state : 'down';
      result.push({
        name: stored.name,
        state,
        origin: 'store',
        options: stored.options,
        ...(entry?.error ? { error: entry.error } : {}),
        owner: userName(stored.owner),
        canChange: mayChange(caller, stored),
      });
    }
    for (const entry of tunnels.all()) {
      if (entry.origin !== 'file') continue;
      result.push({
        name: entry.name,
        state: entry.state,
        origin: 'file',
        options: entry.options,
        ...(entry.error ? { error: entry.error } : {}),
        // Nothing of a file's tunnel is stored, so there is nothing to change but its switch.
        canChange: false,
      });
    }
    return result;
  };

  const statusEvery = options.statusIntervalMs ?? 1000;
  const changed = () => {
    const running = tunnels.running().length > 0;
    if (running && statusTimer === null) {
      statusTimer = setInterval(() => {
        void tunnels.followEndpoints();
        if (server && server.subscribers > 0) server.broadcast({ type: 'status', status: tunnels.running().map((t) => t.status()) });
      }, statusEvery);
      statusTimer.unref();
    } else if (!running && statusTimer !== null) {
      clearInterval(statusTimer);
      statusTimer = null;
    }
    if (running && network === null && !stopping) network = watchNetwork();
    else if (!running && network !== null) {
      void network.close();
      network = null;
    }
    // Many changes in one turn (a start-up, a suspend of every tunnel) make one event.
    if (listChanged) return;
    listChanged = true;
    setImmediate(() => {
      listChanged = false;
      if (server && server.subscribers > 0) server.broadcast((caller) => ({ type: 'tunnels', tunnels: summaries(caller) }));
    });
  };

  /** One watch per helper while tunnels run; a change arriving while the last one is handled is handled after. */
  const watchNetwork = (): NetworkWatch => {
    let handling: Promise<void> | null = null;
    let again = false;
    const handle = () => {
      if (handling) {
        again = true;
        return;
      }
      handling = tunnels.networkChanged().finally(() => {
        handling = null;
        if (again) {
          again = false;
          handle();
        }
      });
    };
    return options.platform.watchNetwork(handle, {
      ignore: (link) => tunnels.get(link) !== undefined,
      onError: (error) => log.write('warn', `no longer watching the network for changes: ${error.message}`),
    });
  };

  log.onEntry((entry) => {
    if (server && server.subscribers > 0) server.broadcast({ type: 'log', entry });
  });

  const tunnels = new RunningTunnels({
    platform: options.platform,
    crypto: options.crypto,
    uapiDirectory: options.uapiDirectory,
    journal,
    log,
    onChange: changed,
    onStopped: () => closeIfIdle(),
    endpointMemory: (name, origin) => (origin === 'store' && store !== null ? storeEndpointMemory(store, name, log) : undefined),
  });

  // ---- lifecycle ----

  /** The start-up first; then requests that change something, one at a time per tunnel they name. */
  const locks = new TunnelLocks();
  let started!: () => void;
  const startedUp = new Promise<void>((resolve) => (started = resolve));

  const close = (): Promise<void> => {
    stopping ??= (async () => {
      await startedUp;
      await locks.idle();
      if (statusTimer !== null) clearInterval(statusTimer);
      await power?.close();
      await network?.close();
      network = null;
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

  // ---- helpers of the handlers ----

  const requireStore = (): TunnelStore => {
    if (store === null) throw new ControlFailure('no-store', NO_STORE);
    return store;
  };

  const stored = (name: string) => {
    const tunnel = requireStore().get(name);
    if (!tunnel) throw new ControlFailure('not-found', `there is no stored tunnel named ${name}`);
    return tunnel;
  };

  /** A name a file's tunnel runs under cannot be given to a stored one, or the list would hold it twice. */
  const checkNotRunningFromFile = (name: string) => {
    if (tunnels.get(name)?.origin === 'file') {
      throw new ControlFailure('exists', `a tunnel named ${name} runs from a file; take it down first or choose another name`);
    }
  };

  const setWantUp = async (name: string, wantUp: boolean) => {
    try {
      await store?.setWantUp(name, wantUp);
    } catch (error) {
      log.write('warn', `could not record that it should ${wantUp ? '' : 'not '}be up after a restart: ${(error as Error).message}`, name);
    }
  };

  const upStored = async (name: string) => {
    const tunnel = stored(name);
    checkNotRunningFromFile(name);
    const entry = await tunnels.start(name, 'store', tunnel.config, tunnel.options);
    await setWantUp(name, true);
    return entry.tunnel!.status();
  };

  const upFromFile = async (params: ControlParams['up'] & { config: string }) => {
    const source = displayName(params.source ?? params.name);
    const parsed = parseConfig(params.config);
    if (!parsed.ok) throw new ControlFailure('config', `${source} is not a valid configuration`, formatDiagnostics(source, parsed.errors));
    if (store?.get(params.name)) {
      throw new ControlFailure('exists', `a stored tunnel is named ${params.name}: bring it up with \`warren up ${params.name}\`, or give the file another name`);
    }
    const tunnelOptions: TunnelOptions = {
      ...defaultTunnelOptions(parsed.config),
      allowScripts: params.allowScripts ?? false,
      // Opt-in for a file, as `warren up --block-untunneled FILE`: wg-quick's `up` does not block either.
      blockUntunneled: params.blockUntunneled ?? false,
      excludePrivateIps: params.excludePrivateIps ?? false,
    };
    const entry = await tunnels.start(params.name, 'file', parsed.config, tunnelOptions);
    return entry.tunnel!.status();
  };

  /** The name a file of an import is stored under (its own, or the one its file name gives), or why none. */
  const importName = (file: ControlParams['import']['files'][number]): { ok: true; name: string } | { ok: false; error: string } =>
    file.name !== undefined ? { ok: true, name: file.name } : interfaceNameFromPath(file.filename);

  const importOne = async (file: ControlParams['import']['files'][number], owner: number): Promise<ImportResult> => {
    const shown = displayName(file.filename);
    const result = (errors: string[], warnings: string[] = [], name?: string): ImportResult => ({
      filename: shown,
      ok: errors.length === 0,
      ...(name === undefined ? {} : { name }),
      errors,
      warnings,
    });
    const named = importName(file);
    if (!named.ok) return result([`${shown}: ${named.error}`]);
    const name = named.name;
    const parsed = parseConfig(file.text);
    if (!parsed.ok) return result(formatDiagnostics(shown, parsed.errors), formatDiagnostics(shown, parsed.warnings));
    const warnings = formatDiagnostics(shown, parsed.warnings);
    try {
      checkNotRunningFromFile(name);
      await requireStore().add(name, file.text, {}, owner);
    } catch (error) {
      const failure = asControlFailure(error);
      return result([`${shown}: ${failure.message}`, ...(failure.details ?? [])], warnings);
    }
    log.write('info', `imported from ${shown}`, name);
    return result([], warnings, name);
  };

  /** A stored tunnel that runs comes back with its new config; a failure leaves it in state 'error'. */
  const restartWith = async (name: string, config: TunnelConfig, tunnelOptions: TunnelOptions) => {
    await tunnels.stop(name);
    try {
      await tunnels.start(name, 'store', config, tunnelOptions);
    } catch (error) {
      throw new ControlFailure('up-failed', `the new configuration is stored, but the tunnel did not come back up with it (${(error as Error).message})`);
    }
  };

  /** The stored tunnel a request names, as the access policy sees it. */
  const subjectOf = (params: object): Subject | undefined => {
    const name = (params as { name?: unknown }).name;
    const tunnel = typeof name === 'string' ? store?.get(name) : undefined;
    if (tunnel === undefined) return undefined;
    return { name: tunnel.name, owner: tunnel.owner, ownerName: userName(tunnel.owner), allowScripts: tunnel.options.allowScripts, config: tunnel.config };
  };

  const userName = (uid: number): string => {
    if (uid === 0) return 'root';
    try {
      return (options.accounts ?? loadAddon()).userName(uid) ?? `uid ${uid}`;
    } catch {
      return `uid ${uid}`;
    }
  };

  type Handler<M extends Exclude<ControlMethod, 'subscribe'>> = (params: ControlParams[M], caller: Caller) => Promise<ControlResults[M]>;

  /** A read: judged, then answered at once. */
  const read = <M extends Exclude<ControlMethod, 'subscribe'>>(method: M, handler: Handler<M>): Handler<M> =>
    async (params, caller) => {
      enforce(caller, method, params, subjectOf(params));
      return handler(params, caller);
    };

  /**
   * A change: after the start-up, queued on the tunnels it names, and judged there (so no other change of the
   * same tunnel can come between the judgement and the work).
   */
  const change = <M extends Exclude<ControlMethod, 'subscribe'>>(method: M, names: (params: ControlParams[M]) => string[], handler: Handler<M>): Handler<M> =>
    async (params, caller) => {
      await startedUp;
      if (stopping) throw new ControlFailure('stopping', 'the Warren helper is stopping');
      return locks.run(names(params), async () => {
        enforce(caller, method, params, subjectOf(params));
        return handler(params, caller);
      });
    };

  const named = (params: { name: string }) => [params.name];

  const handlers: ControlHandlers = {
    version: read('version', async () => ({ version: options.version, protocol: CONTROL_PROTOCOL_VERSION })),
    list: read('list', async (_params, caller) => summaries(caller)),
    get: read('get', async ({ name, includePrivateKey }) => {
      const tunnel = stored(name);
      const privateKey = decodeKey(tunnel.config.interface.privateKey)!;
      return {
        name,
        text: includePrivateKey ? tunnel.text : hidePrivateKey(tunnel.text),
        publicKey: encodeKey(publicKeyOf(privateKey)),
        options: tunnel.options,
      };
    }),
    import: change(
      'import',
      ({ files }) => files.flatMap((file) => {
        const name = importName(file);
        return name.ok ? [name.name] : [];
      }),
      async ({ files }, caller) => {
        requireStore();
        const results: ImportResult[] = [];
        for (const file of files) results.push(await importOne(file, caller.uid));
        if (results.some((r) => r.ok)) changed();
        return results;
      },
    ),
    create: change('create', named, async ({ name, text }, caller) => {
      const target = requireStore();
      checkNotRunningFromFile(name);
      const key = generatePrivateKey();
      try {
        const withKey = insertPrivateKey(text ?? '', encodeKey(key));
        if (!withKey.ok) throw new ControlFailure('config', `${name}: ${withKey.error}`);
        await target.add(name, withKey.text, {}, caller.uid).catch(rethrow);
        log.write('info', 'created with a new key pair', name);
        changed();
        return { name, publicKey: encodeKey(publicKeyOf(key)) };
      } finally {
        key.fill(0);
      }
    }),
    update: change('update', named, async ({ name, text }) => {
      const before = stored(name);
      const next = hasHiddenPrivateKey(text) ? restorePrivateKey(text, before.text) : text;
      const after = await requireStore().update(name, next).catch(rethrow);
      const parsed = parseConfig(next);
      const warnings = formatDiagnostics(`${name}.conf`, parsed.warnings);
      log.write('info', 'configuration updated', name);
      if (tunnels.get(name)?.tunnel) {
        log.write('info', 'restarting with the new configuration', name);
        await restartWith(name, after.config, after.options);
      }
      changed();
      return { name, warnings };
    }),
    setOptions: change('setOptions', named, async ({ name, options: changes }) => {
      stored(name);
      const result = await requireStore().setOptions(name, changes).catch(rethrow);
      changed();
      // The kill switch of a running tunnel follows at once: a user who switches "block untunneled traffic" on
      // expects it to hold now, not at the next connect.
      const running = tunnels.get(name)?.tunnel;
      if (running && (changes.blockUntunneled !== undefined || changes.allowBridges !== undefined || changes.excludePrivateIps !== undefined)) {
        await running
          .setKillSwitch({ blockUntunneled: result.blockUntunneled, allowLan: result.excludePrivateIps, allowBridges: result.allowBridges })
          .catch((error: unknown) => {
            throw new ControlFailure('kill-switch', `saved, but the kill switch of the running tunnel could not be changed: ${(error as Error).message}`);
          });
        log.write('info', result.blockUntunneled ? 'kill switch set from the changed options' : 'kill switch removed', name);
      }
      return result;
    }),
    rename: change('rename', ({ name, newName }) => [name, newName], async ({ name, newName }) => {
      stored(name);
      if (tunnels.get(name)?.tunnel) throw new ControlFailure('running', `${name} is up; take it down before renaming it`);
      checkNotRunningFromFile(newName);
      await requireStore().rename(name, newName).catch(rethrow);
      tunnels.forget(name);
      log.write('info', `renamed to ${newName}`, name);
      changed();
      return { name: newName };
    }),
    delete: change('delete', named, async ({ name }) => {
      stored(name);
      if (tunnels.get(name)) await tunnels.stop(name);
      await requireStore().delete(name).catch(rethrow);
      log.write('info', 'deleted', name);
      changed();
      closeIfIdle();
      return { name };
    }),
    up: change('up', named, async (params) => {
      try {
        return params.config === undefined ? await upStored(params.name) : await upFromFile({ ...params, config: params.config });
      } finally {
        closeIfIdle();
      }
    }),
    down: change('down', named, async ({ name }) => {
      const entry = tunnels.get(name);
      try {
        if (entry?.origin !== 'store' && store?.get(name)) {
          throw new ControlFailure('not-found', `${name} is not up`);
        }
        if (!entry) throw new ControlFailure('not-found', `no Warren tunnel named ${name} in this network namespace`);
        if (entry.origin === 'store') await setWantUp(name, false);
        await tunnels.stop(name);
        return { name };
      } finally {
        closeIfIdle();
      }
    }),
    show: read('show', async ({ name }) => {
      if (name === undefined) return tunnels.running().map((t) => t.status());
      const tunnel = tunnels.get(name)?.tunnel;
      if (!tunnel) throw new ControlFailure('not-found', `no Warren tunnel named ${name} is up in this network namespace`);
      return [tunnel.status()];
    }),
    suspend: read('suspend', async () => ({ tunnels: tunnels.suspend() })),
    resume: read('resume', async () => ({ tunnels: await tunnels.resume() })),
    // The newest entries that fit well inside one reply.
    logs: read('logs', async ({ limit }) => log.entries(limit ?? 100, MAX_CONTROL_MESSAGE_BYTES / 2)),
  };

  server = await startControlServer(
    options.socketPath,
    handlers,
    (message) => log.write(message.startsWith('internal error') ? 'error' : 'warn', message),
    { groupName: options.controlGroup, accounts: options.accounts, limits: options.controlLimits },
  );
  log.write('info', `helper ${options.version} listening on ${options.socketPath}${store ? `, tunnels stored in ${store.directory}` : ', tunnels from files only'}`);

  const ready = (async () => {
    const targets = store ? await restoreTargets(store, new BootMarker(runtimeDirectory, namespaceId), log, setWantUp) : [];
    // Before anything else: a kill switch no tunnel will take over blocks the machine for nothing.
    await releaseKillSwitches(options.platform, log, new Set(targets.filter((t) => t.options.blockUntunneled).map((t) => t.name)));
    await recoverLeftovers(journal, options.platform, (level, message, tunnel) => log.write(level, message, tunnel));
    await restore(targets, tunnels);
    // Kept for a tunnel that then failed to come back: it is not restored, so its kill switch goes too.
    await releaseKillSwitches(options.platform, log, new Set(tunnels.running().filter((t) => t.blocking).map((t) => t.name)));
    changed();
  })().finally(() => started());

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

  return { log, tunnels, ready, finished, close };
}

/**
 * What the start-up of a helper with a store brings up: after a restart within this boot, the tunnels meant to be
 * up; after a fresh boot, the autostart ones, which become the ones meant to be up.
 */
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

/**
 * One at a time (two full tunnels must not pick the same free routing table); a tunnel that fails is in state
 * 'error' and the others still come up.
 */
async function restore(targets: readonly StoredTunnel[], tunnels: RunningTunnels): Promise<void> {
  for (const target of targets) {
    try {
      await tunnels.start(target.name, 'store', target.config, target.options);
    } catch {
      // logged, and the tunnel is in state 'error'
    }
  }
}

/** A stored tunnel's endpoint addresses, remembered in the store's state (writes are the store's, atomic). */
function storeEndpointMemory(store: TunnelStore, name: string, log: HelperLog): EndpointMemory {
  return {
    recall: (host) => store.get(name)?.lastResolved[host],
    remember: (host, address) => {
      store.rememberResolved(name, host, address).catch((error: unknown) => {
        log.write('warn', `could not remember the address of ${host}: ${(error as Error).message}`, name);
      });
    },
  };
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

function asControlFailure(error: unknown): ControlFailure {
  if (error instanceof ControlFailure) return error;
  if (error instanceof StoreError) return new ControlFailure(error.code, error.message, error.details);
  return new ControlFailure('store', `the tunnel store failed: ${(error as Error).message}`);
}

function rethrow(error: unknown): never {
  throw asControlFailure(error);
}
