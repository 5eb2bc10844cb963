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
/** Peers a device holds at most: wireguard-go's MaxPeers (see "Deliberate differences" below). */
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

/*
 * ---- Deliberate differences from the kernel ----
 *
 * Where the engine does not do what wireguard-linux does, on purpose (every other rule follows the kernel, and
 * says which function it follows where it lives):
 *
 * - A handshake at bring-up (Device.handshakeNow, called by the helper's Tunnel.start): the kernel waits for the
 *   first packet. A tunnel switched on in the app then shows "on", or why not, before anything is sent. It is one
 *   initiation within the protocol's rate limit: a packet right after starts no second one.
 * - A handshake at resume (Device.resume) for the peers that were in use, and a keepalive (or, without a session,
 *   an initiation) after a change of network (Device.announce, as wireguard-go's mobile ports do): the kernel
 *   waits for traffic. Both within the rate limit. suspend() also lifts the rate limit that the wiped initiation
 *   held, as down() and a new private key do, so the first initiation after wake goes out at once.
 * - The handshake queue is wireguard-go's (QUEUE_HANDSHAKE_SIZE 1024, "under load" from an eighth of it), not the
 *   kernel's MAX_QUEUED_INCOMING_HANDSHAKES (4096), and it is drained HANDSHAKES_PER_FLUSH at a time on the one
 *   JS thread instead of by a worker per CPU: what matters, that a flood shows as a long queue and turns cookies
 *   on before the Diffie-Hellman work is done, holds for both.
 * - MAX_PEERS is wireguard-go's 2^16, not the kernel's 2^20 (MAX_PEERS_PER_DEVICE): a peer here is a JS object
 *   with its own buffers, and a userspace device with more than 65,536 peers is not a desktop's.
 * - The staged queue holds at most MAX_STAGED_PACKETS (128), the oldest dropped first. The kernel trims to 128
 *   before it adds what one write to the device brought, so that a GSO super-packet's segments stay together
 *   (up to 128 + segments); here the TUN reader has split super-packets into packets before the engine sees them.
 * - Sticky source (endpoint.ts): the kernel's send4 also forgets the local address when the route to the peer
 *   now leaves by another interface than the one the peer's packets came in on. A userspace socket does not see
 *   which interface the kernel routes by, so the address is forgotten at every change of network instead
 *   (Device.announce), and the addon resends without it when the kernel refuses it (it is no longer the host's;
 *   the kernel checks that before each send, the peer's record here is put right by its next packet).
 * - Timers run from the I/O loop's one timer (io/data-path.ts), all that are due in one tick(), the zeroing of
 *   keys first: after a sleep that nobody announced, every deadline passes at once, and what the others start
 *   must not be wiped a moment later.
 */
