/*
 * The helper's control socket: one per network namespace (shared/ipc/socket-path.ts). Every connection is
 * authorized first (authorization.ts: root and the control group's members); a refused one gets one 'forbidden'
 * error (id 0) and is closed unread. The socket file is 0660 root:GROUP, or 0600 when there is no such group.
 * Every line is parsed and validated against the shared schema before a handler sees it, and every handler is
 * told who is calling (a Caller); what each caller may do is the handlers' business (access-policy.ts).
 *
 * No client can crash, bloat or stall the helper for the others:
 *  - a malformed message gets an error reply on the same connection (id 0 when it had none); a message over the
 *    size bound ends the connection;
 *  - a reply that cannot be encoded, or would be over the size bound, becomes an error reply; nothing a handler
 *    does (throw, reject, return something odd) escapes as an unhandled rejection;
 *  - per connection, at most `requestsInFlight` requests run at once, and reading stops while more wait or
 *    while the replies written exceed `writeBufferBytes` (a client that sends and never reads holds one
 *    buffer's worth of replies, not one per request);
 *  - connections are bounded per user and in total for members, and so are the characters of members' requests
 *    the helper holds (lines still arriving, waiting, being handled): the connection that takes a member, or all
 *    members, over the bound is told so and closed (pausing it instead could leave a user's own connections
 *    waiting on each other for ever); root is never refused;
 *  - requests of different connections run concurrently: a slow one (a hook, a name lookup) holds up only what
 *    waits for the same tunnel (the helper's own locks), so `list` and `show` answer at once.
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
import { type Frame, LineFramer, encodeFrame } from '../../shared/ipc/framing.js';
import { DEFAULT_CONTROL_GROUP, FORBIDDEN, TOO_MANY_CONNECTIONS } from '../../shared/ipc/access.js';

/** The error code of a connection closed because its user, or all members, sent more than the helper holds. */
const TOO_MUCH = 'too-much';
import { type Accounts, type Caller, authorize, controlGroupId } from './authorization.js';
import { listenUnixSocket, unlinkQuietly } from '../io/unix-socket.js';

export type { Caller } from './authorization.js';

