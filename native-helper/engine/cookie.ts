/*
 * MAC1, MAC2 and cookie replies, WireGuard's defence against handshake floods.
 *
 * Every handshake message ends in mac1 || mac2. mac1 = BLAKE2s-128 keyed with
 * HASH("mac1----" || receiver's public key) over the message up to mac1; it proves the sender
 * knows whom it addresses. Under load the responder also wants mac2 = BLAKE2s-128 keyed with a
 * cookie over the message up to mac2, where cookie = BLAKE2s-128(secret, source address) and the
 * secret changes every two minutes. A sender without a fresh cookie gets a cookie reply: the
 * cookie sealed with XChaCha20-Poly1305 under HASH("cookie--" || responder's public key), with the
 * mac1 it answers as AD so that only the real sender can open it.
 *
 * The checker is the responder's (one per device), the generator the initiator's (one per peer).
 * Times are monotonic milliseconds passed in; source is the sender's address bytes followed by its
 * UDP port, encoded the same way for every call (the kernel uses IP bytes || port big-endian).
 */
import type { CryptoPrimitives } from '../crypto/primitives.js';
import {
  COOKIE_REFRESH_TIME_MS,
  COOKIE_SECRET_LATENCY_MS,
  MESSAGE_TYPE_COOKIE_REPLY,
  WG_LABEL_COOKIE,
  WG_LABEL_MAC1,
} from './constants.js';
import { COOKIE_NONCE_SIZE, COOKIE_REPLY, COOKIE_SIZE, MAC_SIZE, readU32LE, writeU32LE } from './messages.js';

/** mac1 || mac2, the end of every handshake message. */
const MACS_SIZE = 2 * MAC_SIZE;

const LABEL_MAC1 = new TextEncoder().encode(WG_LABEL_MAC1);
const LABEL_COOKIE = new TextEncoder().encode(WG_LABEL_COOKIE);

// Scratch for one call at a time (nothing here is re-entered); the cookie is wiped after each use.
const computed = new Uint8Array(MAC_SIZE);
const cookieScratch = new Uint8Array(COOKIE_SIZE);

export type MacState = 'invalid-mac' | 'valid-mac-no-cookie' | 'valid-mac-with-cookie';

export interface CookieChecker {
  readonly mac1Key: Uint8Array;
  readonly encryptionKey: Uint8Array;
  readonly secret: Uint8Array;
  secretBirth: number;
}

export interface CookieGenerator {
  readonly mac1Key: Uint8Array;
  readonly decryptionKey: Uint8Array;
  readonly cookie: Uint8Array;
  cookieBirth: number;
  isValid: boolean;
  haveSentMac1: boolean;
  readonly lastMac1Sent: Uint8Array;
}

function precomputeKeys(
  crypto: CryptoPrimitives,
  mac1Key: Uint8Array,
  cookieKey: Uint8Array,
  publicKey: Uint8Array | null,
): void {
  if (publicKey === null) {
    mac1Key.fill(0);
    cookieKey.fill(0);
    return;
  }
  crypto.hash(mac1Key, LABEL_MAC1, publicKey);
  crypto.hash(cookieKey, LABEL_COOKIE, publicKey);
}

function expired(birth: number, lifetime: number, now: number): boolean {
  return birth + lifetime <= now;
}

export function createCookieChecker(crypto: CryptoPrimitives, localPublic: Uint8Array | null): CookieChecker {
  const checker: CookieChecker = {
    mac1Key: new Uint8Array(32),
    encryptionKey: new Uint8Array(32),
    secret: new Uint8Array(32),
    secretBirth: Number.NEGATIVE_INFINITY,
  };
  setCookieCheckerKey(crypto, checker, localPublic);
  return checker;
}

/** Call when our static key changes (null: no key, nothing validates). */
export function setCookieCheckerKey(
  crypto: CryptoPrimitives,
  checker: CookieChecker,
  localPublic: Uint8Array | null,
): void {
  precomputeKeys(crypto, checker.mac1Key, checker.encryptionKey, localPublic);
}

export function createCookieGenerator(crypto: CryptoPrimitives, remotePublic: Uint8Array): CookieGenerator {
  const generator: CookieGenerator = {
    mac1Key: new Uint8Array(32),
    decryptionKey: new Uint8Array(32),
    cookie: new Uint8Array(COOKIE_SIZE),
    cookieBirth: Number.NEGATIVE_INFINITY,
    isValid: false,
    haveSentMac1: false,
    lastMac1Sent: new Uint8Array(MAC_SIZE),
  };
  precomputeKeys(crypto, generator.mac1Key, generator.decryptionKey, remotePublic);
  return generator;
}

function computeMac1(crypto: CryptoPrimitives, out: Uint8Array, key: Uint8Array, message: Uint8Array): void {
  crypto.mac(out, key, message, message.length - MACS_SIZE);
}

function computeMac2(crypto: CryptoPrimitives, out: Uint8Array, cookie: Uint8Array, message: Uint8Array): void {
  crypto.mac(out, cookie, message, message.length - MAC_SIZE);
}

function makeCookie(crypto: CryptoPrimitives, out: Uint8Array, checker: CookieChecker, source: Uint8Array): void {
  crypto.mac(out, checker.secret, source);
}

/** Constant-time comparison of `computed` with the MAC_SIZE bytes at message[offset]. */
function macMatches(message: Uint8Array, offset: number): boolean {
  let diff = 0;
  // computed holds MAC_SIZE bytes, and the caller checked the message is long enough to hold its MACs.
  for (let i = 0; i < MAC_SIZE; i++) diff |= computed[i]! ^ message[offset + i]!;
  return diff === 0;
}

