/*
 * The helper's control socket: one per network namespace (shared/ipc/socket-path.ts). Every connection is
 * authorized first (authorization.ts: root and the control group's members); a refused one gets one 'forbidden'
 * error (id 0) and is closed unread. The socket file is 0660 root:GROUP, or 0600 when there is no such group.
 * Every line is parsed and validated against the shared schema before a handler sees it; a malformed message
 * gets an error reply on the same connection (id 0 when it had none), a message over the size bound ends the
 * connection. Handlers run one at a time per helper, so two clients can never interleave an up and a down of
 * the same tunnel.
 */
import { type Socket, createServer } from 'node:net';
import {
  CONTROL_PROTOCOL_VERSION,
  MAX_CONTROL_MESSAGE_BYTES,
  type ControlError,
  type ControlEvent,
  type ControlMethod,
  type ControlParams,
  type ControlRequest,
  type ControlResults,
  controlRequest,
} from '../../shared/ipc/control.js';
import { LineFramer, encodeFrame } from '../../shared/ipc/framing.js';
import { DEFAULT_CONTROL_GROUP, FORBIDDEN } from '../../shared/ipc/access.js';
import { type Accounts, authorize, controlGroupId } from './authorization.js';
import { listenUnixSocket, unlinkQuietly } from './unix-socket.js';

/** The helper's implementation of each method; `subscribe` is the server's own. */
export type ControlHandlers = {
  [M in Exclude<ControlMethod, 'subscribe'>]?: (params: ControlParams[M]) => Promise<ControlResults[M]>;
};

/** A failure a handler reports to the client as is (code and message), as opposed to a bug. */
export class ControlFailure extends Error {
  readonly code: string;
  readonly details: string[] | undefined;

  constructor(code: string, message: string, details?: string[]) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export interface ControlServer {
  /** Sends an event to every connection that subscribed. */
  broadcast(event: ControlEvent): void;
  /** How many connections subscribed (events are worth building only when someone listens). */
  readonly subscribers: number;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  /** Besides root, the members of this group may use the socket (default 'warren'). */
  groupName?: string;
  /** The account look-ups (default: the addon's). */
  accounts?: Accounts;
}

/** How long a refused connection may take to read its answer before it is cut. */
const REFUSED_LINGER_MS = 1000;
/** A refused uid is logged once per this interval, so a loop of connections cannot fill the log. */
const REFUSED_LOG_INTERVAL_MS = 60_000;

export async function startControlServer(
  path: string,
  handlers: ControlHandlers,
  log: (message: string) => void = () => {},
  options: ControlServerOptions = {},
): Promise<ControlServer> {
  const groupName = options.groupName ?? DEFAULT_CONTROL_GROUP;
  const accounts = options.accounts;
  const connections = new Set<Socket>();
  const subscribers = new Set<Socket>();
  const refusalsLogged = new Map<number | undefined, number>();
  const logRefusal = (uid: number | undefined, text: string) => {
    const now = Date.now();
    if (now - (refusalsLogged.get(uid) ?? -Infinity) < REFUSED_LOG_INTERVAL_MS) return;
    if (refusalsLogged.size >= 1024) refusalsLogged.clear();
    refusalsLogged.set(uid, now);
    log(text);
  };
  let queue: Promise<void> = Promise.resolve();

  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      connections.delete(socket);
      subscribers.delete(socket);
    });
    const access = authorize(socket, { groupName, accounts });
    if (!access.ok) {
      const who = access.peer ? `uid ${access.peer.uid} (pid ${access.peer.pid})` : 'an unknown peer';
      logRefusal(access.peer?.uid, `refused a control connection from ${who}: ${access.message}`);
      const error: ControlError = { code: FORBIDDEN, message: access.message };
      socket.end(encodeFrame({ v: CONTROL_PROTOCOL_VERSION, id: 0, ok: false, error }));
      socket.resume(); // whatever it sent is discarded; its end is noticed
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      return;
    }
    socket.setEncoding('utf8');
    const framer = new LineFramer();
    const reply = (id: number, body: { result: unknown } | { error: ControlError }) => {
      if (!socket.destroyed) socket.write(encodeFrame({ v: CONTROL_PROTOCOL_VERSION, id, ok: 'result' in body, ...body }));
    };
    socket.on('data', (chunk: string) => {
      for (const frame of framer.push(chunk)) {
        if (!frame.ok) {
          reply(0, { error: { code: 'invalid-request', message: frame.error } });
          if (frame.error.startsWith('message larger')) socket.destroy();
          continue;
        }
        const parsed = controlRequest.safeParse(frame.value);
        if (!parsed.success) {
          const id = typeof (frame.value as { id?: unknown })?.id === 'number' ? (frame.value as { id: number }).id : 0;
          const issue = parsed.error.issues[0];
          reply(id, { error: { code: 'invalid-request', message: `${issue.path.join('.') || 'message'}: ${issue.message}` } });
          continue;
        }
        const request = parsed.data as ControlRequest;
        if (request.v !== CONTROL_PROTOCOL_VERSION) {
          reply(request.id, { error: { code: 'version', message: `protocol version ${request.v} is not supported (this helper speaks ${CONTROL_PROTOCOL_VERSION})` } });
          continue;
        }
        if (request.method === 'subscribe') {
          subscribers.add(socket);
          reply(request.id, { result: { subscribed: true } });
          continue;
        }
        queue = queue.then(() => dispatch(request).then(
          (result) => reply(request.id, { result }),
          (error: unknown) => reply(request.id, { error: describe(error, log) }),
        ));
      }
    });
  });

  const dispatch = async (request: ControlRequest): Promise<unknown> => {
    const handler = handlers[request.method as Exclude<ControlMethod, 'subscribe'>] as ((params: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw new ControlFailure('unsupported', `this helper does not support ${request.method} yet`);
    return handler(request.params);
  };

  const gid = controlGroupId(groupName, accounts);
  await listenUnixSocket(server, path, gid === null ? 0o600 : 0o660, gid ?? undefined);
  return {
    get subscribers() {
      return subscribers.size;
    },
    broadcast(event) {
      const frame = encodeFrame({ v: CONTROL_PROTOCOL_VERSION, event });
      // A subscriber that stopped reading is dropped rather than buffered for without bound.
      for (const socket of subscribers) {
        if (socket.writableLength > MAX_CONTROL_MESSAGE_BYTES) socket.destroy();
        else socket.write(frame);
      }
    },
    async close() {
      // end(), not destroy(): a reply written just before (say, to the `down` that emptied the helper) still goes out.
      for (const socket of connections) {
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      unlinkQuietly(path);
    },
  };
}

function describe(error: unknown, log: (message: string) => void): ControlError {
  if (error instanceof ControlFailure) return { code: error.code, message: error.message, details: error.details };
  log(`internal error: ${(error as Error)?.stack ?? String(error)}`);
  return { code: 'internal', message: `internal error: ${(error as Error)?.message ?? String(error)}` };
}
