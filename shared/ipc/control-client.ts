/*
 * A client of the helper's control socket, used by the CLI and by Electron's main process. Requests are
 * matched to responses by id; every response is validated against the method's result schema before use.
 */
import { type Socket, connect } from 'node:net';
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
  private readonly pending = new Map<number, { method: ControlMethod; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => this.failAll(new ControlCallError({ code: 'unavailable', message: 'the helper closed the connection' })));
    socket.on('error', () => {});
  }

  /** Connects; rejects with the socket error (ENOENT, ECONNREFUSED, EACCES) when the helper is not there. */
  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new ControlClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Events arrive after a `subscribe` call. */
  onEvent(listener: (event: ControlEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  call<M extends ControlMethod>(method: M, params: ControlParams[M]): Promise<ControlResults[M]> {
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
        this.failAll(new ControlCallError({ code: 'protocol', message: 'the helper sent a malformed response' }));
        this.socket.destroy();
        return;
      }
      const response = parsed.data;
      if ('event' in response) {
        for (const listener of this.listeners) listener(response.event);
        continue;
      }
      const waiter = this.pending.get(response.id);
      if (!waiter) continue;
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
