/*
 * Main's end of the bridge (shared/bridge/schema.ts): one ipcMain handler per call, and the manifest the
 * preload asks for. Every message is checked before anything runs: its sender must be our window's
 * webContents showing our page (isTrustedSender), and its arguments must match the call's schema. A refused
 * or malformed message rejects the renderer's promise with a short reason; the handler never sees it.
 */
import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import {
  BRIDGE,
  type BridgeHandlers,
  type CallName,
  type EventName,
  type EventPayload,
  MANIFEST_CHANNEL,
  bridgeManifest,
  channelOf,
} from '../shared/bridge/schema.js';

/** The part of ipcMain the bridge uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
}

/** Whether a message may be answered; see main/security.ts. */
export type SenderCheck = (event: { sender: unknown; senderFrame: { url: string } | null }) => boolean;

export function registerBridge(ipc: IpcMainLike, handlers: BridgeHandlers, trusted: SenderCheck): void {
  ipc.on(MANIFEST_CHANNEL, (event) => {
    event.returnValue = trusted(event) ? bridgeManifest() : { calls: [], events: [] };
  });
  for (const name of Object.keys(BRIDGE) as (keyof typeof BRIDGE)[]) {
    const spec = BRIDGE[name];
    if (spec.kind !== 'call') continue;
    const callName = name as CallName;
    ipc.handle(channelOf(callName), async (event, ...args) => {
      if (!trusted(event)) throw new Error(`${callName}: refused, the message does not come from Warren's window`);
      const parsed = spec.args.safeParse(args);
      if (!parsed.success) throw new Error(`${callName}: invalid arguments`);
      const handler = handlers[callName] as (...a: unknown[]) => unknown;
      return handler(...(parsed.data as unknown[]));
    });
  }
}

/** Sends an event to the window (nothing when it is gone). */
export function sendEvent<K extends EventName>(
  contents: Pick<WebContents, 'send' | 'isDestroyed'> | null,
  name: K,
  payload: EventPayload<K>,
): void {
  if (contents && !contents.isDestroyed()) contents.send(channelOf(name), payload);
}
