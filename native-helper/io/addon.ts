// The contract of the warren_io native addon (native-helper/addon/) and where to find it. Only the addon-backed
// Tun and Bind, and the control socket's authorization, use this; everything else goes through their interfaces.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrnoError } from './errno-error.js';

declare const handleKind: unique symbol;
/** An opaque, type-tagged reference to a descriptor the addon owns. */
export type TunHandle = { readonly [handleKind]: 'tun' };
export type UdpHandle = { readonly [handleKind]: 'udp' };

/** Memory the addon's reader fills; JS allocates it once, at start, and the addon keeps it alive while started. */
export interface NativeSlot {
  readonly buffer: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly endpoints?: Uint8Array;
}

/** `count` entries of the slot are filled; an error (count 0) when the reader stopped for good. */
export type NativeBatchCallback = (count: number, error: ErrnoError | undefined) => void;

export interface TunStats {
  reads: number;
  packets: number;
  gsoFrames: number;
  checksumsFinished: number;
  dropped: number;
  batches: number;
  /** Packets the kernel took from writeBatch, merged or not. */
  written: number;
  /** Write system calls: one per packet that went alone, one per super-packet. */
  writeCalls: number;
  /** Super-packets written (segments of one TCP/UDP flow merged, gso-coalesce.c), and the packets in them. */
  groFrames: number;
  groPackets: number;
  /** Super-packets the kernel refused, written again packet by packet; merging stops after the first. */
  groFallbacks: number;
}

/** What gsoCoalesce did with a batch (see gso-coalesce.h). */
export interface CoalesceResult {
  /** Frames (vnet header and packet) placed in `out`. */
  frames: number;
  written: number;
  calls: number;
  superPackets: number;
  merged: number;
  fallbacks: number;
}

export interface UdpInfo {
  port: number;
  gso: boolean;
  gro: boolean;
  mark: number;
  receiveBuffer: number;
  sendBuffer: number;
}

export interface UdpStats {
  recvCalls: number;
  received: number;
  groMessages: number;
  receiveDropped: number;
  receiveErrors: number;
  batches: number;
  sent: number;
  gsoMessages: number;
  gsoFallbacks: number;
  /** Datagrams resent without the local address their record named: it was no longer the host's. */
  unsourced: number;
}

/** The process at the other end of a unix socket, as the kernel recorded it at connect() (SO_PEERCRED). */
export interface PeerCredentials {
  /** 0 when the peer is in a pid namespace this one cannot see. */
  pid: number;
  uid: number;
  /** Its effective gid. */
  gid: number;
}

/** TUNSETOFFLOAD bits, as reported in `offloads`. */
export const TUN_F_CSUM = 0x01;
export const TUN_F_TSO4 = 0x02;
export const TUN_F_TSO6 = 0x04;
export const TUN_F_USO4 = 0x20;
export const TUN_F_USO6 = 0x40;

export interface NativeIo {
  readonly supported: boolean;
  tunOpen(
    name: string,
    mtu: number,
    vnetHdr: boolean,
  ): { handle: TunHandle; name: string; vnetHdr: boolean; offloads: number };
  tunStart(
    handle: TunHandle,
    slot: NativeSlot,
    headroom: number,
    tailroom: number,
    callback: NativeBatchCallback,
  ): void;
  tunWrite(handle: TunHandle, buffer: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  tunMtu(handle: TunHandle): number;
  tunSetMtu(handle: TunHandle, mtu: number): void;
  tunStats(handle: TunHandle): TunStats;
  tunClose(handle: TunHandle): Promise<void>;
  udpOpen(
    family: 4 | 6,
    port: number,
    sendBufferBytes: number,
    receiveBufferBytes: number,
  ): { handle: UdpHandle; port: number; gso: boolean; gro: boolean };
  udpStart(handle: UdpHandle, slot: NativeSlot, callback: NativeBatchCallback): void;
  udpSend(
    v4: UdpHandle | null,
    v6: UdpHandle | null,
    buffer: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    endpoints: Uint8Array,
    count: number,
  ): number;
  udpSetMark(handle: UdpHandle, mark: number): void;
  udpInfo(handle: UdpHandle): UdpInfo;
  udpSetOffload(handle: UdpHandle, gso: boolean, gro: boolean): void;
  udpStats(handle: UdpHandle): UdpStats;
  udpClose(handle: UdpHandle): Promise<void>;
  gsoSplit(
    frame: Uint8Array,
    headroom: number,
    tailroom: number,
    out: { buffer: Uint8Array; offsets: Uint32Array; lengths: Uint32Array },
  ): number;
  /**
   * The frames a TUN write of the batch would make, merged as offloads (TUN_F_*) allow, laid end to end in out;
   * refuseGso makes every super-packet fail with EINVAL, as a kernel that does not take them would.
   */
  gsoCoalesce(
    buffer: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
    offloads: number,
    out: { buffer: Uint8Array; offsets: Uint32Array; lengths: Uint32Array },
    refuseGso: boolean,
  ): CoalesceResult;
  /** Throws ENOTSOCK, EBADF, ... (ErrnoError) for a descriptor that is no connected socket. */
  peerCredentials(fd: number): PeerCredentials;
  /**
   * gid, and every group the account databases (NSS: /etc/group, sssd, ...) list uid's user in now, not the
   * groups a running process of that user got at login. Throws ENOENT when uid has no account.
   */
  groupMembership(uid: number, gid: number): number[];
  /** The account name of uid, or null when it has none. */
  userName(uid: number): string | null;
  /** The gid of the group called name, or null when there is none. */
  groupId(name: string): number | null;
  /** Milliseconds of CLOCK_BOOTTIME (time since boot, time asleep included) into out[0]. */
  clockBoottime(out: Float64Array): void;
  /**
   * ChaCha20-Poly1305 with WireGuard's nonce (4 zero bytes, the counter as u64 LE) through the system's OpenSSL
   * (addon/src/aead.c), in place: seals buffer[offset, offset + length) and writes the 16-byte tag after it.
   * Throws ENOSYS when libcrypto.so.3 cannot be loaded, a TypeError for a region outside the buffer.
   */
  chachaSeal(buffer: Uint8Array, offset: number, length: number, key: Uint8Array, counter: number): void;
  /** Opens in place (length counts the tag); false for a forgery or a region shorter than a tag. */
  chachaOpen(buffer: Uint8Array, offset: number, length: number, key: Uint8Array, counter: number): boolean;
  /** OpenSSL's version line; throws ENOSYS when libcrypto.so.3 cannot be loaded. */
  aeadBackend(): string;
  /** Wipes the last keys the AEAD's contexts keep (and rekeys them with zeros). */
  aeadForget(): void;
  /** Whether a context holds a key since the last aeadForget (for tests). */
  aeadHoldsKey(): boolean;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The .node stays where node-gyp puts it; this module runs from the source tree or from tsc's build/. */
export const ADDON_CANDIDATES: readonly string[] = [
  join(here, '../addon/build/Release/warren_io.node'),
  join(here, '../../../native-helper/addon/build/Release/warren_io.node'),
];

let loaded: NativeIo | undefined;

export function loadAddon(): NativeIo {
  if (loaded !== undefined) return loaded;
  const path = ADDON_CANDIDATES.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new Error(
      `The warren_io addon is not built (run \`npm install\`); looked for ${ADDON_CANDIDATES.join(', ')}`,
    );
  }
  const addon = createRequire(import.meta.url)(path) as NativeIo;
  if (!addon.supported) throw new Error(`The warren_io addon has no data plane for ${process.platform} yet`);
  loaded = addon;
  return addon;
}
