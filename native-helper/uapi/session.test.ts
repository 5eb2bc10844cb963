import { describe, expect, it } from 'vitest';
import { hex } from './get.js';
import { MAX_LINE, UapiSession } from './session.js';
import { recordingTarget } from './testing.js';

const PRIVATE = 'a8'.repeat(32);
const PEER_A = '11'.repeat(32);
const PEER_B = '22'.repeat(32);
const PSK = '33'.repeat(32);

function session(device: Parameters<typeof recordingTarget>[0] = {}) {
  const target = recordingTarget(device);
  const replies: string[] = [];
  const closed: string[] = [];
  const s = new UapiSession(target, { reply: (t) => replies.push(t), close: (r) => closed.push(r) });
  const request = (text: string): string => {
    const before = replies.length;
    s.feed(text);
    return replies.slice(before).join('');
  };
  return { target, replies, closed, request };
}

function getMap(reply: string): string[] {
  return reply.trimEnd().split('\n');
}

describe('UAPI set and get', () => {
  it('sets the device and reads it back in wireguard-go order', () => {
    const { request, target } = session();
    const set = [
      'set=1',
      `private_key=${PRIVATE}`,
      'listen_port=51820',
      'fwmark=51820',
      `public_key=${PEER_A}`,
      `preshared_key=${PSK}`,
      'endpoint=10.9.0.2:51821',
      'persistent_keepalive_interval=25',
      'allowed_ip=10.9.1.0/24',
      'allowed_ip=fd00::/64',
      'protocol_version=1',
      '',
      '',
    ].join('\n');
    expect(request(set)).toBe('errno=0\n\n');
    expect(target.marks).toEqual([51820]);
    const lines = getMap(request('get=1\n\n'));
    const publicKey = hex(target.device.publicKey!);
    expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
    // wg clamps the private key: a8.. has bit 0-2 of byte 0 clear already, and byte 31 0xa8 -> 0x68.
    expect(lines[0]).toBe(`private_key=a8${'a8'.repeat(30)}68`);
    expect(lines.slice(1)).toEqual([
      'listen_port=51820',
      'fwmark=51820',
      `public_key=${PEER_A}`,
      `preshared_key=${PSK}`,
      'protocol_version=1',
      'endpoint=10.9.0.2:51821',
      'last_handshake_time_sec=0',
      'last_handshake_time_nsec=0',
      'tx_bytes=0',
      'rx_bytes=0',
      'persistent_keepalive_interval=25',
      'allowed_ip=10.9.1.0/24',
      'allowed_ip=fd00::/64',
      'errno=0',
    ]);
  });

  it('answers several requests on one connection, fed byte by byte', () => {
    const { replies, target } = session();
    const s = new UapiSession(target, { reply: (t) => replies.push(t), close: () => {} });
    for (const ch of `set=1\npublic_key=${PEER_A}\n\nget=1\n\nget=1\n\n`) s.feed(ch);
    expect(replies).toHaveLength(3);
    expect(replies[0]).toBe('errno=0\n\n');
    expect(replies[1]).toContain(`public_key=${PEER_A}`);
    expect(replies[2]).toBe(replies[1]);
  });

  it('updates, removes and replaces peers and allowed IPs with wg semantics', () => {
    const { request, target } = session();
    request(`set=1\npublic_key=${PEER_A}\nallowed_ip=10.0.0.0/8\nallowed_ip=10.1.0.0/16\n\n`);
    // update_only for an unknown peer creates nothing; for a known one it updates.
    expect(request(`set=1\npublic_key=${PEER_B}\nupdate_only=true\nallowed_ip=10.2.0.0/16\n\n`)).toBe('errno=0\n\n');
    expect(target.device.peers).toHaveLength(1);
    // removing one allowed IP with the leading '-' that newer wg sends
    request(`set=1\npublic_key=${PEER_A}\nupdate_only=true\nallowed_ip=-10.1.0.0/16\n\n`);
    expect(request('get=1\n\n')).toMatch(/allowed_ip=10\.0\.0\.0\/8\nerrno=0/);
    // a prefix moves from one peer to another
    request(`set=1\npublic_key=${PEER_B}\nallowed_ip=10.0.0.0/8\n\n`);
    const get = request('get=1\n\n');
    expect(get.indexOf('allowed_ip=10.0.0.0/8')).toBeGreaterThan(get.indexOf(`public_key=${PEER_B}`));
    request(`set=1\npublic_key=${PEER_B}\nreplace_allowed_ips=true\nallowed_ip=192.168.7.0/24\n\n`);
    expect(request('get=1\n\n')).not.toContain('10.0.0.0/8');
    request(`set=1\npublic_key=${PEER_A}\nremove=true\n\n`);
    expect(target.device.peers.map((p) => hex(p.publicKey))).toEqual([PEER_B]);
    request(`set=1\nreplace_peers=true\npublic_key=${PEER_A}\n\n`);
    expect(target.device.peers.map((p) => hex(p.publicKey))).toEqual([PEER_A]);
  });

  it('ignores a peer whose key is the device public key', () => {
    const { request, target } = session();
    request(`set=1\nprivate_key=${PRIVATE}\n\n`);
    const own = hex(target.device.publicKey!);
    expect(request(`set=1\npublic_key=${own}\nallowed_ip=10.0.0.0/8\n\n`)).toBe('errno=0\n\n');
    expect(target.device.peers).toHaveLength(0);
  });

  it('removes the private key with all zeros', () => {
    const { request, target } = session();
    request(`set=1\nprivate_key=${PRIVATE}\n\n`);
    request(`set=1\nprivate_key=${'00'.repeat(32)}\n\n`);
    expect(target.device.identity).toBeNull();
    expect(request('get=1\n\n')).toBe('errno=0\n\n');
  });

  it('answers errors with wireguard-go errnos and keeps the connection', () => {
    const { request, target, closed } = session();
    expect(request('set=1\nnot a pair\n\n')).toBe('errno=-71\n\n');
    expect(request('set=1\nbogus_key=1\n\n')).toBe('errno=-22\n\n');
    expect(request('set=1\nprivate_key=xyz\n\n')).toBe('errno=-22\n\n');
    expect(request('set=1\nlisten_port=65536\n\n')).toBe('errno=-22\n\n');
    expect(request(`set=1\npublic_key=${PEER_A}\nendpoint=vpn.example.com:51820\n\n`)).toBe('errno=-22\n\n');
    expect(request(`set=1\npublic_key=${PEER_A}\nallowed_ip=10.0.0.0/33\n\n`)).toBe('errno=-22\n\n');
    expect(request(`set=1\npublic_key=${PEER_A}\nprotocol_version=2\n\n`)).toBe('errno=-22\n\n');
    expect(request(`set=1\npublic_key=${PEER_A}\nremove=yes\n\n`)).toBe('errno=-22\n\n');
    target.takenPort = 4242;
    expect(request('set=1\nlisten_port=4242\n\n')).toBe('errno=-98\n\n');
    expect(target.device.listenPort).toBe(0);
    expect(request('get=1\nextra=1\n\n')).toBe('errno=-22\n\n');
    expect(closed).toEqual([]);
  });

  it('refuses a peer past the device’s limit with EINVAL, as wireguard-go does, keeping those before it', () => {
    const { request, target } = session({ maxPeers: 2 });
    const PEER_C = '44'.repeat(32);
    const set = `set=1\npublic_key=${PEER_A}\npublic_key=${PEER_B}\npublic_key=${PEER_C}\nallowed_ip=10.0.0.3/32\n\n`;
    expect(request(set)).toBe('errno=-22\n\n');
    expect(target.device.peers.map((peer) => hex(peer.publicKey))).toEqual([PEER_A, PEER_B]);
    // Known peers may still be changed, and one removed makes room.
    expect(request(`set=1\npublic_key=${PEER_B}\nremove=true\npublic_key=${PEER_C}\n\n`)).toBe('errno=0\n\n');
    expect(target.device.peers.map((peer) => hex(peer.publicKey))).toEqual([PEER_A, PEER_C]);
  });

  it('closes the connection on an unknown operation or an over-long line', () => {
    const a = session();
    a.request('hello=1\n');
    expect(a.closed).toHaveLength(1);
    expect(a.request('get=1\n\n')).toBe('');
    const b = session();
    b.request('set=1\n' + 'x'.repeat(MAX_LINE + 10));
    expect(b.closed).toEqual(['line too long']);
  });

  it('turning persistent keepalive on while up sends at once (a handshake, with no session yet)', () => {
    const { request, target } = session();
    request(`set=1\nprivate_key=${PRIVATE}\npublic_key=${PEER_A}\nendpoint=10.9.0.2:51821\n\n`);
    target.run((now, sink) => target.device.up(now, sink));
    expect(target.sent).toHaveLength(0);
    request(`set=1\npublic_key=${PEER_A}\npersistent_keepalive_interval=25\n\n`);
    expect(target.sent).toHaveLength(1);
    expect(target.sent[0]!.bytes[0]).toBe(1);
    expect(target.sent[0]!.bytes).toHaveLength(148);
  });
});
