// The tunnels a helper runs, in memory (testing/memory-host.ts): the states the app shows (connecting, up on the
// first handshake, reconnecting across suspend and resume, error when it cannot come up), the journal that lets a
// later helper clean up, what a change of network sends, and a kill switch that follows a roaming peer.
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TunnelOptions } from '../../shared/ipc/control.js';
import { MemoryNetwork } from '../io/memory-bind.js';
import { defaultTunnelOptions } from '../store/index.js';
import { HelperLog } from './helper-log.js';
import { TunnelJournal } from './recovery.js';
import { RunningTunnels, type TunnelEntry } from './running-tunnels.js';
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

let directory: string;
let network: MemoryNetwork;
let host: MemoryHost;
let peerHost: MemoryHost;
let key: KeyPair;
let peer: PeerTunnel;
let journal: TunnelJournal;
let tunnels: RunningTunnels;
/** The states of wa, each time the list changed. */
let states: string[];

beforeEach(async () => {
  directory = temporaryDirectory('warren-running-');
  network = new MemoryNetwork();
  host = new MemoryHost({ network, ipv4: '192.0.2.1', ipv6: '2001:db8::1' });
  peerHost = new MemoryHost({ network, ipv4: '192.0.2.2', ipv6: '2001:db8::2' });
  key = keyPair();
  const uapiDirectory = join(directory, 'uapi');
  peer = await startPeerTunnel(peerHost, {
    name: 'wpeer',
    port: 51820,
    address: '10.9.0.2',
    peerKey: key,
    peerAllowedIps: '10.9.0.1/32',
    uapiDirectory,
  });
  journal = new TunnelJournal(join(directory, 'run'), 'test');
  states = [];
  tunnels = new RunningTunnels({
    host,
    crypto: testCrypto(),
    uapiDirectory,
    journal,
    log: new HelperLog({ output: () => {} }),
    onChange: () => {
      const entry = tunnels.get('wa');
      if (entry && states.at(-1) !== entry.state) states.push(entry.state);
    },
  });
});

afterEach(async () => {
  await tunnels.closeAll();
  await peer.tunnel.close();
  rmSync(directory, { recursive: true, force: true });
});

const config = (extra: string[] = []) =>
  parsed(
    tunnelText({
      key,
      address: '10.9.0.1/24',
      listenPort: 40000,
      interfaceLines: extra,
      peer: peer.key,
      allowedIps: '10.9.0.2/32',
      endpoint: '192.0.2.2:51820',
    }),
  );

function options(changes: Partial<TunnelOptions> = {}): TunnelOptions {
  return { ...defaultTunnelOptions(config()), ...changes };
}

const up = (entry: TunnelEntry) => entry.state === 'up';

/** Sends one UAPI `set` to a tunnel's socket, as `wg set` does; resolves with the errno line. */
function uapiSet(name: string, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(join(directory, 'uapi', `${name}.sock`));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.endsWith('\n\n')) {
        socket.destroy();
        resolve(reply.trim());
      }
    });
    socket.on('error', reject);
    socket.write(`set=1\n${lines.join('\n')}\n\n`);
  });
}

