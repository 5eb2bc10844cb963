/*
 * The helper's control protocol: the one schema the CLI, Electron's main process and the helper all use.
 * Newline-delimited JSON over a unix stream socket; every message is validated against these schemas (zod) on
 * arrival and bounded in size, so a broken or hostile message is an error reply, never a crash.
 * Versioned: a request names the protocol version it speaks; the helper refuses versions it does not know.
 */
import { z } from 'zod';

export const CONTROL_PROTOCOL_VERSION = 1;
/** Largest message either side accepts (a request carries whole config files; a status, many peers). */
export const MAX_CONTROL_MESSAGE_BYTES = 1024 * 1024;

const tunnelName = z.string().regex(/^[a-zA-Z0-9_=+.-]{1,15}$/, 'interface names are 1-15 of a-z A-Z 0-9 _ = + . -');

export const upParams = z.object({
  name: tunnelName,
  /** The wg-quick text: clients send contents, the helper never reads a path on a client's behalf. */
  config: z.string().max(MAX_CONTROL_MESSAGE_BYTES),
  /** Shown in errors as FILE:LINE. */
  source: z.string().max(4096).optional(),
  allowScripts: z.boolean().optional(),
});

export const nameParams = z.object({ name: tunnelName });
export const showParams = z.object({ name: tunnelName.optional() });

export const controlRequest = z.discriminatedUnion('method', [
  z.object({ v: z.number().int(), id: z.number().int(), method: z.literal('up'), params: upParams }),
  z.object({ v: z.number().int(), id: z.number().int(), method: z.literal('down'), params: nameParams }),
  z.object({ v: z.number().int(), id: z.number().int(), method: z.literal('show'), params: showParams }),
  z.object({ v: z.number().int(), id: z.number().int(), method: z.literal('suspend'), params: z.object({}) }),
  z.object({ v: z.number().int(), id: z.number().int(), method: z.literal('resume'), params: z.object({}) }),
  z.object({ v: z.number().int(), id: z.number().int(), method: z.literal('version'), params: z.object({}) }),
]);
export type ControlRequest = z.infer<typeof controlRequest>;
export type ControlMethod = ControlRequest['method'];

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
});
export type PeerStatus = z.infer<typeof peerStatus>;

export const tunnelStatus = z.object({
  name: z.string(),
  publicKey: z.string().nullable(),
  listenPort: z.number(),
  fwmark: z.number(),
  peers: z.array(peerStatus),
  /** Packets the device dropped, by reason (only reasons with a count): the peers' drops and those no peer
   *  could be blamed for (garbage, unknown receiver indices, bad MACs), which only show here. */
  drops: z.record(z.string(), z.number()),
  /** Warnings from bringing it up (hooks not run, ...). */
  warnings: z.array(z.string()),
});
export type TunnelStatus = z.infer<typeof tunnelStatus>;

export const controlError = z.object({
  /** Stable, for programs: 'invalid-request', 'config', 'exists', 'not-found', 'platform', 'internal', ... */
  code: z.string(),
  message: z.string(),
  /** For 'config': the FILE:LINE: message lines. */
  details: z.array(z.string()).optional(),
});
export type ControlError = z.infer<typeof controlError>;

export const controlResponse = z.union([
  z.object({ v: z.number(), id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({ v: z.number(), id: z.number(), ok: z.literal(false), error: controlError }),
]);
export type ControlResponse = z.infer<typeof controlResponse>;

/** What each method answers with. */
export interface ControlResults {
  up: TunnelStatus;
  down: { name: string };
  show: TunnelStatus[];
  suspend: { tunnels: number };
  resume: { tunnels: number };
  version: { version: string; protocol: number };
}

export const resultSchemas = {
  up: tunnelStatus,
  down: z.object({ name: z.string() }),
  show: z.array(tunnelStatus),
  suspend: z.object({ tunnels: z.number() }),
  resume: z.object({ tunnels: z.number() }),
  version: z.object({ version: z.string(), protocol: z.number() }),
} satisfies { [M in ControlMethod]: z.ZodType<ControlResults[M]> };
