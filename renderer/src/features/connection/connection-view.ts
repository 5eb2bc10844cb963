// How each connection state reads in the window: a headline, what to do about it, and whether retrying helps.
import type { ConnectionState } from '../../../../shared/bridge/types.js';
import { strings } from '../../lib/strings.js';

const t = strings.connection;

export interface ConnectionView {
  tone: 'ok' | 'waiting' | 'problem';
  /** Short, for the status chip. */
  label: string;
  /** For the banner; absent when all is well. */
  title?: string;
  detail?: string;
  /** A command to run, shown as code. */
  command?: string;
  canRetry: boolean;
}

export function connectionView(connection: ConnectionState): ConnectionView {
  switch (connection.kind) {
    case 'connected':
      return { tone: 'ok', label: t.connected(connection.helperVersion), canRetry: false };
    case 'connecting':
      return { tone: 'waiting', label: t.connecting, canRetry: false };
    case 'helper-missing':
      return {
        tone: 'problem',
        label: t.helperMissing,
        title: connection.message,
        detail: pointAtCommand(connection.hint),
        ...commandIn(connection.hint),
        canRetry: true,
      };
    case 'not-allowed':
      return {
        tone: 'problem',
        label: t.notAllowed,
        title: t.notAllowedTitle,
        detail: pointAtCommand(connection.message),
        ...commandIn(connection.message),
        canRetry: true,
      };
    case 'error':
      return { tone: 'problem', label: t.unreachableLabel, title: connection.message, canRetry: true };
  }
}

/** The message with its `command` replaced by a pointer to where the command is shown; capitalised. */
function pointAtCommand(text: string): string {
  const pointed = text.replace(/`[^`]+`/, () => t.commandBelow).replace(/`([^`]*)`/g, '$1');
  // charAt: an empty message stays empty rather than failing the whole view.
  return pointed.charAt(0).toUpperCase() + pointed.slice(1);
}

/** The first `backquoted` command in a message, to show on its own line. */
function commandIn(text: string): { command?: string } {
  const command = /`([^`]+)`/.exec(text)?.[1];
  return command ? { command } : {};
}