export function checkMac1(crypto: CryptoPrimitives, checker: CookieChecker, message: Uint8Array): boolean {
  if (message.length < MACS_SIZE) return false;
  computeMac1(crypto, computed, checker.mac1Key, message);
  return macMatches(message, message.length - MACS_SIZE);
}

/** False once the secret that made the sender's cookie has expired. */
export function checkMac2(
  crypto: CryptoPrimitives,
  checker: CookieChecker,
  message: Uint8Array,
  source: Uint8Array,
  now: number,
): boolean {
  if (message.length < MACS_SIZE || expired(checker.secretBirth, COOKIE_REFRESH_TIME_MS, now)) return false;
  makeCookie(crypto, cookieScratch, checker, source);
  computeMac2(crypto, computed, cookieScratch, message);
  crypto.wipe(cookieScratch);
  return macMatches(message, message.length - MAC_SIZE);
}

/** MAC1 always; MAC2 only when `underLoad` (the ratelimiter is the caller's next step). */
export function validateMacs(
  crypto: CryptoPrimitives,
  checker: CookieChecker,
  message: Uint8Array,
  source: Uint8Array,
  now: number,
  underLoad: boolean,
): MacState {
  if (!checkMac1(crypto, checker, message)) return 'invalid-mac';
  if (!underLoad || !checkMac2(crypto, checker, message, source, now)) return 'valid-mac-no-cookie';
  return 'valid-mac-with-cookie';
}

/**
 * Writes a 64-byte cookie reply to `message` (a handshake message whose MAC1 checked out) into
 * out. `receiverIndex` is the sender index of the message answered. Rotates the secret when due.
 */
export function createCookieReply(
  crypto: CryptoPrimitives,
  checker: CookieChecker,
  out: Uint8Array,
  message: Uint8Array,
  receiverIndex: number,
  source: Uint8Array,
  now: number,
  randomFill: (buf: Uint8Array) => void = (buf) => crypto.randomFill(buf),
): void {
  if (out.length !== COOKIE_REPLY.size) throw new RangeError(`cookie reply must be ${COOKIE_REPLY.size} bytes`);
  if (expired(checker.secretBirth, COOKIE_REFRESH_TIME_MS, now)) {
    randomFill(checker.secret);
    checker.secretBirth = now;
  }
  writeU32LE(out, COOKIE_REPLY.type, MESSAGE_TYPE_COOKIE_REPLY);
  writeU32LE(out, COOKIE_REPLY.receiverIndex, receiverIndex);
  const nonce = out.subarray(COOKIE_REPLY.nonce, COOKIE_REPLY.nonce + COOKIE_NONCE_SIZE);
  randomFill(nonce);
  makeCookie(crypto, cookieScratch, checker, source);
  const mac1Offset = message.length - MACS_SIZE;
  crypto.xseal(
    out,
    COOKIE_REPLY.encryptedCookie,
    checker.encryptionKey,
    nonce,
    cookieScratch,
    0,
    COOKIE_SIZE,
    message.subarray(mac1Offset, mac1Offset + MAC_SIZE),
  );
  crypto.wipe(cookieScratch);
}

/**
 * Fills mac1 and mac2 of an outgoing handshake message in place. mac2 is zero unless a cookie
 * arrived less than 115 s ago.
 */
export function addMacs(crypto: CryptoPrimitives, generator: CookieGenerator, message: Uint8Array, now: number): void {
  const mac1 = message.length - MACS_SIZE;
  const mac2 = message.length - MAC_SIZE;
  computeMac1(crypto, computed, generator.mac1Key, message);
  for (let i = 0; i < MAC_SIZE; i++) message[mac1 + i] = generator.lastMac1Sent[i] = computed[i]!;
  generator.haveSentMac1 = true;
  if (generator.isValid && !expired(generator.cookieBirth, COOKIE_REFRESH_TIME_MS - COOKIE_SECRET_LATENCY_MS, now)) {
    computeMac2(crypto, computed, generator.cookie, message);
    for (let i = 0; i < MAC_SIZE; i++) message[mac2 + i] = computed[i]!;
  } else {
    message.fill(0, mac2);
  }
}

/**
 * Takes the cookie from a reply to the last message we sent to this peer (the caller found the
 * peer by the reply's receiver index). False for anything else; each sent mac1 buys one cookie.
 */
export function consumeCookieReply(
  crypto: CryptoPrimitives,
  generator: CookieGenerator,
  reply: Uint8Array,
  now: number,
): boolean {
  if (reply.length !== COOKIE_REPLY.size || readU32LE(reply, COOKIE_REPLY.type) !== MESSAGE_TYPE_COOKIE_REPLY) {
    return false;
  }
  if (!generator.haveSentMac1) return false;
  const nonce = reply.subarray(COOKIE_REPLY.nonce, COOKIE_REPLY.nonce + COOKIE_NONCE_SIZE);
  // Opened into scratch: a forged reply must not touch the cookie we hold.
  const opened = crypto.xopen(
    cookieScratch,
    0,
    generator.decryptionKey,
    nonce,
    reply,
    COOKIE_REPLY.encryptedCookie,
    COOKIE_REPLY.encryptedCookieSize,
    generator.lastMac1Sent,
  );
  if (opened !== COOKIE_SIZE) {
    crypto.wipe(cookieScratch);
    return false;
  }
  generator.cookie.set(cookieScratch);
  crypto.wipe(cookieScratch);
  generator.cookieBirth = now;
  generator.isValid = true;
  generator.haveSentMac1 = false;
  return true;
}
