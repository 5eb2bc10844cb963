/*
 * The helper's control protocol: the one schema the CLI, Electron's main process and the helper all use.
 * Each method is declared once in METHODS (its params and its result); the request union, the handler types
 * and the client's typed calls are all derived from that table.
 *
 * Newline-delimited JSON over a unix stream socket. Every message is validated (zod) on arrival and bounded in
 * size, so a broken or hostile message gets an error reply, never a crash. Versioned: a request names the
 * protocol version it speaks and the helper refuses versions it does not know.
 *
 *   request   {v, id, method, params}
 *   response  {v, id, ok: true, result} | {v, id, ok: false, error}
 *   event     {v, event}        pushed to connections that called `subscribe`
 */
import { z } from 'zod';
import { TUNNEL_NAME_RULE, isValidTunnelName } from '../config/interface-name.js';

export const CONTROL_PROTOCOL_VERSION = 1;
/** Largest message either side accepts (an import carries whole config files; a status, many peers). */
export const MAX_CONTROL_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Largest single config text accepted (the parser's own bound is lower; this bounds the message). */
const MAX_CONFIG_TEXT = 1024 * 1024;

export const tunnelName = z.string().refine(isValidTunnelName, `tunnel names are ${TUNNEL_NAME_RULE}`);

// ---- shared shapes ----

/** Most SSIDs one on-demand list holds. */
export const MAX_ON_DEMAND_SSIDS = 64;

/**
 * A Wi-Fi network's name as Warren shows and matches it: the SSID's bytes as UTF-8, or, for an SSID that is
 * not UTF-8, each byte that is not printable ASCII written \xNN (platform/linux/network-manager.ts). Up to 32
 * bytes on the air; 128 characters once escaped.
 */
export const ssid = z
  .string()
  .min(1, 'an SSID is never empty')
  .max(128, 'an SSID has at most 32 bytes')
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  .regex(/^[^\x00-\x1f\x7f]+$/, 'an SSID holds no control characters (write them \\xNN)');

/**
 * When the helper brings a tunnel up and takes it down by itself, from the network the machine is on (as
 * WireGuard's macOS and iOS apps do). Off when neither Ethernet nor Wi-Fi activates it. On a network that
 * activates it the tunnel comes up; on one that does not (a wired network without `ethernet`, a trusted Wi-Fi)
 * it goes down; on other kinds of network (mobile broadband, ...) and without a network it is left as it is.
 * A switch by hand wins until the next network change (daemon/on-demand-rules.ts holds the decision).
 */
export const onDemandRules = z
  .object({
    /** Bring it up on a wired network (Ethernet, and VLANs or bonds over it). */
    ethernet: z.boolean(),
    /**
     * On Wi-Fi: never; on any network; only on the networks in `ssids`; or on all networks except those in
     * `ssids` (the trusted ones, where it goes down).
     */
    wifi: z.enum(['never', 'any', 'only', 'except']),
    /** The SSIDs 'only' and 'except' name; kept while another mode is chosen, so switching back loses nothing. */
    ssids: z.array(ssid).max(MAX_ON_DEMAND_SSIDS),
  })
  .refine((rules) => new Set(rules.ssids).size === rules.ssids.length, {
    message: 'each SSID is listed once',
    path: ['ssids'],
  })
  .refine((rules) => (rules.wifi !== 'only' && rules.wifi !== 'except') || rules.ssids.length > 0, {
    message: "Wi-Fi 'only' and 'except' need at least one SSID",
    path: ['ssids'],
  });
export type OnDemandRules = z.infer<typeof onDemandRules>;

/** The rules of a tunnel that has none: it goes up and down by hand (and at boot with autostart) only. */
export function onDemandOff(): OnDemandRules {
  return { ethernet: false, wifi: 'never', ssids: [] };
}

/** Whether the rules bring the tunnel up anywhere at all (otherwise on-demand is off for it). */
export function onDemandEnabled(rules: OnDemandRules | undefined): boolean {
  return rules !== undefined && (rules.ethernet || rules.wifi !== 'never');
}

/** Per-tunnel options kept in the store's state file. */
export const tunnelOptions = z.object({
  /** Bring it up when the helper starts (at boot). */
  autostart: z.boolean(),
  /** Kill switch: while up, traffic that does not go through the tunnel is dropped. */
  blockUntunneled: z.boolean(),
  /** Let bridges (docker0, virbr0, ...) through the kill switch, for VMs and containers. */
  allowBridges: z.boolean(),
  /** Run PreUp/PostUp/PreDown/PostDown (off by default: a config file is not a licence to run code as root). */
  allowScripts: z.boolean(),
  /** Replace 0.0.0.0/0 by the public IPv4 space so the LAN stays reachable. */
  excludePrivateIps: z.boolean(),
  /**
   * Connect on demand, by network. The helper always sends it (onDemandOff() when none were set); optional in
   * the schema so that clients written before it still type their literals.
   */
  onDemand: onDemandRules.optional(),
});
export type TunnelOptions = z.infer<typeof tunnelOptions>;

/** What on-demand makes of a tunnel on the network of now, for the window and `warren list`. */
export const onDemandStatus = z.object({
  /** What its rules want here: up, down, or nothing (no network, a kind of network the rules leave alone). */
  wants: z.enum(['up', 'down']).nullable(),
  /** Someone switched it by hand on this network: the rules wait for the next network change. */
  overridden: z.boolean(),
  /** In words: "up: Wi-Fi “Café” is not a trusted network", "down: switched by hand until the network changes". */
  reason: z.string(),
});
export type OnDemandStatus = z.infer<typeof onDemandStatus>;

export const tunnelState = z.enum(['down', 'connecting', 'up', 'reconnecting', 'error']);
export type TunnelState = z.infer<typeof tunnelState>;

export const tunnelSummary = z.object({
  name: z.string(),
  state: tunnelState,
  /** 'store': kept in the helper's store; 'file': brought up from a file with `warren up FILE`, not stored. */
  origin: z.enum(['store', 'file']),
  options: tunnelOptions,
  /** Why the state is 'error', in words for the user. */
  error: z.string().optional(),
  /** A stored tunnel's owner: the user who created or imported it ('root' for an administrator's). */
  owner: z.string().optional(),
  /**
   * Whether the user asking may read and change it (edit, settings, rename, delete, export): its owner or an
   * administrator. Anyone in the group may switch it on and off.
   */
  canChange: z.boolean(),
  /** A stored tunnel with on-demand rules: on-demand is in charge of it (unless `overridden`). */
  onDemand: onDemandStatus.optional(),
});
export type TunnelSummary = z.infer<typeof tunnelSummary>;

export const connectivity = z.enum(['unknown', 'none', 'portal', 'limited', 'full']);
export type Connectivity = z.infer<typeof connectivity>;

/** The network the machine is on, as the helper knows it from NetworkManager. */
export const networkStatus = z.object({
  /** Whether NetworkManager answers on the system bus. On-demand and "Sign in to this network" need it. */
  networkManager: z.boolean(),
  /** Why it does not, in words for the user. */
  unavailable: z.string().optional(),
  /** The connection the machine reaches the internet through (NetworkManager's primary connection). */
  primary: z
    .object({
      kind: z.enum(['wifi', 'ethernet', 'other']),
      /** The connection's name in NetworkManager ("Home", "Wired connection 1"). */
      name: z.string(),
      /** Its interface (wlan0), when it has one. */
      device: z.string().nullable(),
      /** The Wi-Fi network's name, for Wi-Fi (null for a hidden one NetworkManager has no name for). */
      ssid: ssid.nullable(),
    })
    .nullable(),
  /** NetworkManager's connectivity check: 'portal' is a captive portal's sign-in page in the way. */
  connectivity,
  /**
   * A captive portal was reported on this network and not yet passed. It stays set after NetworkManager's
   * checks go 'limited' (a kill switch blocks them too), until the network changes or the check says 'full'.
   */
  portal: z.boolean(),
  /** The hole in the kill switch for signing in, while it is open. */
  portalHole: z
    .object({
      /** Unix ms when it closes by itself. */
      until: z.number(),
      /** Who opened it (a user name). */
      openedBy: z.string(),
      /** The interface it lets traffic out of. */
      device: z.string(),
    })
    .nullable(),
});
export type NetworkStatus = z.infer<typeof networkStatus>;

/** How long the sign-in hole stays open at most, and by default. */
export const MAX_PORTAL_HOLE_SECONDS = 600;
export const DEFAULT_PORTAL_HOLE_SECONDS = 300;

export const peerStatus = z.object({
  publicKey: z.string(),
  endpoint: z.string().nullable(),
  allowedIps: z.array(z.string()),
  /** Unix ms of the latest handshake, 0 for never. */
  latestHandshake: z.number(),
  rxBytes: z.number(),
  txBytes: z.number(),
  persistentKeepalive: z.number(),
  /** Whether the peer has session keys now (false after suspend, before the first handshake, after expiry). */
  hasSession: z.boolean(),
  /** Packets dropped, by reason (only reasons with a count). */
  drops: z.record(z.string(), z.number()),
  /** Why the peer seems not to work, when something looks wrong (shared/diagnosis/peer-diagnosis.ts). */
  diagnosis: z.object({ kind: z.string(), summary: z.string(), hints: z.array(z.string()) }).optional(),
});
export type PeerStatus = z.infer<typeof peerStatus>;

export const tunnelStatus = z.object({
  name: z.string(),
  publicKey: z.string().nullable(),
  listenPort: z.number(),
  fwmark: z.number(),
  peers: z.array(peerStatus),
  /** Warnings from bringing it up (hooks not run, ...). */
  warnings: z.array(z.string()),
  /** Drops not attributable to a peer (malformed datagrams, packets to nobody, ...). */
  drops: z.record(z.string(), z.number()).optional(),
});
export type TunnelStatus = z.infer<typeof tunnelStatus>;

export const logEntry = z.object({
  time: z.number(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  tunnel: z.string().optional(),
});
export type LogEntry = z.infer<typeof logEntry>;

/** The outcome of importing one file: its tunnel's name, or its errors as FILE:LINE: message lines. */
export const importResult = z.object({
  filename: z.string(),
  ok: z.boolean(),
  name: z.string().optional(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type ImportResult = z.infer<typeof importResult>;

export const controlError = z.object({
  /** Stable, for programs: 'invalid-request', 'forbidden', 'config', 'exists', 'not-found', 'up-failed', ... */
  code: z.string(),
  message: z.string(),
  /** For 'config': the FILE:LINE: message lines. */
  details: z.array(z.string()).optional(),
});
export type ControlError = z.infer<typeof controlError>;

// ---- the methods ----

const empty = z.object({});
const nameOnly = z.object({ name: tunnelName });
const configText = z.string().max(MAX_CONFIG_TEXT);

export const METHODS = {
  version: { params: empty, result: z.object({ version: z.string(), protocol: z.number() }) },
  list: { params: empty, result: z.array(tunnelSummary) },
  /** A stored tunnel's config text; the private key is replaced by a placeholder unless asked for. */
  get: {
    params: z.object({ name: tunnelName, includePrivateKey: z.boolean().optional() }),
    result: z.object({ name: z.string(), text: z.string(), publicKey: z.string(), options: tunnelOptions }),
  },
  /** Many files at once; each is judged on its own and the valid ones are stored. */
  import: {
    params: z.object({
      files: z
        .array(z.object({ filename: z.string().max(4096), text: configText, name: tunnelName.optional() }))
        .max(256),
    }),
    result: z.array(importResult),
  },
  /** A new tunnel with a fresh keypair; `text` (without PrivateKey) may give the rest. */
  create: {
    params: z.object({ name: tunnelName, text: configText.optional() }),
    result: z.object({ name: z.string(), publicKey: z.string() }),
  },
  /** New config text for a stored tunnel; a running tunnel picks it up. A PrivateKey placeholder keeps the key. */
  update: {
    params: z.object({ name: tunnelName, text: configText }),
    result: z.object({ name: z.string(), warnings: z.array(z.string()) }),
  },
  setOptions: { params: z.object({ name: tunnelName, options: tunnelOptions.partial() }), result: tunnelOptions },
  rename: { params: z.object({ name: tunnelName, newName: tunnelName }), result: z.object({ name: z.string() }) },
  delete: { params: nameOnly, result: z.object({ name: z.string() }) },
  /**
   * Up a stored tunnel by name, or (with `config`) a transient one from a file's text that is never stored,
   * as `warren up FILE` does.
   */
  up: {
    params: z.object({
      name: tunnelName,
      config: configText.optional(),
      /** Shown in errors as FILE:LINE. */
      source: z.string().max(4096).optional(),
      allowScripts: z.boolean().optional(),
      /** For a file's tunnel: the kill switch (tunnelOptions.blockUntunneled). */
      blockUntunneled: z.boolean().optional(),
      /** For a file's tunnel: tunnelOptions.excludePrivateIps. */
      excludePrivateIps: z.boolean().optional(),
    }),
    result: tunnelStatus,
  },
  down: { params: nameOnly, result: z.object({ name: z.string() }) },
  show: { params: z.object({ name: tunnelName.optional() }), result: z.array(tunnelStatus) },
  suspend: { params: empty, result: z.object({ tunnels: z.number() }) },
  resume: { params: empty, result: z.object({ tunnels: z.number() }) },
  logs: { params: z.object({ limit: z.number().int().min(1).max(10_000).optional() }), result: z.array(logEntry) },
  /** The network the machine is on (network events say when it changes). */
  network: { params: empty, result: networkStatus },
  /**
   * "Sign in to this network": for a few minutes the kill switch lets DNS to the network's own gateway and
   * resolvers, and HTTP and HTTPS, out of the primary connection's interface, so a captive portal's page can be
   * reached; it closes by itself (daemon/portal-hole.ts). Opening it again moves the end.
   */
  openPortalHole: {
    params: z.object({ seconds: z.number().int().min(30).max(MAX_PORTAL_HOLE_SECONDS).optional() }),
    result: networkStatus,
  },
  /** Closes the sign-in hole before its time ("I have signed in"). */
  closePortalHole: { params: empty, result: networkStatus },
  /** From now on this connection also receives events. */
  subscribe: { params: empty, result: z.object({ subscribed: z.literal(true) }) },
} as const;

export type ControlMethod = keyof typeof METHODS;
export type ControlParams = { [M in ControlMethod]: z.infer<(typeof METHODS)[M]['params']> };
export type ControlResults = { [M in ControlMethod]: z.infer<(typeof METHODS)[M]['result']> };

const requestVariants = (Object.keys(METHODS) as ControlMethod[]).map((method) =>
  z.object({
    v: z.number().int(),
    id: z.number().int().min(1),
    method: z.literal(method),
    params: METHODS[method].params,
  }),
);
export const controlRequest = z.discriminatedUnion(
  'method',
  requestVariants as unknown as [z.ZodObject, ...z.ZodObject[]],
);
export type ControlRequest = {
  [M in ControlMethod]: { v: number; id: number; method: M; params: ControlParams[M] };
}[ControlMethod];

export const resultSchemas: { [M in ControlMethod]: z.ZodType<ControlResults[M]> } = Object.fromEntries(
  (Object.keys(METHODS) as ControlMethod[]).map((m) => [m, METHODS[m].result]),
) as unknown as { [M in ControlMethod]: z.ZodType<ControlResults[M]> };

// ---- events ----

export const controlEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tunnels'), tunnels: z.array(tunnelSummary) }),
  z.object({ type: z.literal('status'), status: z.array(tunnelStatus) }),
  z.object({ type: z.literal('log'), entry: logEntry }),
  z.object({ type: z.literal('network'), network: networkStatus }),
]);
export type ControlEvent = z.infer<typeof controlEvent>;

export const controlResponse = z.union([
  z.object({ v: z.number(), id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({ v: z.number(), id: z.number(), ok: z.literal(false), error: controlError }),
  z.object({ v: z.number(), event: controlEvent }),
]);
export type ControlResponse = z.infer<typeof controlResponse>;
