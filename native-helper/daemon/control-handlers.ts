/*
 * The helper's answer to each control method, for one caller. Every request is first judged against who makes
 * it (access-policy.ts). Reads answer at once. Changes wait for the start-up, then queue on the tunnels they
 * name (tunnel-locks.ts) and are judged there, so nothing else can change the same tunnel between the judgement
 * and the work, while a slow change of one tunnel (a hook, a name lookup) holds up no other tunnel.
 *
 * A tunnel from a file (`up` with `config`) is held in memory only, never written to the store. The store's
 * wantUp follows `up` and `down` of stored tunnels, so a restart brings back the ones that were up. On-demand
 * (on-demand.ts) switches stored tunnels through these same handlers, and hears of every switch of one, under
 * its lock: a switch by hand holds until the network changes.
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
  type NetworkStatus,
  type TunnelOptions,
} from '../../shared/ipc/control.js';
import { generatePrivateKey, publicKeyOf } from '../crypto/keypair.js';
import { StoreError, type TunnelStore, defaultTunnelOptions } from '../store/index.js';
import { type Subject, enforce } from './access-policy.js';
import type { Caller } from './authorization.js';
import { ControlFailure, type ControlHandlers } from './control-server.js';
import type { HelperLog } from './helper-log.js';
import type { OnDemand } from './on-demand.js';
import type { RunningTunnels } from './running-tunnels.js';
import type { TunnelLocks } from './tunnel-locks.js';
import { tunnelSummaries } from './tunnel-summaries.js';

export interface HandlerContext {
  version: string;
  /** The routing table names the system knows, for the parser's `Table = NAME` check (the platform's). */
  routeTableNames: () => Promise<readonly string[]>;
  /** Null for a helper of files only (`warren up FILE` started it). */
  store: TunnelStore | null;
  tunnels: RunningTunnels;
  log: HelperLog;
  locks: TunnelLocks;
  /** Resolves once the start-up is done: changes wait for it. */
  startedUp: Promise<void>;
  /** Whether the helper is stopping: changes are refused then. */
  stopping: () => boolean;
  /** The list of tunnels changed (subscribers get an event). */
  changed: () => void;
  /** A tunnel went: a helper of files only exits with its last one. */
  closeIfIdle: () => void;
  /** Records whether a stored tunnel should be up after a restart; never rejects. */
  setWantUp: (name: string, wantUp: boolean) => Promise<void>;
  /** A uid's user name, for owners. */
  userName: (uid: number) => string;
  /** On-demand, for a helper with a store: told of switches, of changed rules, and asked for its status. */
  onDemand?: Pick<OnDemand, 'status' | 'rulesChanged' | 'before' | 'after'>;
  /** The network and the sign-in hole; without it, `network` says the helper does not follow the network. */
  network?: NetworkControl;
}

/** What the `network`, `openPortalHole` and `closePortalHole` methods reach (helper-service.ts wires it). */
export interface NetworkControl {
  status(): NetworkStatus;
  /** Rejects with a ControlFailure saying why not. */
  openPortalHole(user: string, seconds?: number): Promise<void>;
  closePortalHole(user: string): Promise<boolean>;
}

const NOT_FOLLOWED: NetworkStatus = {
  networkManager: false,
  unavailable: 'this helper does not follow the network',
  primary: null,
  connectivity: 'unknown',
  portal: false,
  portalHole: null,
};

const NO_STORE =
  'this helper holds tunnels from files only (`warren up FILE` started it); stored tunnels need the Warren service: ' +
  '`sudo systemctl start warren` or `sudo warren daemon`, once the tunnels from files are down';

