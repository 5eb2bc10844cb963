/*
 * WireGuard's constants, split as wireguard-go splits them: what the protocol (the paper, section 6) fixes,
 * and what an implementation chooses. Times are milliseconds, as `now` is everywhere in the engine.
 *
 * Message counters: the paper's limits are u64 values and 2^64 - 2^13 - 1 is not a JS number. The packet path
 * keeps counters as plain numbers (exact below 2^53, no allocation), so the engine enforces limits scaled into
 * that range: REJECT_AFTER_MESSAGES = 2^53 - 2^13 - 1 keeps the paper's margin of one replay bitmap below the
 * largest exact integer, and REKEY_AFTER_MESSAGES keeps the paper's 1/16 ratio to it. No honest peer comes near:
 * a key dies after REJECT_AFTER_TIME (180 s), and 2^53 messages in 180 s is 5 * 10^13 packets a second. A
 * counter beyond the limit is rejected exactly as the specification rejects one beyond its own. The exact u64
 * values are kept as bigints for reference and tests only.
 */

/* ---- Specification ---- */

export const REKEY_AFTER_MESSAGES_U64: bigint = 1n << 60n;
export const REJECT_AFTER_MESSAGES_U64: bigint = (1n << 64n) - (1n << 13n) - 1n;

export const REKEY_AFTER_TIME_MS = 120_000;
export const REJECT_AFTER_TIME_MS = 180_000;
export const REKEY_ATTEMPT_TIME_MS = 90_000;
export const REKEY_TIMEOUT_MS = 5_000;
/** Exclusive bound: the jitter added to REKEY_TIMEOUT is a whole number of ms in [0, 334). */
export const REKEY_TIMEOUT_JITTER_MAX_MS = 334;
export const KEEPALIVE_TIMEOUT_MS = 10_000;
export const COOKIE_REFRESH_TIME_MS = 120_000;

export const MESSAGE_INITIATION_SIZE = 148;
export const MESSAGE_RESPONSE_SIZE = 92;
export const MESSAGE_COOKIE_REPLY_SIZE = 64;
export const MESSAGE_TRANSPORT_HEADER_SIZE = 16;
export const AUTH_TAG_SIZE = 16;
/** An empty transport message: header and the tag of nothing. Also the smallest valid transport message. */
export const MESSAGE_KEEPALIVE_SIZE = MESSAGE_TRANSPORT_HEADER_SIZE + AUTH_TAG_SIZE;

export const MESSAGE_TYPE_INVALID = 0;
export const MESSAGE_TYPE_INITIATION = 1;
export const MESSAGE_TYPE_RESPONSE = 2;
export const MESSAGE_TYPE_COOKIE_REPLY = 3;
export const MESSAGE_TYPE_TRANSPORT = 4;

export const PADDING_MULTIPLE = 16;

export const NOISE_CONSTRUCTION = 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s';
export const WG_IDENTIFIER = 'WireGuard v1 zx2c4 Jason@zx2c4.com';
export const WG_LABEL_MAC1 = 'mac1----';
export const WG_LABEL_COOKIE = 'cookie--';

/* ---- Implementation ---- */

/** See the header: the paper's 2^64 - 2^13 - 1 scaled below 2^53. */
export const REJECT_AFTER_MESSAGES = 2 ** 53 - 2 ** 13 - 1;
/** See the header: the paper's 2^60 of 2^64, as 2^49 of 2^53. Rekeying earlier than the paper is always safe. */
export const REKEY_AFTER_MESSAGES = 2 ** 49;

/** RekeyAttemptTime / RekeyTimeout, as both wireguard-go and the kernel compute it. */
export const MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME_MS / REKEY_TIMEOUT_MS;
/** Keys nobody refreshed are wiped after three times their useful life (kernel timers.c, wireguard-go timers.go). */
export const ZERO_KEY_MATERIAL_AFTER_MS = REJECT_AFTER_TIME_MS * 3;
/**
 * An initiator whose current key is this old re-handshakes when it receives, so that a fresh key exists before
 * the old one is rejected even if the peer only answers (kernel keep_key_fresh on receive: 180 - 10 - 5 s).
 */
export const REKEY_ON_RECEIVE_AFTER_MS = REJECT_AFTER_TIME_MS - KEEPALIVE_TIMEOUT_MS - REKEY_TIMEOUT_MS;
/** At most 50 accepted initiations a second from one peer (the kernel's INITIATIONS_PER_SECOND). */
export const HANDSHAKE_INITIATION_RATE_MS = 1000 / 50;
/**
 * A cookie is used for mac2 only while it is this much younger than the secret's lifetime (kernel's
 * COOKIE_SECRET_LATENCY), so it does not reach the responder after the secret rotated.
 */
export const COOKIE_SECRET_LATENCY_MS = 5_000;

/** Bits in the replay bitmap, and how far behind the newest counter a packet may still arrive (kernel 64-bit). */
export const REPLAY_BITMAP_BITS = 8192;
export const REPLAY_WINDOW_SIZE = REPLAY_BITMAP_BITS - 64;

export const MAX_STAGED_PACKETS = 128;
export const QUEUE_OUTBOUND_SIZE = 1024;
export const QUEUE_INBOUND_SIZE = 1024;
export const QUEUE_HANDSHAKE_SIZE = 1024;
/** The device is under load while the handshake queue holds at least an eighth of its size (wireguard-go). */
export const UNDER_LOAD_QUEUE_THRESHOLD = QUEUE_HANDSHAKE_SIZE / 8;
/** Once under load, the device stays so this long after the queue drains. */
export const UNDER_LOAD_AFTER_TIME_MS = 1_000;
/**
 * Queued handshake messages that may reach the Noise step (and its Diffie-Hellman) in one flush() or tick(); the
 * rest wait for the next call. Receiving costs a copy and a handshake a few hundred microseconds, so under a flood
 * the backlog builds up in the queue, where its length can say "under load", instead of in the socket buffer,
 * where it would be dropped unseen. Cheap outcomes (bad MAC1, cookie reply, rate limited) cost no budget. Kept
 * well below the I/O layer's receive batch (32), or the queue could never grow.
 */
export const HANDSHAKES_PER_FLUSH = 8;
export const MAX_PEERS = 1 << 16;

export const RATELIMITER_PACKETS_PER_SECOND = 20;
export const RATELIMITER_PACKETS_BURSTABLE = 5;
/** An idle ratelimiter entry is forgotten after this long; a fresh one starts with a full burst anyway. */
export const RATELIMITER_GC_AFTER_MS = 1_000;

/** The largest UDP payload, hence the largest message. */
export const MAX_MESSAGE_SIZE = 65_535;
export const MAX_CONTENT_SIZE = MAX_MESSAGE_SIZE - MESSAGE_KEEPALIVE_SIZE;
/**
 * 1500 (Ethernet) minus the worst-case overhead: IPv6 header 40, UDP 8, transport header 16, tag 16.
 */
export const DEFAULT_MTU = 1500 - 80;
