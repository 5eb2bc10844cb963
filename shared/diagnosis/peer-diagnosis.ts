// Why a peer does not work, in plain words, from what this side can observe: handshake times, byte counts and
// the engine's drop counters (native-helper/engine/drops.ts). Pure: the caller passes the facts and `now`.
//
// What the WireGuard handshake lets us see and what it does not:
//  - A peer that cannot authenticate our initiation stays silent (wrong peer PublicKey here, or the peer does not
//    have this tunnel's public key, or it rejects our timestamp as a replay): "no reply at all" looks the same as
//    a wrong endpoint or a firewall, so the hints name all of them.
//  - A peer that could read our initiation answers; if its response does not check out here ('handshake-failed'
//    counted on the peer), the keys agree but the PresharedKey does not.
//  - Handshakes the peer starts that fail here are not attributable to it ('bad-mac': not made for this tunnel's
//    key; 'handshake-failed' on the tunnel: a key this config does not list, or a replayed timestamp).
//  - A peer remembers the newest handshake timestamp it accepted from us and ignores older ones. If this
//    computer's clock was ahead and was then set back, the peer ignores us until the clock catches up; that is
//    invisible here except when our own record of the last handshake is in the future.
// Rules are checked in order; the first that fits is the diagnosis. Null means nothing looks wrong (or it is too
// early to say).

/** Facts about one peer of a running tunnel (see PeerStatus in shared/ipc/control.ts for most of them). */
export interface PeerFacts {
  /** Unix ms of the latest completed handshake; 0 for never. */
  latestHandshake: number;
  /** Authenticated bytes received from the peer (handshake replies included). */
  rxBytes: number;
  /** Bytes sent to the peer (handshake initiations included). */
  txBytes: number;
  /** Handshake initiations sent since the last completed handshake (the engine's timers), when known. */
  handshakeAttempts?: number;
  /** Packets from or for this peer dropped, by reason (PeerStatus.drops). */
  drops: Readonly<Record<string, number>>;
  /** Drops the tunnel could not pin on a peer (TunnelStatus.drops): handshakes with a bad MAC, unknown keys. */
  tunnelDrops?: Readonly<Record<string, number>>;
  /** Where packets for the peer go (host:port), or null when it has none. */
  endpoint: string | null;
  /** The caller has reason to think this computer's clock is or was wrong (not synchronised, a jump seen). */
  clockSkewSuspected?: boolean;
  /** How long the tunnel has been up. */
  secondsSinceUp: number;
  /** Unix ms now. */
  now: number;
  /** This tunnel's public key, quoted in hints about what the peer must have. */
  ownPublicKey?: string;
}

export type DiagnosisKind =
  | 'no-endpoint'
  | 'clock-behind'
  | 'replies-rejected'
  | 'handshakes-refused'
  | 'no-reply'
  | 'stopped-answering'
  | 'no-data';

export interface PeerDiagnosis {
  kind: DiagnosisKind;
  summary: string;
  hints: string[];
}

/** WireGuard's retry interval for an unanswered handshake (REKEY_TIMEOUT). */
const RETRY_SECONDS = 5;
/** Unanswered initiations before "no reply" is said: two retries, about ten seconds. */
const UNANSWERED_ATTEMPTS = 3;
/** A session's keys are refused after this long (REJECT_AFTER_TIME); a handshake older than it is not current. */
const SESSION_SECONDS = 180;
/** Our own record of the last handshake this far in the future means our clock went back. */
const CLOCK_BACK_TOLERANCE_MS = 60_000;
/** "Only handshakes and keepalives came back": at most this much received while at least NO_DATA_TX was sent. */
const NO_DATA_RX = 2048;
const NO_DATA_TX = 16 * 1024;

const count = (drops: Readonly<Record<string, number>> | undefined, reason: string) => drops?.[reason] ?? 0;

function clockHint(facts: PeerFacts): string {
  return (
    "This computer's clock may have been set back: a peer ignores handshakes dated before the last one it " +
    'accepted from this computer, without replying. Make sure the date and time are right (automatic time on); ' +
    'restarting the WireGuard interface on the peer also clears what it remembers.' +
    (facts.clockSkewSuspected ? ' The clock here was seen to be unreliable, so this is a likely cause.' : '')
  );
}

function theirKeyHint(facts: PeerFacts): string {
  const ours =
    facts.ownPublicKey === undefined ? "this tunnel's public key" : `this tunnel's public key (${facts.ownPublicKey})`;
  return `The peer must list ${ours} as one of its peers; if the PrivateKey here was changed or regenerated, update the peer.`;
}

