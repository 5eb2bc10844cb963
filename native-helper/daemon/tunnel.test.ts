// One tunnel's life in memory (testing/memory-host.ts): up brings the engine up over its TUN device and sockets
// and handshakes with a peer on another host at once; down takes back every platform step newest first, the kill
// switch last; a step that fails undoes the ones before it and leaves no device or port behind. The same rules
// run against the real system in test/netns/ (as root); here they run as anyone, in milliseconds.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TunnelConfig } from '../../shared/config/model.js';
import { MemoryNetwork } from '../io/memory-bind.js';
import { MemoryHost } from './testing/memory-host.js';
import {
  type KeyPair,
  type PeerTunnel,
  eventually,
  keyPair,
  packet,
  parsed,
  startPeerTunnel,
  temporaryDirectory,
  testCrypto,
  tunnelText,
} from './testing/memory-tunnels.js';
import { Tunnel } from './tunnel.js';

let uapiDirectory: string;
let network: MemoryNetwork;
/** Our side, and the peer's machine at 192.0.2.2 with a tunnel that accepts our key. */
let host: MemoryHost;
let peerHost: MemoryHost;
let key: KeyPair;
let peer: PeerTunnel;
const opened: Tunnel[] = [];

beforeEach(async () => {
  uapiDirectory = temporaryDirectory('warren-tunnel-');
  network = new MemoryNetwork();
  host = new MemoryHost({ network, ipv4: '192.0.2.1', ipv6: '2001:db8::1' });
  peerHost = new MemoryHost({ network, ipv4: '192.0.2.2', ipv6: '2001:db8::2' });
  key = keyPair();
  peer = await startPeerTunnel(peerHost, {
    name: 'wpeer',
    port: 51820,
    address: '10.9.0.2',
    peerKey: key,
    peerAllowedIps: '10.9.0.1/32',
    uapiDirectory,
  });
});

afterEach(async () => {
  for (const tunnel of opened.splice(0)) await tunnel.close().catch(() => {});
  await peer.tunnel.close();
  rmSync(uapiDirectory, { recursive: true, force: true });
});

function config(options: { allowedIps?: string; interfaceLines?: string[] } = {}): TunnelConfig {
  return parsed(
    tunnelText({
      key,
      address: '10.9.0.1/24',
      listenPort: 40000,
      interfaceLines: options.interfaceLines,
      peer: peer.key,
      allowedIps: options.allowedIps ?? '10.9.0.2/32',
      endpoint: '192.0.2.2:51820',
    }),
  );
}

async function start(options: Partial<Parameters<typeof Tunnel.start>[0]> = {}): Promise<Tunnel> {
  const tunnel = await Tunnel.start({
    name: 'wa',
    config: config(),
    host,
    crypto: testCrypto(),
    uapiDirectory,
    ...options,
  });
  opened.push(tunnel);
  return tunnel;
}

/** The platform's log of our machine from `since` on. */
const logSince = (since: number) => host.log.slice(since);

