/*
 * Who may use the control socket, checked on every connection: root; the helper's own user (who could attach a
 * debugger to it anyway; in production that is root too); and the members of one group ('warren' unless
 * configured). The peer's uid and gid are the kernel's record of connect() (SO_PEERCRED); its membership is what
 * the account databases say NOW, not the groups its session started with (native-helper/addon/src/peercred.c
 * says why). Everyone else is refused with a message that says how to get access; whatever cannot be checked
 * is refused. The socket file's mode (0660 root:GROUP) is defence in depth: this is the gate.
 */
import type { Socket } from 'node:net';
import { notAllowedMessage } from '../../shared/ipc/access.js';
import { type NativeIo, type PeerCredentials, loadAddon } from '../io/addon.js';

/** The account look-ups the check needs (the addon's; tests may pass their own). */
export type Accounts = Pick<NativeIo, 'peerCredentials' | 'groupMembership' | 'userName' | 'groupId'>;

export interface AuthorizeOptions {
  groupName: string;
  accounts?: Accounts;
}

/**
 * Who sent a request, as the control server hands it to every handler: the kernel's record of the connecting
 * process and what the account databases said of it when it connected. `admin` is root (or the helper's own
 * user); everyone else let in is a member of the control group. What each may do is access-policy.ts's.
 */
export interface Caller {
  uid: number;
  gid: number;
  pid: number;
  username: string;
  /** Every group the user is in (the account databases' answer), its primary one included. */
  groups: readonly number[];
  admin: boolean;
}

export type Authorization =
  ({ ok: true; peer: PeerCredentials } & Caller) | { ok: false; message: string; peer?: PeerCredentials };

/** Judges the process at the other end of socket, a connection the control server just accepted. */
export function authorize(socket: Socket, options: AuthorizeOptions): Authorization {
  const fd = socketDescriptor(socket);
  if (fd === null) return { ok: false, message: 'the Warren helper cannot tell who is connecting, so it refuses' };
  let accounts: Accounts;
  let peer: PeerCredentials;
  try {
    accounts = options.accounts ?? loadAddon();
    peer = accounts.peerCredentials(fd);
  } catch (error) {
    return { ok: false, message: `the Warren helper cannot tell who is connecting (${reason(error)}), so it refuses` };
  }
  return judge(peer, options.groupName, accounts);
}

/** The decision for a peer whose credentials are known; helperUid is the helper's own effective uid. */
export function judge(
  peer: PeerCredentials,
  groupName: string,
  accounts: Accounts,
  helperUid: number | undefined = process.geteuid?.(),
): Authorization {
  const privileged = peer.uid === 0 || peer.uid === helperUid;
  let username: string | null = null;
  try {
    username = accounts.userName(peer.uid);
  } catch (error) {
    if (!privileged)
      return {
        ok: false,
        peer,
        message: `the Warren helper cannot look up uid ${peer.uid} (${reason(error)}), so it refuses`,
      };
  }
  if (privileged) {
    let groups: number[] = [peer.gid];
    try {
      groups = accounts.groupMembership(peer.uid, peer.gid);
    } catch {
      // root needs no group to be let in; its groups are only for the record
    }
    return {
      ok: true,
      peer,
      uid: peer.uid,
      gid: peer.gid,
      pid: peer.pid,
      username: username ?? `uid ${peer.uid}`,
      groups,
      admin: true,
    };
  }
  if (username === null) {
    return {
      ok: false,
      peer,
      message: `uid ${peer.uid} is not allowed to control Warren: it has no user account, and only root and members of the ${groupName} group may`,
    };
  }
  try {
    const gid = accounts.groupId(groupName);
    if (gid === null) return { ok: false, peer, message: notAllowedMessage(username, groupName, false) };
    const groups = accounts.groupMembership(peer.uid, peer.gid);
    if (groups.includes(gid))
      return { ok: true, peer, uid: peer.uid, gid: peer.gid, pid: peer.pid, username, groups, admin: false };
  } catch (error) {
    return {
      ok: false,
      peer,
      message: `the Warren helper cannot check whether user ${username} is in the ${groupName} group (${reason(error)}), so it refuses`,
    };
  }
  return { ok: false, peer, message: notAllowedMessage(username, groupName) };
}

/** The group's gid for the socket file, or null (root only) when there is no such group or it cannot be read. */
export function controlGroupId(groupName: string, accounts?: Accounts): number | null {
  try {
    return (accounts ?? loadAddon()).groupId(groupName);
  } catch {
    return null;
  }
}

/**
 * The descriptor under a node:net Socket. Node has no public API for it: on Linux (and other Unixes) a unix-socket
 * connection's `_handle` is libuv's Pipe wrap, whose `fd` is the descriptor (-1 once closed). If that ever
 * moves, this returns null and the connection is refused: failing closed, never open.
 */
export function socketDescriptor(socket: Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : null;
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String((error as Error | null)?.message ?? error);
}

/** A uid's user name as messages and lists show it: 'root', the account's name, or `uid N` for none. */
export function userNameOf(uid: number, accounts?: Accounts): string {
  if (uid === 0) return 'root';
  try {
    return (accounts ?? loadAddon()).userName(uid) ?? `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
}
