/*
 * The bridge between Electron's main process and the renderer, declared once. Each entry of BRIDGE is either
 * a call (renderer → main, answered: its arguments are validated in main against the zod tuple, its result
 * type rides along as a phantom) or an event (main → renderer). Everything else is derived from this table:
 *
 *   - the channel names (`channelOf`), handed to the preload at start-up as the manifest;
 *   - main's handlers (`BridgeHandlers`, registered by main/bridge-main.ts, which validates every argument);
 *   - the API the preload exposes as `window.warren` and the renderer's client type (`WarrenApi`):
 *     `warren.setTunnel('home', true)`, `warren.onState((state) => ...)`.
 *
 * The preload (main/preload.cts) is sandboxed and can require nothing but 'electron', so it imports this file
 * for types only and gets the manifest from main with one synchronous message on MANIFEST_CHANNEL.
 */
import { z } from 'zod';
import { onDemandRules, tunnelName } from '../ipc/control.js';
import { CLOSE_ACTIONS, MAX_ARCHIVE_BYTES, NOTIFICATION_LEVELS } from './types.js';
import type {
  AppState,
  ExportSummary,
  ImportOutcome,
  LogLine,
  NetworkView,
  Preferences,
  SaveOutcome,
  EditableTunnel,
  ShowRequest,
  TunnelDetails,
  TunnelQr,
  TunnelSettings,
} from './types.js';

declare const resultType: unique symbol;

export interface CallSpec<Args extends z.ZodTuple, Result> {
  readonly kind: 'call';
  readonly args: Args;
  readonly [resultType]?: Result;
}

export interface EventSpec<Payload> {
  readonly kind: 'event';
  readonly [resultType]?: Payload;
}

/** A call whose arguments are `args` and whose answer is a `Result`. */
function call<Result>() {
  return <Args extends z.ZodTuple>(args: Args): CallSpec<Args, Result> => ({ kind: 'call', args });
}

function event<Payload>(): EventSpec<Payload> {
  return { kind: 'event' };
}

const importFile = z.object({
  /** Shown in errors as FILE:LINE; the tunnel is named after it unless `name` is given. */
  filename: z.string().min(1).max(4096),
  text: z.string().max(1024 * 1024),
  name: tunnelName.optional(),
});

const configText = z.string().max(1024 * 1024);

export const BRIDGE = {
  /** Everything the window shows: the connection to the helper and the tunnels. */
  getState: call<AppState>()(z.tuple([])),
  /** Up (true) or down (false). */
  setTunnel: call<void>()(z.tuple([tunnelName, z.boolean()])),
  /** Files dropped on the window, or pasted text (with a filename such as 'pasted.conf' and a name). */
  importFiles: call<ImportOutcome[]>()(z.tuple([z.array(importFile).max(256)])),
  /** Archives dropped on the window, with their bytes: main unpacks them (bounded) and imports the .conf inside. */
  importArchives: call<ImportOutcome[]>()(
    z.tuple([
      z
        .array(
          z.object({
            filename: z.string().min(1).max(4096),
            data: z.instanceof(Uint8Array).refine((d) => d.byteLength <= MAX_ARCHIVE_BYTES, 'archive too large'),
          }),
        )
        .max(16),
    ]),
  ),
  /** Main opens the file dialog (.conf and .zip); empty when cancelled. */
  importWithDialog: call<ImportOutcome[]>()(z.tuple([])),
  /**
   * Main asks where to save a zip of every stored tunnel this user may read, keys included (another owner's are
   * left out and named); what was written, or null when cancelled. Rejects, before any dialog, when there is none.
   */
  exportAll: call<ExportSummary | null>()(z.tuple([])),
  getPreferences: call<Preferences>()(z.tuple([])),
  /** Changes some preferences; the answer is all of them. */
  setPreferences: call<Preferences>()(
    z.tuple([
      z
        .object({
          startAtLogin: z.boolean(),
          notifications: z.enum(NOTIFICATION_LEVELS),
          closeWindow: z.enum(CLOSE_ACTIONS),
        })
        .partial()
        .strict(),
    ]),
  ),
  /**
   * Quits the app (as the tray's Quit does; GNOME without AppIndicator shows no tray). Tunnels stay as they are:
   * the helper runs them, not the app.
   */
  quit: call<void>()(z.tuple([])),
  /** Try the helper again now instead of at the next backoff step. */
  reconnect: call<void>()(z.tuple([])),

  /** A stored tunnel's text for the editor (its private key replaced by the placeholder) and settings: its owner's. */
  getTunnel: call<EditableTunnel>()(z.tuple([tunnelName])),
  /** A stored tunnel's settings, for the settings pane: anyone may see them (the helper's list carries them). */
  getTunnelSettings: call<TunnelSettings>()(z.tuple([tunnelName])),
  /** The detail view: interface and peers, live while the tunnel runs. */
  getTunnelDetails: call<TunnelDetails>()(z.tuple([tunnelName])),
  /** A new stored tunnel from editor text; a missing PrivateKey line gets a fresh key from the helper. */
  createTunnel: call<SaveOutcome>()(z.tuple([tunnelName, configText])),
  /** New text for a stored tunnel (the placeholder keeps its key); a running tunnel picks it up. */
  updateTunnel: call<SaveOutcome>()(z.tuple([tunnelName, configText])),
  /**
   * Changes some settings; the answer is all of them. Turning scripts on asks for an administrator (polkit's
   * password dialog) unless the app runs as root: the helper lets only an administrator allow them.
   */
  setTunnelSettings: call<TunnelSettings>()(
    z.tuple([
      tunnelName,
      z
        .object({
          startWithSystem: z.boolean(),
          blockUntunneled: z.boolean(),
          allowBridges: z.boolean(),
          allowScripts: z.boolean(),
          excludePrivateIps: z.boolean(),
          /** Whole rules (the helper's check: an SSID list for 'only' and 'except', each SSID once). */
          onDemand: onDemandRules,
        })
        .partial()
        .strict(),
    ]),
  ),
  /** Resolves to the new name. */
  renameTunnel: call<string>()(z.tuple([tunnelName, tunnelName])),
  deleteTunnel: call<void>()(z.tuple([tunnelName])),
  /** Main asks where to save this tunnel's .conf (keys included); the path written, or null when cancelled. */
  exportTunnel: call<string | null>()(z.tuple([tunnelName])),
  /**
   * The tunnel as a QR code for a phone, private key included: its owner's (or an administrator's) only, as an
   * export is. The window asks the user first; the key's text stays in main, the window gets the modules.
   */
  getTunnelQr: call<TunnelQr>()(z.tuple([tunnelName])),
  /**
   * "Sign in to this network": the helper opens a hole in the kill switch for a few minutes so a captive portal's
   * page can be reached; the answer is the network with the hole's end. Refused in the helper's words when no
   * tunnel blocks, there is no network, or NetworkManager is absent.
   */
  openPortalHole: call<NetworkView>()(z.tuple([])),
  /** Signed in: the hole closes now. */
  closePortalHole: call<NetworkView>()(z.tuple([])),
  /** The helper's latest log lines, oldest first. */
  getLogs: call<LogLine[]>()(z.tuple([z.number().int().min(1).max(10_000)])),

  /** Sent whenever the state changes. */
  state: event<AppState>(),
  /** Results of imports the window did not start (a file opened from the file manager). */
  imported: event<ImportOutcome[]>(),
  /** Main asks the window to show a view: the tray's Preferences…, a notification's Show. */
  show: event<ShowRequest>(),
} as const;