describe('RunningTunnels in memory', () => {
  it('is connecting until the first handshake, then up; the journal holds it while it runs', async () => {
    let reachable = false;
    network.filter = () => reachable;
    const entry = await tunnels.start('wa', 'store', config(), options());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(entry.state).toBe('connecting');
    // The peer becomes reachable, and a change of network comes once the first initiation is REKEY_TIMEOUT old (the
    // clock made to jump rather than waited for): the initiation it sends gets through.
    reachable = true;
    host.io.passTimeAsleep(6_000);
    await tunnels.networkChanged();
    await eventually(() => up(entry));
    expect(states).toEqual(['connecting', 'up']);
    expect(journal.read().entries).toEqual([{ name: 'wa', fwmark: null, dnsMethod: null }]);
    await tunnels.stop('wa');
    expect(tunnels.get('wa')).toBeUndefined();
    expect(journal.read().entries).toEqual([]);
  });

  it('notes a full tunnel’s fwmark and DNS method in the journal, for a helper after a crash', async () => {
    const full = parsed(
      tunnelText({
        key,
        address: '10.9.0.1/24',
        interfaceLines: ['DNS = 10.9.0.53'],
        peer: peer.key,
        allowedIps: '0.0.0.0/0',
        endpoint: '192.0.2.2:51820',
      }),
    );
    await tunnels.start('wa', 'file', full, options());
    expect(journal.read().entries).toEqual([{ name: 'wa', fwmark: 51820, dnsMethod: 'resolvectl' }]);
  });

  it('drops every key on suspend (reconnecting) and handshakes again on resume (up)', async () => {
    const entry = await tunnels.start('wa', 'store', config(), options());
    await eventually(() => up(entry));
    states.length = 0;
    // A responder takes only an initiation with a later timestamp than the last, and timestamps are whitened to
    // about 16.8 ms: a machine that sleeps sleeps longer than that.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tunnels.suspend()).toBe(1);
    expect(entry.state).toBe('reconnecting');
    expect(entry.tunnel!.hasSession()).toBe(false);
    expect(entry.tunnel!.status().peers[0]!.hasSession).toBe(false);
    expect(await tunnels.resume()).toBe(1);
    await eventually(() => up(entry) && entry.tunnel!.hasSession());
    expect(states).toEqual(['reconnecting', 'up']);
  });

  it('after a change of network, tells every peer in use where it is: a keepalive on a session, no new handshake', async () => {
    const sent: string[] = [];
    network.filter = (datagram, from) => {
      if (from === '192.0.2.1:40000') sent.push(datagram[0] === 1 ? 'initiation' : `type ${datagram[0]}`);
      return true;
    };
    const entry = await tunnels.start('wa', 'store', config(), options());
    await eventually(() => up(entry) && sent.length === 2);
    await tunnels.networkChanged();
    await eventually(() => sent.length === 3);
    expect(sent).toEqual(['initiation', 'type 4', 'type 4']);
    expect(entry.state).toBe('up');
  });

  it('sends the keepalive that `wg set persistent-keepalive` turns on at once, not at the next packet', async () => {
    const keepalives: number[] = [];
    network.filter = (datagram, from) => {
      if (from === '192.0.2.1:40000' && datagram[0] === 4 && datagram.length === 32) keepalives.push(Date.now());
      return true;
    };
    const entry = await tunnels.start('wa', 'store', config(), options());
    await eventually(() => up(entry) && keepalives.length === 1);
    const peerHex = Buffer.from(peer.key.publicKey, 'base64').toString('hex');
    const asked = Date.now();
    expect(await uapiSet('wa', [`public_key=${peerHex}`, 'persistent_keepalive_interval=25'])).toBe('errno=0');
    await eventually(() => keepalives.length === 2, 1000);
    expect(keepalives[1]! - asked).toBeLessThan(500);
  });

  it('lets a kill switch that goes by endpoint follow a peer that roamed', async () => {
    const entry = await tunnels.start('wa', 'store', config(), options({ blockUntunneled: true }));
    await eventually(() => up(entry));
    const since = host.log.length;
    await tunnels.followEndpoints();
    expect(host.log.slice(since)).toEqual([]); // nothing changed, nothing applied
    // The peer moves to another port (`wg set wpeer listen-port 51821`) and sends from there.
    expect(await uapiSet('wpeer', ['listen_port=51821'])).toBe('errno=0');
    peerHost.tun('wpeer')!.inject(packet('10.9.0.2', '10.9.0.1', 1));
    await eventually(() => entry.tunnel!.status().peers[0]!.endpoint === '192.0.2.2:51821');
    await tunnels.followEndpoints();
    expect(host.log.slice(since)).toEqual([
      'killswitch wa fwmark none lan no bridges no dns none endpoints 192.0.2.2:51821',
    ]);
  });

  it('refuses a name an interface already has, touching nothing', async () => {
    const other = host.io.openTun({ name: 'wa', mtu: 1420 });
    await expect(tunnels.start('wa', 'store', config(), options())).rejects.toMatchObject({ code: 'exists' });
    expect(host.log).toEqual([]);
    expect(journal.read().entries).toEqual([]);
    await other.close();
  });

  it('keeps a stored tunnel that failed to come up in state error, with the reason, and no journal entry', async () => {
    host.system.failAt('route wa', new Error('RTNETLINK answers: File exists'));
    await expect(tunnels.start('wa', 'store', config(), options())).rejects.toMatchObject({ code: 'up-failed' });
    expect(tunnels.get('wa')).toMatchObject({
      state: 'error',
      tunnel: null,
      error: 'could not come up: RTNETLINK answers: File exists',
    });
    expect(journal.read().entries).toEqual([]);
    // A file's tunnel that fails is not kept.
    host.system.failAt('route wb', new Error('no'));
    await expect(tunnels.start('wb', 'file', config(), options())).rejects.toMatchObject({ code: 'up-failed' });
    expect(tunnels.get('wb')).toBeUndefined();
  });

  it('marks a stored tunnel that stopped by itself as error, and forgets one from a file', async () => {
    await tunnels.start('wa', 'store', config(), options());
    await tunnels.start(
      'wb',
      'file',
      parsed(tunnelText({ key, address: '10.9.1.1/24', peer: peer.key, allowedIps: '10.9.1.2/32' })),
      options(),
    );
    await host.deleteInterface('wa');
    await host.deleteInterface('wb');
    await eventually(() => tunnels.get('wa')?.state === 'error' && tunnels.get('wb') === undefined);
    expect(tunnels.get('wa')).toMatchObject({
      tunnel: null,
      error: expect.stringMatching(/^stopped: interface wa went away/),
    });
    expect(journal.read().entries).toEqual([]);
  });
});