/** The helper's implementation of each method, told who calls; `subscribe` is the server's own. */
export type ControlHandlers = {
  [M in Exclude<ControlMethod, 'subscribe'>]?: (params: ControlParams[M], caller: Caller) => Promise<ControlResults[M]>;
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

/** An event for every subscriber, or one made for each (what it says may depend on who listens). */
export type Broadcast = ControlEvent | ((caller: Caller) => ControlEvent);

export interface ControlServer {
  /** Sends an event to every connection that subscribed. */
  broadcast(event: Broadcast): void;
  /** How many connections subscribed (events are worth building only when someone listens). */
  readonly subscribers: number;
  close(): Promise<void>;
}

export interface ControlLimits {
  /** Connections one member may hold open (the app needs two or three; a terminal or two more). */
  connectionsPerUser: number;
  /** Connections all members together may hold open. */
  connections: number;
  /** Requests of one connection running at once; more wait, unread. */
  requestsInFlight: number;
  /** Reply bytes queued on one connection above which its requests wait (and its reading stops). */
  writeBufferBytes: number;
  /** Characters of requests one member may have held at once, across its connections (three whole messages). */
  bytesPerUser: number;
  /** The same for all members together. */
  bytes: number;
}

export const DEFAULT_CONTROL_LIMITS: ControlLimits = {
  connectionsPerUser: 16,
  connections: 128,
  requestsInFlight: 4,
  writeBufferBytes: 1024 * 1024,
  bytesPerUser: 3 * MAX_CONTROL_MESSAGE_BYTES,
  bytes: 16 * MAX_CONTROL_MESSAGE_BYTES,
};

export interface ControlServerOptions {
  /** Besides root, the members of this group may use the socket (default 'warren'). */
  groupName?: string;
  /** The account look-ups (default: the addon's). */
  accounts?: Accounts;
  limits?: Partial<ControlLimits>;
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
  const limits: ControlLimits = { ...DEFAULT_CONTROL_LIMITS, ...options.limits };
  const connections = new Set<Socket>();
  const subscribers = new Map<Socket, Caller>();
  /** Open member connections, per uid. */
  const members = new Map<number, number>();
  let memberTotal = 0;
  /** Characters of members' requests held, per uid and in all. */
  const heldByUser = new Map<number, number>();
  let heldInAll = 0;
  const hold = (uid: number, delta: number) => {
    const mine = (heldByUser.get(uid) ?? 0) + delta;
    if (mine === 0) heldByUser.delete(uid);
    else heldByUser.set(uid, mine);
    heldInAll += delta;
  };
  /** Why a member holds too much, or null. */
  const overBudget = (caller: Caller): string | null =>
    (heldByUser.get(caller.uid) ?? 0) > limits.bytesPerUser
      ? `user ${caller.username} has more than ${limits.bytesPerUser} characters of requests in the Warren helper at once; send less at a time`
      : heldInAll > limits.bytes
        ? `the Warren helper holds more than ${limits.bytes} characters of its members' requests at once; try again later`
        : null;
  const refusalsLogged = new Map<string, number>();
  const logRefusal = (key: string, text: string) => {
    const now = Date.now();
    if (now - (refusalsLogged.get(key) ?? -Infinity) < REFUSED_LOG_INTERVAL_MS) return;
    if (refusalsLogged.size >= 1024) refusalsLogged.clear();
    refusalsLogged.set(key, now);
    log(text);
  };

  const refuse = (socket: Socket, error: ControlError) => {
    socket.end(encodeFrame({ v: CONTROL_PROTOCOL_VERSION, id: 0, ok: false, error }));
    socket.resume(); // whatever it sent is discarded; its end is noticed
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  };

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
      logRefusal(`forbidden ${access.peer?.uid}`, `refused a control connection from ${who}: ${access.message}`);
      refuse(socket, { code: FORBIDDEN, message: access.message });
      return;
    }
    const { peer: _peer, ok: _ok, ...caller } = access;
    if (!caller.admin) {
      const mine = members.get(caller.uid) ?? 0;
      const over =
        mine >= limits.connectionsPerUser
          ? `user ${caller.username} already has ${mine} connections to the Warren helper open; close some (other Warren windows or commands) and try again`
          : memberTotal >= limits.connections
            ? `the Warren helper already serves ${memberTotal} connections of its group's members; try again later`
            : null;
      if (over !== null) {
        logRefusal(
          `busy ${caller.uid}`,
          `refused a control connection from uid ${caller.uid} (pid ${caller.pid}): ${over}`,
        );
        refuse(socket, { code: TOO_MANY_CONNECTIONS, message: over });
        return;
      }
      members.set(caller.uid, mine + 1);
      memberTotal++;
      socket.once('close', () => {
        const left = (members.get(caller.uid) ?? 1) - 1;
        if (left === 0) members.delete(caller.uid);
        else members.set(caller.uid, left);
        memberTotal--;
      });
    }
    serveConnection(socket, caller);
  });

  const serveConnection = (socket: Socket, caller: Caller) => {
    socket.setEncoding('utf8');
    const framer = new LineFramer();
    /** Frames read but not yet handled: reading stops while there are any, so this holds one chunk's worth. */
    const waiting: Frame[] = [];
    let inFlight = 0;
    /** Characters this connection holds (a line arriving, frames waiting, requests being handled): a member's count. */
    let held = 0;
    const account = (now: number) => {
      if (!caller.admin) hold(caller.uid, now - held);
      held = now;
    };
    let inFlightSize = 0;
    const recount = () =>
      account(framer.pendingLength + waiting.reduce((sum, frame) => sum + frame.size, 0) + inFlightSize);
    /** Closed (by either end) or cut off: nothing more is read, and all it held is released. */
    let done = false;
    socket.once('close', () => {
      done = true;
      waiting.length = 0;
      account(0);
    });

    const reply = (id: number, body: { result: unknown } | { error: ControlError }) => {
      if (!socket.destroyed) socket.write(encodeReply(id, body, log));
    };

    const handle = (frame: Frame) => {
      if (!frame.ok) {
        reply(0, { error: { code: 'invalid-request', message: frame.error } });
        if (frame.error.startsWith('message larger')) socket.destroy();
        return;
      }
      const parsed = controlRequest.safeParse(frame.value);
      if (!parsed.success) {
        const id = typeof (frame.value as { id?: unknown })?.id === 'number' ? (frame.value as { id: number }).id : 0;
        const issue = parsed.error.issues[0];
        const where = issue?.path.map(String).join('.') || 'message';
        reply(Number.isSafeInteger(id) ? id : 0, {
          error: { code: 'invalid-request', message: `${where}: ${issue?.message ?? 'invalid'}` },
        });
        return;
      }
      const request = parsed.data as ControlRequest;
      if (request.v !== CONTROL_PROTOCOL_VERSION) {
        reply(request.id, {
          error: {
            code: 'version',
            message: `protocol version ${request.v} is not supported (this helper speaks ${CONTROL_PROTOCOL_VERSION})`,
          },
        });
        return;
      }
      if (request.method === 'subscribe') {
        subscribers.set(socket, caller);
        reply(request.id, { result: { subscribed: true } });
        return;
      }
      inFlight++;
      inFlightSize += frame.size;
      dispatch(request, caller)
        .then(
          (result) => reply(request.id, { result }),
          (error: unknown) => reply(request.id, { error: describe(error, log) }),
        )
        .catch((error: unknown) => log(`internal error: replying failed: ${String(error)}`))
        .finally(() => {
          inFlight--;
          inFlightSize -= frame.size;
          if (done) return;
          recount();
          pump();
        });
    };

    /** Handles what waits while the limits allow, and reads only when nothing waits. */
    const pump = () => {
      while (
        waiting.length > 0 &&
        inFlight < limits.requestsInFlight &&
        socket.writableLength <= limits.writeBufferBytes &&
        !socket.destroyed
      ) {
        handle(waiting.shift()!);
      }
      if (waiting.length > 0) socket.pause();
      else if (socket.isPaused()) socket.resume();
    };

    socket.on('data', (chunk: string) => {
      if (done) return;
      for (const frame of framer.push(chunk)) waiting.push(frame);
      recount();
      const over = caller.admin ? null : overBudget(caller);
      if (over !== null) {
        logRefusal(
          `bytes ${caller.uid}`,
          `closed a control connection of uid ${caller.uid} (pid ${caller.pid}): ${over}`,
        );
        done = true;
        waiting.length = 0;
        account(0);
        socket.end(
          encodeFrame({ v: CONTROL_PROTOCOL_VERSION, id: 0, ok: false, error: { code: TOO_MUCH, message: over } }),
        );
        socket.destroySoon();
        return;
      }
      pump();
    });
    socket.on('drain', pump);
  };

  const dispatch = async (request: ControlRequest, caller: Caller): Promise<unknown> => {
    const handler = handlers[request.method as Exclude<ControlMethod, 'subscribe'>] as
      ((params: unknown, caller: Caller) => Promise<unknown>) | undefined;
    if (!handler) throw new ControlFailure('unsupported', `this helper does not support ${request.method} yet`);
    return handler(request.params, caller);
  };

  const gid = controlGroupId(groupName, accounts);
  await listenUnixSocket(server, path, gid === null ? 0o600 : 0o660, gid ?? undefined);
  return {
    get subscribers() {
      return subscribers.size;
    },
    broadcast(event) {
      const shared = typeof event === 'function' ? null : encodeFrame({ v: CONTROL_PROTOCOL_VERSION, event });
      // A subscriber that stopped reading is dropped rather than buffered for without bound.
      for (const [socket, caller] of subscribers) {
        if (socket.writableLength > MAX_CONTROL_MESSAGE_BYTES) {
          socket.destroy();
          continue;
        }
        socket.write(
          shared ??
            encodeFrame({ v: CONTROL_PROTOCOL_VERSION, event: (event as (caller: Caller) => ControlEvent)(caller) }),
        );
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

/**
 * A reply as one line. One that JSON cannot encode (too long a string: V8 throws RangeError) or that is over the
 * size bound (the client would refuse it) becomes an error reply, so the client learns what went wrong.
 */
function encodeReply(
  id: number,
  body: { result: unknown } | { error: ControlError },
  log: (message: string) => void,
): string {
  const frame = (content: { result: unknown } | { error: ControlError }) =>
    encodeFrame({ v: CONTROL_PROTOCOL_VERSION, id, ok: 'result' in content, ...content });
  let text: string;
  try {
    text = frame(body);
  } catch (error) {
    log(`internal error: a reply could not be encoded: ${(error as Error)?.message ?? String(error)}`);
    return frame({ error: { code: 'internal', message: 'internal error: the answer could not be encoded' } });
  }
  if (Buffer.byteLength(text) > MAX_CONTROL_MESSAGE_BYTES) {
    return frame({
      error: { code: 'too-large', message: `the answer would be larger than ${MAX_CONTROL_MESSAGE_BYTES} bytes` },
    });
  }
  return text;
}

function describe(error: unknown, log: (message: string) => void): ControlError {
  if (error instanceof ControlFailure) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  let stack: string;
  let message: string;
  try {
    stack = (error as Error)?.stack ?? String(error);
    message = (error as Error)?.message ?? String(error);
  } catch {
    stack = message = 'an error that cannot be shown';
  }
  log(`internal error: ${stack}`);
  return { code: 'internal', message: `internal error: ${message}` };
}
