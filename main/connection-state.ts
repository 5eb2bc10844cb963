/*
 * Why main cannot talk to the helper, as the UI shows it: the helper is missing (nothing listens: how to start
 * it), or it refuses this user (which group to join, in the words of shared/ipc/access.ts), or something else.
 */
import { userInfo } from 'node:os';
import { DEFAULT_CONTROL_GROUP, FORBIDDEN, notAllowedMessage } from '../shared/ipc/access.js';
import type { ConnectionState } from '../shared/bridge/types.js';
import { strings } from './strings.js';

export const START_HELPER_HINT = strings.connection.startHint;

/** The state for a failed connect or a lost connection. */
export function connectionStateFor(error: unknown): ConnectionState {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EPIPE':
      return { kind: 'helper-missing', message: strings.connection.notRunning, hint: START_HELPER_HINT };
    case FORBIDDEN:
      return { kind: 'not-allowed', message };
    case 'EACCES':
    case 'EPERM':
      return { kind: 'not-allowed', message: notAllowedMessage(userName(), DEFAULT_CONTROL_GROUP) };
    case 'unavailable':
      // The helper closed the connection (it stopped or restarts): the next attempt tells which.
      return { kind: 'connecting' };
    default:
      return { kind: 'error', message: strings.connection.cannotTalk(message) };
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || `uid ${process.getuid?.() ?? '?'}`;
  }
}