describe('Tunnel in memory', () => {
  it('comes up over its own device and sockets, handshakes at once, and carries packets both ways', async () => {
    const tunnel = await start();
    expect(host.log).toEqual(['address wa 10.9.0.1/24', 'link wa mtu 1420 up', 'route wa 10.9.0.2/32']);
    expect(host.tun('wa')?.mtu).toBe(1420);
    expect(host.io.binds.map((bind) => bind.port)).toEqual([40000]);
    expect(existsSync(join(uapiDirectory, 'wa.sock'))).toBe(true);

    // Nothing was sent through the tunnel: the handshake started by itself.
    await eventually(() => tunnel.hasSession() && peer.tunnel.hasSession());
    const [status] = tunnel.status().peers;
    expect(status).toMatchObject({ publicKey: peer.key.publicKey, endpoint: '192.0.2.2:51820', hasSession: true });
    expect(status!.latestHandshake).toBeGreaterThan(0);
    // The peer learnt where we are from the handshake.
    expect(peer.tunnel.status().peers[0]!.endpoint).toBe('192.0.2.1:40000');

    host.tun('wa')!.inject(packet('10.9.0.1', '10.9.0.2', 1));
    await eventually(() => peerHost.tun('wpeer')!.written.length === 1);
    expect(peerHost.tun('wpeer')!.written).toEqual([packet('10.9.0.1', '10.9.0.2', 1)]);
    peerHost.tun('wpeer')!.inject(packet('10.9.0.2', '10.9.0.1', 2));
    await eventually(() => host.tun('wa')!.written.length === 1);
    expect(host.tun('wa')!.written).toEqual([packet('10.9.0.2', '10.9.0.1', 2)]);
  });

  it('goes down by undoing every platform step newest first, the kill switch last, and frees device, port and socket', async () => {
    const marks: number[] = [];
    const tunnel = await start({
      config: config({ allowedIps: '0.0.0.0/0', interfaceLines: ['DNS = 10.9.0.53', 'Address = fd09::1/64'] }),
      blockUntunneled: true,
      onFwmark: (mark) => marks.push(mark),
    });
    const up = [
      'address wa 10.9.0.1/24',
      'address wa fd09::1/64',
      'link wa mtu 1420 up',
      'dns wa 10.9.0.53',
      'full tunnel wa ipv4 table 51820',
      'killswitch wa fwmark 51820 lan no bridges no dns 10.9.0.53 endpoints 192.0.2.2:51820',
    ];
    expect(host.log).toEqual(up);
    // The full tunnel's table is the sockets' mark, set before its rules went in, and the device reports it.
    expect(marks).toEqual([51820]);
    expect(host.io.binds[0]!.mark).toBe(51820);
    expect(tunnel.fwmark).toBe(51820);
    expect(tunnel.status().fwmark).toBe(51820);
    expect(tunnel.blocking).toBe(true);

    const since = host.log.length;
    await tunnel.close();
    expect(logSince(since)).toEqual([
      'undo full tunnel wa ipv4 table 51820',
      'undo dns wa 10.9.0.53',
      'undo link wa mtu 1420 up',
      'undo address wa fd09::1/64',
      'undo address wa 10.9.0.1/24',
      'undo killswitch wa',
    ]);
    expect(host.system.inPlace()).toEqual([]);
    expect(host.system.killSwitches.size).toBe(0);
    expect(host.tun('wa')).toBeUndefined();
    expect(host.io.binds).toEqual([]);
    expect(existsSync(join(uapiDirectory, 'wa.sock'))).toBe(false);
    // Idempotent: a second close changes nothing.
    await tunnel.close();
    expect(host.log).toHaveLength(since + 6);
  });

  it.each([
    [
      'a route',
      'route wa',
      [
        'address wa 10.9.0.1/24',
        'link wa mtu 1420 up',
        'route wa 10.9.0.2/32 (failed)',
        'undo link wa mtu 1420 up',
        'undo address wa 10.9.0.1/24',
      ],
    ],
    [
      'the kill switch',
      'killswitch wa',
      [
        'address wa 10.9.0.1/24',
        'link wa mtu 1420 up',
        'route wa 10.9.0.2/32',
        'killswitch wa fwmark none lan no bridges no dns none endpoints 192.0.2.2:51820 (failed)',
        'undo route wa 10.9.0.2/32',
        'undo link wa mtu 1420 up',
        'undo address wa 10.9.0.1/24',
      ],
    ],
  ])('when %s fails, undoes the steps before it and leaves no device, port or socket', async (_what, step, log) => {
    host.system.failAt(step, new Error('nft: no such thing'));
    const logged: string[] = [];
    await expect(start({ blockUntunneled: true, log: (message) => logged.push(message) })).rejects.toThrow(
      'nft: no such thing',
    );
    expect(host.log).toEqual(log);
    expect(host.system.inPlace()).toEqual([]);
    expect(host.tun('wa')).toBeUndefined();
    expect(host.io.binds).toEqual([]);
    expect(existsSync(join(uapiDirectory, 'wa.sock'))).toBe(false);
    expect(logged).toEqual([]);
    // The port is free again for the next try, which comes up.
    await start();
    expect(host.io.binds.map((bind) => bind.port)).toEqual([40000]);
  });

  it('stops by itself when its interface is deleted from outside, taking back what it set up', async () => {
    let stopped: string | undefined;
    await start({ onStopped: (reason) => (stopped = reason) });
    const since = host.log.length;
    await host.deleteInterface('wa');
    await eventually(() => stopped !== undefined);
    expect(stopped).toMatch(/^interface wa went away \(.*EBADFD/);
    expect(logSince(since)).toEqual([
      'undo route wa 10.9.0.2/32',
      'undo link wa mtu 1420 up',
      'undo address wa 10.9.0.1/24',
    ]);
    expect(host.io.binds).toEqual([]);
  });

  it('puts the kill switch in place, changes it and takes it away while it runs', async () => {
    const tunnel = await start();
    const since = host.log.length;
    await tunnel.setKillSwitch({ blockUntunneled: true, allowLan: true, allowBridges: false });
    await tunnel.setKillSwitch({ blockUntunneled: true, allowLan: true, allowBridges: true });
    expect(tunnel.blocking).toBe(true);
    await tunnel.setKillSwitch({ blockUntunneled: false, allowLan: false, allowBridges: false });
    expect(tunnel.blocking).toBe(false);
    expect(logSince(since)).toEqual([
      'killswitch wa fwmark none lan yes bridges no dns none endpoints 192.0.2.2:51820',
      'killswitch wa fwmark none lan yes bridges yes dns none endpoints 192.0.2.2:51820',
      'undo killswitch wa',
    ]);
  });

  it('follows its interface’s MTU: set live by the app, or by anyone with `ip link set mtu`', async () => {
    const tunnel = await start();
    await eventually(() => tunnel.hasSession());
    tunnel.setMtu(1500);
    expect(host.tun('wa')!.mtu).toBe(1500);
    expect(tunnel.device.mtu).toBe(1500);
    expect(() => tunnel.setMtu(100)).toThrow(RangeError);
    expect(host.tun('wa')!.mtu).toBe(1500);
    // Changed from outside: the next packets from the TUN side carry the new MTU to the engine.
    host.tun('wa')!.mtu = 1280;
    host.tun('wa')!.inject(packet('10.9.0.1', '10.9.0.2', 1));
    await eventually(() => peerHost.tun('wpeer')!.written.length === 1);
    expect(tunnel.device.mtu).toBe(1280);
  });

  it('after a change of network, tells the peer where it is with a keepalive: no second handshake on a fresh session', async () => {
    const sent: string[] = [];
    network.filter = (datagram, from) => {
      if (from !== '192.0.2.1:40000') return true;
      sent.push(datagram[0] === 4 && datagram.length === 32 ? 'keepalive' : `type ${datagram[0]}`);
      return true;
    };
    const tunnel = await start();
    await eventually(() => tunnel.hasSession() && peer.tunnel.hasSession());
    await eventually(() => sent.length === 2);
    expect(sent).toEqual(['type 1', 'keepalive']);
    // A change of network right after the handshake, 1 s after and 6 s after (past REKEY_TIMEOUT): a keepalive
    // each time, which the peer authenticates and takes our address from.
    expect(tunnel.announce()).toBe(1);
    host.io.passTimeAsleep(1_000);
    expect(tunnel.announce()).toBe(1);
    host.io.passTimeAsleep(5_000);
    expect(tunnel.announce()).toBe(1);
    await eventually(() => sent.length === 5);
    expect(sent).toEqual(['type 1', 'keepalive', 'keepalive', 'keepalive', 'keepalive']);
    expect(peer.tunnel.status().peers[0]!.endpoint).toBe('192.0.2.1:40000');
  });

  it('counts time asleep: after a sleep nobody announced, a key from before it is not sent on', async () => {
    const initiations: number[] = [];
    network.filter = (datagram, from) => {
      if (datagram[0] === 1 && from === '192.0.2.1:40000') initiations.push(host.io.clock());
      return true;
    };
    const tunnel = await start();
    await eventually(() => tunnel.hasSession() && peer.tunnel.hasSession());
    host.tun('wa')!.inject(packet('10.9.0.1', '10.9.0.2', 1));
    await eventually(() => peerHost.tun('wpeer')!.written.length === 1);
    expect(initiations).toHaveLength(1);
    // TAI64N timestamps are whitened to ~16.8 ms: the peer takes a new initiation only with a later one.
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Eight hours asleep, and the suspend signal missed (no logind, say): the keys stayed, and the clock tells
    // their age. A peer would refuse a key past REJECT_AFTER_TIME. (Only our clock jumps: the peer's timers, due
    // after a night, would start a handshake of their own.)
    host.io.passTimeAsleep(8 * 3_600_000);
    host.tun('wa')!.inject(packet('10.9.0.1', '10.9.0.2', 2));
    await eventually(() => peerHost.tun('wpeer')!.written.length === 2);
    expect(initiations).toHaveLength(2);
    expect(peerHost.tun('wpeer')!.written[1]).toEqual(packet('10.9.0.1', '10.9.0.2', 2));
    expect(tunnel.device.peers[0]!.keypairs.current!.createdAt).toBeGreaterThan(8 * 3_600_000);
  });
});
