// How each connection state reads in the window: a headline, what to do about it, and whether retrying helps.
import type { ConnectionState } from '../../../../shared/bridge/types.js';

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
      return { tone: 'ok', label: `Helper ${connection.helperVersion}`, canRetry: false };
    case 'connecting':
      return { tone: 'waiting', label: 'Connecting…', canRetry: false };
    case 'helper-missing':
      return {
        tone: 'problem',
        label: 'Helper not running',
        title: connection.message,
        detail: pointAtCommand(connection.hint),
        ...commandIn(connection.hint),
        canRetry: true,
      };
    case 'not-allowed':
      return {
        tone: 'problem',
        label: 'Not allowed',
        title: 'Warren’s helper does not accept this user.',
        detail: pointAtCommand(connection.message),
        ...commandIn(connection.message),
        canRetry: true,
      };
    case 'error':
      return { tone: 'problem', label: 'Helper unreachable', title: connection.message, canRetry: true };
  }
}

/** The message with its `command` replaced by a pointer to where the command is shown; capitalised. */
function pointAtCommand(text: string): string {
  const pointed = text.replace(/`[^`]+`/, 'the command below').replace(/`([^`]*)`/g, '$1');
  // charAt: an empty message stays empty rather than failing the whole view.
  return pointed.charAt(0).toUpperCase() + pointed.slice(1);
}

/** The first `backquoted` command in a message, to show on its own line. */
function commandIn(text: string): { command?: string } {
  const command = /`([^`]+)`/.exec(text)?.[1];
  return command ? { command } : {};
}
