/*
 * The helper of one network namespace: the control socket and the tunnels it runs. `warren up` starts one in
 * the background when none is running (it then exits when its last tunnel goes down, so `warren down` leaves
 * nothing behind); `warren daemon` runs one in the foreground, as a service manager wants.
 */
import { existsSync } from 'node:fs';
import { formatDiagnostic } from '../../shared/config/diagnostics.js';
import { parseConfig } from '../../shared/config/parse.js';
import { CONTROL_PROTOCOL_VERSION, type TunnelStatus } from '../../shared/ipc/control.js';
import type { CryptoPrimitives } from '../crypto/primitives.js';
import type { Platform } from '../platform/types.js';
import { ControlFailure, type ControlServer, startControlServer } from './control-server.js';
import { Tunnel } from './tunnel.js';

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
  log?: (message: string) => void;
}

export interface HelperService {
  readonly tunnels: ReadonlyMap<string, Tunnel>;
  /** Resolves when the helper has stopped (close(), or idle with exitWhenIdle). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

export async function startHelperService(options: HelperOptions): Promise<HelperService> {
  const log = options.log ?? (() => {});
  const tunnels = new Map<string, Tunnel>();
  let server: ControlServer | null = null;
  let stopping: Promise<void> | null = null;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const close = (): Promise<void> => {
    stopping ??= (async () => {
      for (const tunnel of [...tunnels.values()].reverse()) {
        try {
          await tunnel.close();
        } catch (error) {
          log((error as Error).message);
        }
      }
      tunnels.clear();
      await server?.close();
      finish();
    })();
    return stopping;
  };
  // Deferred, so the reply to the request that emptied the helper is written before the socket closes.
  const closeIfIdle = () => {
    if (options.exitWhenIdle && tunnels.size === 0) setImmediate(() => void close());
  };

  server = await startControlServer(
    options.socketPath,
    {
      async up(params) {
        // Stored tunnels arrive with the store (the helper-service issue); for now a tunnel comes from a file's text.
        if (params.config === undefined) throw new ControlFailure('not-found', `no stored tunnel named ${params.name}`);
        const parsed = parseConfig(params.config);
        const source = params.source ?? params.name;
        if (!parsed.ok) {
          closeIfIdle();
          throw new ControlFailure('config', `${source} is not a valid configuration`, parsed.errors.map((e) => formatDiagnostic(source, e)));
        }
        if (tunnels.has(params.name) || existsSync(`/sys/class/net/${params.name}`)) {
          closeIfIdle();
          throw new ControlFailure('exists', `an interface named ${params.name} already exists`);
        }
        let tunnel: Tunnel;
        try {
          tunnel = await Tunnel.start({
            name: params.name,
            config: parsed.config,
            platform: options.platform,
            crypto: options.crypto,
            allowScripts: params.allowScripts,
            uapiDirectory: options.uapiDirectory,
            log,
            onStopped: () => {
              tunnels.delete(params.name);
              closeIfIdle();
            },
          });
        } catch (error) {
          closeIfIdle();
          throw new ControlFailure('up-failed', `${params.name}: ${(error as Error).message}`);
        }
        tunnels.set(params.name, tunnel);
        log(`${params.name}: up`);
        return tunnel.status();
      },
      async down(params) {
        const tunnel = tunnels.get(params.name);
        if (!tunnel) throw new ControlFailure('not-found', `no Warren tunnel named ${params.name} in this network namespace`);
        tunnels.delete(params.name);
        try {
          await tunnel.close();
        } finally {
          log(`${params.name}: down`);
          closeIfIdle();
        }
        return { name: params.name };
      },
      async show(params) {
        if (params.name === undefined) return [...tunnels.values()].map((t) => t.status());
        const tunnel = tunnels.get(params.name);
        if (!tunnel) throw new ControlFailure('not-found', `no Warren tunnel named ${params.name} in this network namespace`);
        return [tunnel.status()] satisfies TunnelStatus[];
      },
      async suspend() {
        for (const tunnel of tunnels.values()) tunnel.suspend();
        log(`suspend: keys of ${tunnels.size} tunnel(s) dropped`);
        return { tunnels: tunnels.size };
      },
      async resume() {
        for (const tunnel of tunnels.values()) tunnel.resume();
        log(`resume: ${tunnels.size} tunnel(s) handshaking again`);
        return { tunnels: tunnels.size };
      },
      async version() {
        return { version: options.version, protocol: CONTROL_PROTOCOL_VERSION };
      },
    },
    log,
    { groupName: options.controlGroup },
  );
  return { tunnels, finished, close };
}