export function controlHandlers(context: HandlerContext): ControlHandlers {
  const { store, tunnels, log, locks, startedUp, changed, closeIfIdle, setWantUp, userName, onDemand } = context;
  const summaries = (caller: Caller) =>
    tunnelSummaries(store, tunnels, caller, userName, onDemand && ((name) => onDemand.status(name)));

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
      throw new ControlFailure(
        'exists',
        `a tunnel named ${name} runs from a file; take it down first or choose another name`,
      );
    }
  };

  const upStored = async (name: string, caller: Caller) => {
    const tunnel = stored(name);
    checkNotRunningFromFile(name);
    onDemand?.before(name, true, caller);
    const entry = await tunnels.start(name, 'store', tunnel.config, tunnel.options);
    await setWantUp(name, true);
    onDemand?.after(name, true, caller);
    return entry.tunnel!.status();
  };

  const upFromFile = async (params: ControlParams['up'] & { config: string }) => {
    const source = displayName(params.source ?? params.name);
    const parsed = parseConfig(params.config, { routeTableNames: await context.routeTableNames() });
    if (!parsed.ok)
      throw new ControlFailure(
        'config',
        `${source} is not a valid configuration`,
        formatDiagnostics(source, parsed.errors),
      );
    if (store?.get(params.name)) {
      throw new ControlFailure(
        'exists',
        `a stored tunnel is named ${params.name}: bring it up with \`warren up ${params.name}\`, or give the file another name`,
      );
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
  const importName = (
    file: ControlParams['import']['files'][number],
  ): { ok: true; name: string } | { ok: false; error: string } =>
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
    const parsed = parseConfig(file.text, { routeTableNames: await context.routeTableNames() });
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
      throw new ControlFailure(
        'up-failed',
        `the new configuration is stored, but the tunnel did not come back up with it (${(error as Error).message})`,
      );
    }
  };

  /** The stored tunnel a request names, as the access policy sees it. */
  const subjectOf = (params: object): Subject | undefined => {
    const name = (params as { name?: unknown }).name;
    const tunnel = typeof name === 'string' ? store?.get(name) : undefined;
    if (tunnel === undefined) return undefined;
    return {
      name: tunnel.name,
      owner: tunnel.owner,
      ownerName: userName(tunnel.owner),
      allowScripts: tunnel.options.allowScripts,
      config: tunnel.config,
    };
  };

  type Handler<M extends Exclude<ControlMethod, 'subscribe'>> = (
    params: ControlParams[M],
    caller: Caller,
  ) => Promise<ControlResults[M]>;

  /** A read: judged, then answered at once. */
  const read =
    <M extends Exclude<ControlMethod, 'subscribe'>>(method: M, handler: Handler<M>): Handler<M> =>
    async (params, caller) => {
      enforce(caller, method, params, subjectOf(params));
      return handler(params, caller);
    };

  /**
   * A change: after the start-up, queued on the tunnels it names, and judged there (so no other change of the
   * same tunnel can come between the judgement and the work).
   */
  const change =
    <M extends Exclude<ControlMethod, 'subscribe'>>(
      method: M,
      names: (params: ControlParams[M]) => string[],
      handler: Handler<M>,
    ): Handler<M> =>
    async (params, caller) => {
      await startedUp;
      if (context.stopping()) throw new ControlFailure('stopping', 'the Warren helper is stopping');
      return locks.run(names(params), async () => {
        enforce(caller, method, params, subjectOf(params));
        return handler(params, caller);
      });
    };

  const named = (params: { name: string }) => [params.name];

  const handlers: ControlHandlers = {
    version: read('version', async () => ({ version: context.version, protocol: CONTROL_PROTOCOL_VERSION })),
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
      ({ files }) =>
        files.flatMap((file) => {
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
      // Queued: on-demand's switch waits for this request to let go of the tunnel's lock.
      if (changes.onDemand !== undefined) onDemand?.rulesChanged(name);
      // The kill switch of a running tunnel follows at once: a user who switches "block untunneled traffic" on
      // expects it to hold now, not at the next connect.
      const running = tunnels.get(name)?.tunnel;
      if (
        running &&
        (changes.blockUntunneled !== undefined ||
          changes.allowBridges !== undefined ||
          changes.excludePrivateIps !== undefined)
      ) {
        await running
          .setKillSwitch({
            blockUntunneled: result.blockUntunneled,
            allowLan: result.excludePrivateIps,
            allowBridges: result.allowBridges,
          })
          .catch((error: unknown) => {
            throw new ControlFailure(
              'kill-switch',
              `saved, but the kill switch of the running tunnel could not be changed: ${(error as Error).message}`,
            );
          });
        log.write(
          'info',
          result.blockUntunneled ? 'kill switch set from the changed options' : 'kill switch removed',
          name,
        );
      }
      return result;
    }),
    rename: change(
      'rename',
      ({ name, newName }) => [name, newName],
      async ({ name, newName }) => {
        stored(name);
        if (tunnels.get(name)?.tunnel)
          throw new ControlFailure('running', `${name} is up; take it down before renaming it`);
        checkNotRunningFromFile(newName);
        await requireStore().rename(name, newName).catch(rethrow);
        tunnels.forget(name);
        log.write('info', `renamed to ${newName}`, name);
        changed();
        return { name: newName };
      },
    ),
    delete: change('delete', named, async ({ name }) => {
      stored(name);
      if (tunnels.get(name)) await tunnels.stop(name);
      await requireStore().delete(name).catch(rethrow);
      log.write('info', 'deleted', name);
      changed();
      closeIfIdle();
      return { name };
    }),
    up: change('up', named, async (params, caller) => {
      try {
        return params.config === undefined
          ? await upStored(params.name, caller)
          : await upFromFile({ ...params, config: params.config });
      } finally {
        closeIfIdle();
      }
    }),
    down: change('down', named, async ({ name }, caller) => {
      const entry = tunnels.get(name);
      try {
        if (entry?.origin !== 'store' && store?.get(name)) {
          throw new ControlFailure('not-found', `${name} is not up`);
        }
        if (!entry) throw new ControlFailure('not-found', `no Warren tunnel named ${name} in this network namespace`);
        if (entry.origin === 'store') {
          onDemand?.before(name, false, caller);
          await setWantUp(name, false);
        }
        await tunnels.stop(name);
        if (entry.origin === 'store') onDemand?.after(name, false, caller);
        return { name };
      } finally {
        closeIfIdle();
      }
    }),
    show: read('show', async ({ name }) => {
      if (name === undefined) return tunnels.running().map((t) => t.status());
      const tunnel = tunnels.get(name)?.tunnel;
      if (!tunnel)
        throw new ControlFailure('not-found', `no Warren tunnel named ${name} is up in this network namespace`);
      return [tunnel.status()];
    }),
    suspend: read('suspend', async () => ({ tunnels: tunnels.suspend() })),
    resume: read('resume', async () => ({ tunnels: await tunnels.resume() })),
    // The newest entries that fit well inside one reply.
    logs: read('logs', async ({ limit }) => log.entries(limit ?? 100, MAX_CONTROL_MESSAGE_BYTES / 2)),
    network: read('network', async () => context.network?.status() ?? NOT_FOLLOWED),
    openPortalHole: read('openPortalHole', async ({ seconds }, caller) => {
      const network = context.network;
      if (network === undefined) throw new ControlFailure('no-network-manager', NOT_FOLLOWED.unavailable!);
      if (context.stopping()) throw new ControlFailure('stopping', 'the Warren helper is stopping');
      await network.openPortalHole(caller.username, seconds);
      return network.status();
    }),
    closePortalHole: read('closePortalHole', async (_params, caller) => {
      const network = context.network;
      if (network === undefined) return NOT_FOLLOWED;
      await network.closePortalHole(caller.username);
      return network.status();
    }),
  };

  return handlers;
}

function asControlFailure(error: unknown): ControlFailure {
  if (error instanceof ControlFailure) return error;
  if (error instanceof StoreError) return new ControlFailure(error.code, error.message, error.details);
  return new ControlFailure('store', `the tunnel store failed: ${(error as Error).message}`);
}

function rethrow(error: unknown): never {
  throw asControlFailure(error);
}
