/*
 * Main's one connection to the helper's control socket. It connects, checks the protocol (version), subscribes
 * to events, and from then on hears at once when the connection closes (a helper that stops or crashes closes
 * it); a check every few seconds catches a helper that hangs without closing. When the helper is missing, refuses us, or goes away, the
 * state says why (connection-state.ts) and a new attempt follows with a backoff (doubling, capped), so a
 * helper that restarts is found again by itself. Main holds nothing of a tunnel's keys here: each call carries
 * what it needs and returns.
 */
import { ControlClient } from '../shared/ipc/control-client.js';
import type { ControlEvent, ControlMethod, ControlParams, ControlResults } from '../shared/ipc/control.js';
import { CONTROL_PROTOCOL_VERSION } from '../shared/ipc/control.js';
import { controlSocketPath } from '../shared/ipc/socket-path.js';
import type { ConnectionState } from '../shared/bridge/types.js';
import { connectionStateFor } from './connection-state.js';
import { strings } from './strings.js';

/** What main needs of a ControlClient. */
export interface HelperClient {
  call<M extends ControlMethod>(method: M, params: ControlParams[M]): Promise<ControlResults[M]>;
  onEvent(listener: (event: ControlEvent) => void): () => void;
  /** When the connection closes, with why. */
  onClose(listener: (error: Error) => void): () => void;
  close(): void;
}

/** The calls main makes, whoever answers them (a HelperConnection, a fake in tests). */
export interface HelperCalls {
  call<M extends ControlMethod>(method: M, params: ControlParams[M]): Promise<ControlResults[M]>;
}

export interface HelperConnectionOptions {
  /** Default: ControlClient.connect to this namespace's socket (shared/ipc/socket-path.ts). */
  connect?: () => Promise<HelperClient>;
  /** First retry delay, doubled after each failure up to maxRetryMs. */
  initialRetryMs?: number;
  maxRetryMs?: number;
  /** How often a connected helper is checked (for a hung one: a closed connection is heard at once). */
  heartbeatMs?: number;
}

class NotConnectedError extends Error {
  readonly code = 'unavailable';
}

export class HelperConnection implements HelperCalls {
  private readonly connectHelper: () => Promise<HelperClient>;
  private readonly initialRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly heartbeatMs: number;
  private client: HelperClient | null = null;
  private current: ConnectionState = { kind: 'connecting' };
  private retryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private attempt: Promise<void> | null = null;
  private stopped = true;
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly eventListeners = new Set<(event: ControlEvent) => void>();
  private readonly connectedListeners = new Set<() => void>();

  constructor(options: HelperConnectionOptions = {}) {
    this.connectHelper = options.connect ?? (() => ControlClient.connect(controlSocketPath()));
    this.initialRetryMs = options.initialRetryMs ?? 500;
    this.maxRetryMs = options.maxRetryMs ?? 10_000;
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.retryMs = this.initialRetryMs;
  }

  get state(): ConnectionState {
    return this.current;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The helper's events (after the subscribe main makes on each connection). */
  onEvent(listener: (event: ControlEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called on every (re)connection, when the caller should fetch the full picture again. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tryConnect();
  }

  /** Try now instead of at the next backoff step. */
  retryNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.client) return Promise.resolve();
    this.clearTimer();
    this.retryMs = this.initialRetryMs;
    return this.tryConnect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.client?.close();
    this.client = null;
  }

  call<M extends ControlMethod>(method: M, params: ControlParams[M]): Promise<ControlResults[M]> {
    const client = this.client;
    if (!client) return Promise.reject(new NotConnectedError(this.describe()));
    return client.call(method, params).catch((error: unknown) => {
      if (isConnectionLoss(error)) this.lost(client, error);
      throw error;
    });
  }

  private describe(): string {
    const state = this.current;
    if (state.kind === 'helper-missing') return `${state.message} ${state.hint}`;
    if (state.kind === 'not-allowed' || state.kind === 'error') return state.message;
    return strings.connection.notConnectedYet;
  }

  private tryConnect(): Promise<void> {
    this.attempt ??= this.connectOnce().finally(() => (this.attempt = null));
    return this.attempt;
  }

  private async connectOnce(): Promise<void> {
    let client: HelperClient | null = null;
    try {
      client = await this.connectHelper();
      const { version, protocol } = await client.call('version', {});
      if (protocol !== CONTROL_PROTOCOL_VERSION) {
        throw new Error(strings.connection.protocolMismatch(protocol, CONTROL_PROTOCOL_VERSION));
      }
      client.onEvent((event) => {
        for (const listener of this.eventListeners) listener(event);
      });
      await client.call('subscribe', {});
      if (this.stopped) {
        client.close();
        return;
      }
      this.client = client;
      this.retryMs = this.initialRetryMs;
      this.setState({ kind: 'connected', helperVersion: version });
      for (const listener of this.connectedListeners) listener();
      this.scheduleHeartbeat(client);
      const connected = client;
      connected.onClose((error) => this.lost(connected, error));
    } catch (error) {
      client?.close();
      if (this.stopped) return;
      const state = connectionStateFor(error);
      // A closed connection at this point is the helper going away; until it answers again, it is missing.
      this.setState(
        state.kind === 'connecting'
          ? connectionStateFor(Object.assign(new Error('closed'), { code: 'ECONNREFUSED' }))
          : state,
      );
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    this.clearTimer();
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.maxRetryMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tryConnect();
    }, delay);
    this.timer.unref?.();
  }

  private scheduleHeartbeat(client: HelperClient): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      client.call('version', {}).then(
        () => {
          if (this.client === client) this.scheduleHeartbeat(client);
        },
        (error: unknown) => this.lost(client, error),
      );
    }, this.heartbeatMs);
    this.timer.unref?.();
  }

  /** The connection broke: say why, and look for the helper again at once (a restart is quick). */
  private lost(client: HelperClient, error: unknown): void {
    if (this.client !== client || this.stopped) return;
    this.client = null;
    client.close();
    this.setState(connectionStateFor(error));
    this.retryMs = this.initialRetryMs;
    // Look again at once (a restart is quick), but from a fresh task: this may run inside the attempt that
    // just connected, which must finish before the next one starts.
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tryConnect();
    }, 0);
    this.timer.unref?.();
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'unavailable' || code === 'protocol' || code === 'forbidden';
}
