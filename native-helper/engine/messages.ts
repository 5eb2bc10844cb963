/*
 * Every wire format in one place (the kernel's messages.h): field offsets of the four messages, the cheap
 * type-and-size check a datagram passes before anything else looks at it, little-endian integers read and
 * written in place, and transport padding.
 *
 * u64 counters are plain numbers: exact below 2^53, and anything at or above 2^53 reads as COUNTER_SATURATED
 * (2^53, itself exact), which is above REJECT_AFTER_MESSAGES and so is rejected like any over-limit counter. A
 * huge counter can therefore never alias a small one, and reading costs two u32 loads and no allocation.
 */

import {
  AUTH_TAG_SIZE,
  MAX_MESSAGE_SIZE,
  MESSAGE_COOKIE_REPLY_SIZE,
  MESSAGE_INITIATION_SIZE,
  MESSAGE_KEEPALIVE_SIZE,
  MESSAGE_RESPONSE_SIZE,
  MESSAGE_TRANSPORT_HEADER_SIZE,
  MESSAGE_TYPE_COOKIE_REPLY,
  MESSAGE_TYPE_INITIATION,
  MESSAGE_TYPE_INVALID,
  MESSAGE_TYPE_RESPONSE,
  MESSAGE_TYPE_TRANSPORT,
  PADDING_MULTIPLE,
} from './constants.js';

export type MessageType =
  | typeof MESSAGE_TYPE_INITIATION
  | typeof MESSAGE_TYPE_RESPONSE
  | typeof MESSAGE_TYPE_COOKIE_REPLY
  | typeof MESSAGE_TYPE_TRANSPORT;

export const PUBLIC_KEY_SIZE = 32;
export const TIMESTAMP_SIZE = 12;
export const MAC_SIZE = 16;
export const COOKIE_SIZE = 16;
export const COOKIE_NONCE_SIZE = 24;

export const INITIATION = {
  size: MESSAGE_INITIATION_SIZE,
  type: 0,
  senderIndex: 4,
  ephemeral: 8,
  encryptedStatic: 40,
  encryptedStaticSize: PUBLIC_KEY_SIZE + AUTH_TAG_SIZE,
  encryptedTimestamp: 88,
  encryptedTimestampSize: TIMESTAMP_SIZE + AUTH_TAG_SIZE,
  mac1: 116,
  mac2: 132,
} as const;

export const RESPONSE = {
  size: MESSAGE_RESPONSE_SIZE,
  type: 0,
  senderIndex: 4,
  receiverIndex: 8,
  ephemeral: 12,
  encryptedNothing: 44,
  encryptedNothingSize: AUTH_TAG_SIZE,
  mac1: 60,
  mac2: 76,
} as const;

export const COOKIE_REPLY = {
  size: MESSAGE_COOKIE_REPLY_SIZE,
  type: 0,
  receiverIndex: 4,
  nonce: 8,
  encryptedCookie: 32,
  encryptedCookieSize: COOKIE_SIZE + AUTH_TAG_SIZE,
} as const;

export const TRANSPORT = {
  headerSize: MESSAGE_TRANSPORT_HEADER_SIZE,
  minSize: MESSAGE_KEEPALIVE_SIZE,
  maxSize: MAX_MESSAGE_SIZE,
  type: 0,
  receiverIndex: 4,
  counter: 8,
  content: 16,
} as const;

/** What readU64LE returns for any value it cannot represent exactly: 2^53, above every counter limit. */
export const COUNTER_SATURATED = 2 ** 53;

// The readers take a field of a message whose size the caller has already checked against the layout above, so
// the bytes exist; `!` says so without a check per field.

export function readU32LE(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

/**
 * The same four bytes as a signed 32-bit integer: for numbers that are only compared and looked up (receiver
 * indices), since V8 keeps every int32 unboxed, while a u32 >= 2^31 is boxed into a heap number whenever it
 * crosses a call that is not inlined: for a receiver index, once per packet.
 */
export function readI32LE(buf: Uint8Array, off: number): number {
  return buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24);
}

