import { describe, expect, it } from 'vitest';
import { diagnosePeer, type PeerFacts } from './peer-diagnosis.js';

const NOW = Date.UTC(2025, 0, 10, 12, 0, 0);
const ENDPOINT = '198.51.100.7:51820';
const OWN_KEY = 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=';

/** A peer that handshook 30 s ago and moves data both ways. */
const healthy: PeerFacts = {
  latestHandshake: NOW - 30_000,
  rxBytes: 5_000_000,
  txBytes: 800_000,
  handshakeAttempts: 0,
  drops: {},
  tunnelDrops: {},
  endpoint: ENDPOINT,
  secondsSinceUp: 600,
  now: NOW,
  ownPublicKey: OWN_KEY,
};
/** A peer that never answered: initiations went out, nothing came back. */
const silent: PeerFacts = {
  ...healthy,
  latestHandshake: 0,
  rxBytes: 0,
  txBytes: 148 * 4,
  handshakeAttempts: 4,
  secondsSinceUp: 20,
};

describe('diagnosePeer', () => {
  it('says nothing about a healthy peer, an idle one, or one just brought up', () => {
    expect(diagnosePeer(healthy)).toBeNull();
    // Idle for an hour: no handshake needed, none tried.
    expect(diagnosePeer({ ...healthy, latestHandshake: NOW - 3_600_000, handshakeAttempts: 0 })).toBeNull();
    // Up for 2 s, one initiation out: too early.
    expect(diagnosePeer({ ...silent, handshakeAttempts: 1, secondsSinceUp: 2 })).toBeNull();
    expect(diagnosePeer({ ...silent, handshakeAttempts: undefined, secondsSinceUp: 3 })).toBeNull();
    // Nothing sent at all: nothing to judge.
    expect(diagnosePeer({ ...silent, txBytes: 0, handshakeAttempts: 0 })).toBeNull();
  });

  it('no reply at all: endpoint, firewall and both keys, since a peer is silent when a key is wrong', () => {
    const diagnosis = diagnosePeer(silent)!;
    expect(diagnosis.kind).toBe('no-reply');
    expect(diagnosis.summary).toBe(`No reply from the peer at ${ENDPOINT} (4 handshake attempts).`);
    expect(diagnosis.hints.join('\n')).toMatch(
      /endpoint: 198\.51\.100\.7:51820 must be the peer's address and its ListenPort/,
    );
    expect(diagnosis.hints.join('\n')).toMatch(/firewall/);
    expect(diagnosis.hints.join('\n')).toMatch(/PublicKey of the \[Peer\] must be the peer's public key/);
    expect(diagnosis.hints.join('\n')).toContain(`this tunnel's public key (${OWN_KEY})`);
    // The clock only when there is a reason to suspect it.
    expect(diagnosis.hints.join('\n')).not.toMatch(/clock/);
    expect(diagnosePeer({ ...silent, clockSkewSuspected: true })!.hints.at(-1)).toMatch(
      /clock .*set back.*likely cause/,
    );
    // Without the engine's count, by time: something sent, 10 s up, nothing back.
    expect(diagnosePeer({ ...silent, handshakeAttempts: undefined, secondsSinceUp: 10 })!.summary).toBe(
      `No reply from the peer at ${ENDPOINT}.`,
    );
  });

  it('no endpoint', () => {
    const diagnosis = diagnosePeer({ ...silent, endpoint: null, drops: { 'no-endpoint': 12 } })!;
    expect(diagnosis.kind).toBe('no-endpoint');
    expect(diagnosis.hints[0]).toMatch(/Endpoint = host:port/);
    // A peer that connected to us has an endpoint from then on; without one and never connected, this is it.
    expect(diagnosePeer({ ...healthy, endpoint: null })).toBeNull();
  });

  it('replies rejected: the peer read our handshake, so the keys agree and the PresharedKey does not', () => {
    const diagnosis = diagnosePeer({ ...silent, rxBytes: 0, drops: { 'handshake-failed': 3 } })!;
    expect(diagnosis.kind).toBe('replies-rejected');
    expect(diagnosis.summary).toBe('The peer replies, but its replies are rejected here.');
    expect(diagnosis.hints).toEqual([expect.stringMatching(/PresharedKey differs/)]);
    expect(diagnosePeer({ ...silent, drops: { 'cookie-invalid': 1 } })!.hints).toEqual([
      expect.stringMatching(/busy \(cookie replies\)/),
    ]);
    // Failures long ago do not matter once handshakes work.
    expect(diagnosePeer({ ...healthy, drops: { 'handshake-failed': 3 } })).toBeNull();
  });

  it("handshakes refused here: the peer's key for us is wrong, or its key is not the one listed", () => {
    const badMac = diagnosePeer({ ...silent, tunnelDrops: { 'bad-mac': 5 } })!;
    expect(badMac.kind).toBe('handshakes-refused');
    expect(badMac.hints).toEqual([
      expect.stringContaining(
        `not made for this tunnel's key. The peer must list this tunnel's public key (${OWN_KEY})`,
      ),
    ]);
    const unknown = diagnosePeer({ ...silent, tunnelDrops: { 'handshake-failed': 2 } })!;
    expect(unknown.kind).toBe('handshakes-refused');
    expect(unknown.hints.join('\n')).toMatch(/a key this tunnel does not list/);
    expect(unknown.hints.join('\n')).toMatch(/peer's clock was set back/);
  });

  it('stopped answering after working: the clock is one of the few causes left, so it is named', () => {
    const diagnosis = diagnosePeer({
      ...healthy,
      latestHandshake: NOW - 25 * 60_000,
      handshakeAttempts: 6,
      rxBytes: 9000,
    })!;
    expect(diagnosis.kind).toBe('stopped-answering');
    expect(diagnosis.summary).toBe('The peer stopped answering; the last handshake was 25 minutes ago.');
    expect(diagnosis.hints.join('\n')).toMatch(/address may have changed/);
    expect(diagnosis.hints.at(-1)).toMatch(/clock may have been set back/);
    expect(diagnosis.hints.at(-1)).not.toMatch(/likely cause/);
  });

  it('our clock behind our own record of the last handshake: the peer ignores us until it catches up', () => {
    const diagnosis = diagnosePeer({ ...silent, latestHandshake: NOW + 3 * 3_600_000, rxBytes: 92 })!;
    expect(diagnosis.kind).toBe('clock-behind');
    expect(diagnosis.hints.join('\n')).toMatch(/stays silent until the clock here catches up/);
    expect(diagnosePeer({ ...healthy, latestHandshake: NOW + 10_000 })).toBeNull(); // a few seconds of skew is nothing
  });

  it('handshakes OK but no data: AllowedIPs on either side, or forwarding at the peer', () => {
    const dropped = diagnosePeer({ ...healthy, drops: { 'disallowed-source': 40 } })!;
    expect(dropped.kind).toBe('no-data');
    expect(dropped.summary).toBe('Handshakes with the peer work, but data does not get through.');
    expect(dropped.hints).toEqual([
      expect.stringMatching(/^40 packet\(s\) from the peer came from addresses outside its AllowedIPs/),
    ]);
    const quiet = diagnosePeer({ ...healthy, rxBytes: 92 + 32 * 5, txBytes: 250_000 })!;
    expect(quiet.kind).toBe('no-data');
    expect(quiet.hints.join('\n')).toMatch(
      /must list this tunnel's Address in the AllowedIPs it has for this computer/,
    );
    expect(quiet.hints.join('\n')).toMatch(/IP forwarding/);
    // Little sent, little received: an idle tunnel, not a broken one.
    expect(diagnosePeer({ ...healthy, rxBytes: 300, txBytes: 900 })).toBeNull();
  });

  it('speaks plainly: no engine words in what the user reads', () => {
    const cases: PeerFacts[] = [
      silent,
      { ...silent, endpoint: null },
      { ...silent, drops: { 'handshake-failed': 1, 'cookie-invalid': 1 } },
      { ...silent, tunnelDrops: { 'bad-mac': 1, 'handshake-failed': 1 } },
      { ...healthy, latestHandshake: NOW - 3_600_000, handshakeAttempts: 9 },
      { ...healthy, drops: { 'disallowed-source': 1, 'decrypt-failed': 2 }, rxBytes: 10, txBytes: 20_000 },
      { ...silent, latestHandshake: NOW + 600_000 },
    ];
    const kinds = new Set<string>();
    for (const facts of cases) {
      const diagnosis = diagnosePeer(facts)!;
      kinds.add(diagnosis.kind);
      for (const text of [diagnosis.summary, ...diagnosis.hints]) {
        expect(text).not.toMatch(
          /handshake-failed|bad-mac|decrypt-failed|cookie-invalid|disallowed-source|MAC1|undefined|NaN/,
        );
        expect(text).toMatch(/[.)]$/);
      }
    }
    expect(kinds.size).toBe(7);
  });
});