export function diagnosePeer(facts: PeerFacts): PeerDiagnosis | null {
  const { drops, tunnelDrops } = facts;
  const neverShook = facts.latestHandshake === 0;
  const handshakeAgeSeconds = neverShook ? Infinity : (facts.now - facts.latestHandshake) / 1000;
  const attempts = facts.handshakeAttempts;
  // Trying and not hearing back: by the engine's count when given, else by time spent with something sent.
  const unanswered =
    attempts !== undefined
      ? attempts >= UNANSWERED_ATTEMPTS
      : neverShook && facts.txBytes > 0 && facts.secondsSinceUp >= UNANSWERED_ATTEMPTS * RETRY_SECONDS - RETRY_SECONDS;
  const current = handshakeAgeSeconds <= SESSION_SECONDS && !unanswered;

  if (facts.endpoint === null && neverShook) {
    return {
      kind: 'no-endpoint',
      summary: 'This peer has no endpoint, so nothing can be sent to it.',
      hints: [
        'Add Endpoint = host:port to the [Peer] section (the address and ListenPort of the peer).',
        "Without an endpoint, the peer must connect first: it needs this computer's address and port, " +
          'and this tunnel needs a fixed ListenPort.',
      ],
    };
  }

  if (facts.latestHandshake > facts.now + CLOCK_BACK_TOLERANCE_MS) {
    return {
      kind: 'clock-behind',
      summary: "This computer's clock is behind the time of the last handshake with this peer.",
      hints: [
        'The clock was set back since that handshake. The peer ignores new handshakes dated before the last one ' +
          'it accepted, so it stays silent until the clock here catches up.',
        'Set the date and time right (automatic time on), or restart the WireGuard interface on the peer to clear ' +
          'what it remembers.',
      ],
    };
  }

  const responseFailures = count(drops, 'handshake-failed');
  const cookieFailures = count(drops, 'cookie-invalid');
  const decryptFailures = count(drops, 'decrypt-failed');
  if (!current && (responseFailures > 0 || cookieFailures > 0)) {
    const hints: string[] = [];
    if (responseFailures > 0) {
      hints.push(
        "The peer answers, so it knows this tunnel's key and has the right PublicKey here, but its answers do " +
          'not check out: the PresharedKey differs. It must be the same on both sides, or absent on both.',
      );
    }
    if (cookieFailures > 0) {
      hints.push(
        'The peer says it is busy (cookie replies), but its replies do not check out: make sure the PublicKey ' +
          'of the [Peer] is right, and that nothing else answers at that endpoint.',
      );
    }
    return { kind: 'replies-rejected', summary: 'The peer replies, but its replies are rejected here.', hints };
  }

  const badMacs = count(tunnelDrops, 'bad-mac');
  const refusedInitiations = count(tunnelDrops, 'handshake-failed');
  if (!current && (badMacs > 0 || refusedInitiations > 0)) {
    const hints: string[] = [];
    if (badMacs > 0) {
      hints.push(`Handshakes arrive that were not made for this tunnel's key. ${theirKeyHint(facts)}`);
    }
    if (refusedInitiations > 0) {
      hints.push(
        'Handshakes arrive from a key this tunnel does not list: check that the PublicKey of the [Peer] is ' +
          "the peer's current public key (it may have generated new keys).",
        "Or the peer's clock was set back: handshakes dated before the last one accepted here are refused " +
          'until this tunnel is restarted.',
      );
    }
    const summary = 'Something tries to connect to this tunnel, but its handshakes are refused.';
    return { kind: 'handshakes-refused', summary, hints };
  }

  if (unanswered && facts.rxBytes === 0 && neverShook) {
    const where = facts.endpoint === null ? 'its endpoint' : facts.endpoint;
    const tries = attempts !== undefined ? ` (${attempts} handshake attempts)` : '';
    const hints = [
      `Check the endpoint: ${where} must be the peer's address and its ListenPort.`,
      'A firewall here, at the peer, or on the way may block UDP to that port; the peer must accept it.',
      `Check the keys: the PublicKey of the [Peer] must be the peer's public key. ${theirKeyHint(facts)} ` +
        'A peer stays silent when either is wrong.',
    ];
    if (facts.clockSkewSuspected) hints.push(clockHint(facts));
    return { kind: 'no-reply', summary: `No reply from the peer at ${where}${tries}.`, hints };
  }

  if (unanswered && !neverShook) {
    const ago = formatAge(handshakeAgeSeconds);
    return {
      kind: 'stopped-answering',
      summary: `The peer stopped answering; the last handshake was ${ago} ago.`,
      hints: [
        'The peer may be down, or its address may have changed (if the endpoint is a name, its address is ' +
          'looked up again when the network changes).',
        'The network here may block UDP to the peer now (a different Wi-Fi, a captive portal not yet accepted).',
        // Keys and endpoint worked before, which makes a clock set back one of the few causes left.
        clockHint(facts),
      ],
    };
  }

  const disallowed = count(drops, 'disallowed-source');
  const quietReplies = facts.rxBytes <= NO_DATA_RX && facts.txBytes >= NO_DATA_TX;
  if (current && (disallowed > 0 || quietReplies || decryptFailures > 0)) {
    const hints: string[] = [];
    if (disallowed > 0) {
      hints.push(
        `${disallowed} packet(s) from the peer came from addresses outside its AllowedIPs here and were ` +
          "dropped: add the peer's tunnel addresses (or the networks behind it) to its AllowedIPs.",
      );
    }
    if (quietReplies) {
      hints.push(
        "Data goes to the peer but nothing comes back: the peer must list this tunnel's Address in the " +
          'AllowedIPs it has for this computer.',
        'If the peer is a gateway to other networks or the internet, it must forward the traffic (IP forwarding ' +
          'on) and route or NAT it back.',
      );
    }
    if (decryptFailures > 0) {
      hints.push(
        `${decryptFailures} packet(s) from the peer failed to decrypt: something on the way may alter packets.`,
      );
    }
    return { kind: 'no-data', summary: 'Handshakes with the peer work, but data does not get through.', hints };
  }

  return null;
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} seconds`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} hours`;
  return `${Math.round(seconds / 86_400)} days`;
}