export function writeU32LE(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value;
  buf[off + 1] = value >>> 8;
  buf[off + 2] = value >>> 16;
  buf[off + 3] = value >>> 24;
}

/** Exact below 2^53; COUNTER_SATURATED for anything larger. */
export function readU64LE(buf: Uint8Array, off: number): number {
  const hi = readU32LE(buf, off + 4);
  if (hi >= 0x200000) return COUNTER_SATURATED;
  return hi * 0x1_0000_0000 + readU32LE(buf, off);
}

/** `value` must be an integer in [0, 2^53]; the caller's counter never leaves that range. */
export function writeU64LE(buf: Uint8Array, off: number, value: number): void {
  // ToUint32 is exact modulo 2^32 for any integral double, so `>>> 0` is the low half even above 2^32.
  writeU32LE(buf, off, value >>> 0);
  writeU32LE(buf, off + 4, Math.floor(value / 0x1_0000_0000));
}

/**
 * The type of a datagram whose length fits that type, else MESSAGE_TYPE_INVALID. Handshake messages have one
 * exact size; a transport message is at least a keepalive. The type is a little-endian u32, so the three bytes
 * after the type byte must be zero (reading all four at once checks that).
 */
export function messageType(buf: Uint8Array, off: number, len: number): MessageType | typeof MESSAGE_TYPE_INVALID {
  if (len < 4 || len > MAX_MESSAGE_SIZE) return MESSAGE_TYPE_INVALID;
  switch (readU32LE(buf, off)) {
    case MESSAGE_TYPE_TRANSPORT:
      return len >= MESSAGE_KEEPALIVE_SIZE ? MESSAGE_TYPE_TRANSPORT : MESSAGE_TYPE_INVALID;
    case MESSAGE_TYPE_INITIATION:
      return len === MESSAGE_INITIATION_SIZE ? MESSAGE_TYPE_INITIATION : MESSAGE_TYPE_INVALID;
    case MESSAGE_TYPE_RESPONSE:
      return len === MESSAGE_RESPONSE_SIZE ? MESSAGE_TYPE_RESPONSE : MESSAGE_TYPE_INVALID;
    case MESSAGE_TYPE_COOKIE_REPLY:
      return len === MESSAGE_COOKIE_REPLY_SIZE ? MESSAGE_TYPE_COOKIE_REPLY : MESSAGE_TYPE_INVALID;
    default:
      return MESSAGE_TYPE_INVALID;
  }
}

/** Writes type 4, the receiver's index and the counter: the 16 bytes before the ciphertext. */
export function writeTransportHeader(buf: Uint8Array, off: number, receiverIndex: number, counter: number): void {
  writeU32LE(buf, off, MESSAGE_TYPE_TRANSPORT);
  writeU32LE(buf, off + TRANSPORT.receiverIndex, receiverIndex);
  writeU64LE(buf, off + TRANSPORT.counter, counter);
}

/**
 * Zero bytes to append to a plaintext of `length` bytes: up to a multiple of 16, but never past the MTU, as the
 * kernel's calculate_skb_padding. An MTU of 0 means unknown: pad to the multiple. A packet larger than the MTU
 * (the OS handed us one anyway) is padded as if it were its remainder modulo the MTU, which the kernel does so
 * that the clamp can never make the padding negative.
 */
export function paddingLength(length: number, mtu: number): number {
  let last = length;
  if (mtu === 0) return alignUp(last) - last;
  if (last > mtu) last %= mtu;
  const padded = Math.min(mtu, alignUp(last));
  return padded - last;
}

/** Size of a transport message carrying `paddedLength` bytes of plaintext. */
export function transportMessageSize(paddedLength: number): number {
  return MESSAGE_TRANSPORT_HEADER_SIZE + paddedLength + AUTH_TAG_SIZE;
}

function alignUp(n: number): number {
  return (n + PADDING_MULTIPLE - 1) & -PADDING_MULTIPLE;
}