export type Bridge = typeof BRIDGE;
export type CallName = {
  [K in keyof Bridge]: Bridge[K] extends CallSpec<z.ZodTuple, unknown> ? K : never;
}[keyof Bridge];
export type EventName = { [K in keyof Bridge]: Bridge[K] extends EventSpec<unknown> ? K : never }[keyof Bridge];

export type CallArgs<K extends CallName> = Bridge[K] extends CallSpec<infer A, unknown> ? z.infer<A> : never;
export type CallResult<K extends CallName> = Bridge[K] extends CallSpec<z.ZodTuple, infer R> ? R : never;
export type EventPayload<K extends EventName> = Bridge[K] extends EventSpec<infer P> ? P : never;

/** Main's side: one handler per call, given the validated arguments. */
export type BridgeHandlers = { [K in CallName]: (...args: CallArgs<K>) => CallResult<K> | Promise<CallResult<K>> };

/** `onState`, `onImported`, ... */
export type EventListenerName<K extends EventName> = `on${Capitalize<K>}`;

/** `window.warren`, as the preload exposes it and the renderer uses it. */
export type WarrenApi = { [K in CallName]: (...args: CallArgs<K>) => Promise<CallResult<K>> } & {
  [K in EventName as EventListenerName<K>]: (listener: (payload: EventPayload<K>) => void) => () => void;
};

/** The channel a call or event travels on. */
export function channelOf(name: keyof Bridge): string {
  return `warren:${name}`;
}

/** The one channel not derived from BRIDGE: the preload's synchronous request for the manifest. */
export const MANIFEST_CHANNEL = 'warren:manifest';

/** What the preload needs to build WarrenApi: each API key with its channel. */
export interface BridgeManifest {
  calls: { key: CallName; channel: string }[];
  events: { key: EventListenerName<EventName>; channel: string }[];
}

export function bridgeManifest(): BridgeManifest {
  const names = Object.keys(BRIDGE) as (keyof Bridge)[];
  return {
    calls: names
      .filter((n): n is CallName => BRIDGE[n].kind === 'call')
      .map((key) => ({ key, channel: channelOf(key) })),
    events: names
      .filter((n): n is EventName => BRIDGE[n].kind === 'event')
      .map((name) => ({
        key: `on${name.charAt(0).toUpperCase()}${name.slice(1)}` as EventListenerName<EventName>,
        channel: channelOf(name),
      })),
  };
}
