/*
 * A client of the helper's control socket, used by the CLI and by Electron's main process. Requests are
 * matched to responses by id; every response is validated against the method's result schema before use.
 * An error with id 0 concerns the connection, not a call (the helper refused this user: 'forbidden', then
 * closes): every pending call gets it, and so does every call made after the connection closed.
 */
import { type Socket, connect } from 'node:net';
import { userInfo } from 'node:os';
import { DEFAULT_CONTROL_GROUP, FORBIDDEN, notAllowedMessage } from './access.js';
import {
  CONTROL_PROTOCOL_VERSION,
  type ControlError,
  type ControlEvent,
  type ControlMethod,
  type ControlParams,
  type ControlResults,
  controlResponse,
  resultSchemas,
} from './control.js';
import { LineFramer, encodeFrame } from './framing.js';

/** An error the helper answered with (code and message from it), or a transport failure ('unavailable'). */
export class ControlCallError extends Error {
  readonly code: string;
  readonly details: string[];

  constructor(error: ControlError) {
    super(error.message);
    this.code = error.code;
    this.details = error.details ?? [];
  }
}

export class ControlClient {
  private readonly socket: Socket;
  private readonly framer = new LineFramer();
  private nextId = 1;
  private readonly listeners = new Set<(event: ControlEvent) => void>();
  private readonly closeListeners = new Set<(error: ControlCallError) => void>();
  private readonly pending = new Map<
    number,
    { method: ControlMethod; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  /** The helper's last id-0 error: why it is closing the connection. */
  private connectionError: ControlCallError | undefined;
  /** Set once the connection closed: what every later call is rejected with. */
  private closedWith: ControlCallError | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => {
      const closedWith =
        this.connectionError ??
        new ControlCallError({ code: 'unavailable', message: 'the helper closed the connection' });
      this.closedWith = closedWith;
      this.failAll(closedWith);
      for (const listener of this.closeListeners) listener(closedWith);
    });
    socket.on('error', () => {});
  }

  /**
   * Connects; rejects with the socket error (ENOENT, ECONNREFUSED) when the helper is not there, and with a
   * 'forbidden' ControlCallError when the socket file refuses this user (EACCES).
   */
  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const fail = (error: Error) => reject(connectFailure(error));
      socket.once('connect', () => {
        socket.off('error', fail);
        resolve(new ControlClient(socket));
      });
      socket.once('error', fail);
    });
  }

  /** Events arrive after a `subscribe` call. */
  onEvent(listener: (event: ControlEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Once, when the connection is gone (the helper stopped, crashed or refused us), with what later calls are
   * rejected with; at once if it already is.
   */
  onClose(listener: (error: ControlCallError) => void): () => void {
    if (this.closedWith) {
      listener(this.closedWith);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  call<M extends ControlMethod>(method: M, params: ControlParams[M]): Promise<ControlResults[M]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(encodeFrame({ v: CONTROL_PROTOCOL_VERSION, id, method, params }));
    });
  }

  close(): void {
    this.socket.end();
  }

  private receive(chunk: string): void {
    for (const frame of this.framer.push(chunk)) {
      const parsed = frame.ok ? controlResponse.safeParse(frame.value) : null;
      if (!parsed?.success) {
        this.connectionError = new ControlCallError({
          code: 'protocol',
          message: 'the helper sent a malformed response',
        });
        this.failAll(this.connectionError);
        this.socket.destroy();
        return;
      }
      const response = parsed.data;
      if ('event' in response) {
        for (const listener of this.listeners) listener(response.event);
        continue;
      }
      const waiter = this.pending.get(response.id);
      if (!waiter) {
        if (!response.ok && response.id === 0) {
          this.connectionError = new ControlCallError(response.error);
          this.failAll(this.connectionError);
        }
        continue;
      }
      this.pending.delete(response.id);
      if (!response.ok) {
        waiter.reject(new ControlCallError(response.error));
        continue;
      }
      const result = resultSchemas[waiter.method].safeParse(response.result);
      if (result.success) waiter.resolve(result.data);
      else waiter.reject(new ControlCallError({ code: 'protocol', message: `malformed ${waiter.method} result` }));
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/**
 * A connect() error as the caller should see it: EACCES means the socket file (0660 root:warren) refused this
 * user, whose session lacks the group, and becomes the 'forbidden' error the helper itself would have answered.
 */
export function connectFailure(error: Error, user?: string): Error {
  if ((error as NodeJS.ErrnoException).code !== 'EACCES') return error;
  return new ControlCallError({
    code: FORBIDDEN,
    message: notAllowedMessage(user ?? currentUserName(), DEFAULT_CONTROL_GROUP),
  });
}

function currentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // a uid with no account
    return process.env.USER || `uid ${process.getuid?.() ?? '?'}`;
  }
}
