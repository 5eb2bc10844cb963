// The whole helper, composed by startHelperService, in memory: its control socket, store, runtime directory
// and UAPI sockets in a temporary folder, its tunnels on a MemoryHost (testing/memory-host.ts) talking to a peer
// on another, and scripted accounts (alice and bob, members of the control group; uid 0, root). What a user does
// through the app (import, up, down, rename, settings, delete, suspend and resume) and what a crash leaves for the
// next helper to put right, without root: the same stories as test/netns/helper-service.test.ts, in milliseconds.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../shared/ipc/control-client.js';
import type { ControlEvent, TunnelSummary } from '../../shared/ipc/control.js';
import { MemoryNetwork } from '../io/memory-bind.js';
import { TunnelStore } from '../store/index.js';
import type { Accounts } from './authorization.js';
import { type HelperService, startHelperService } from './helper-service.js';
import { TunnelJournal } from './recovery.js';
import { MemoryHost } from './testing/memory-host.js';
import {
  type KeyPair,
  type PeerTunnel,
  eventually,
  keyPair,
  startPeerTunnel,
  temporaryDirectory,
  testCrypto,
  tunnelText,
} from './testing/memory-tunnels.js';

const ALICE = 61001;
const BOB = 61002;
const NAMES: Record<number, string> = { 0: 'root', [ALICE]: 'alice', [BOB]: 'bob' };

let directory: string;
let host: MemoryHost;
let peerHost: MemoryHost;
let key: KeyPair;
let peer: PeerTunnel;
let helper: HelperService | null;
let clients: ControlClient[];
/** Who the next connection to the control socket is. */
let connectingAs = 0;

/** The control socket's account look-ups, scripted: the group is this process's own, so its socket file can be. */
const accounts: Accounts = {
  peerCredentials: () => ({ pid: process.pid, uid: connectingAs, gid: connectingAs }),
  userName: (uid) => NAMES[uid] ?? null,
  groupId: () => process.getegid!(),
  groupMembership: (_uid, gid) => [gid, process.getegid!()],
};

const socketPath = () => join(directory, 'run', 'control.sock');

async function startHelper(): Promise<HelperService> {
  helper = await startHelperService({
    socketPath: socketPath(),
    platform: host.platform,
    io: host.io,
    crypto: testCrypto(),
    version: '0.0.0-test',
    store: await TunnelStore.open(join(directory, 'store')),
    runtimeDirectory: join(directory, 'run'),
    namespaceId: 'test',
    uapiDirectory: join(directory, 'uapi'),
    controlGroup: 'warren-test',
    accounts,
    log: { output: () => {} },
  });
  await helper.ready;
  return helper;
}

/** A connection made as `uid`, judged by the helper before this resolves. */
async function as(uid: number): Promise<ControlClient> {
  connectingAs = uid;
  const client = await ControlClient.connect(socketPath());
  await client.call('version', {});
  clients.push(client);
  return client;
}

beforeEach(async () => {
  directory = temporaryDirectory('warren-helper-');
  clients = [];
  const network = new MemoryNetwork();
  host = new MemoryHost({ network, ipv4: '192.0.2.1', ipv6: '2001:db8::1' });
  peerHost = new MemoryHost({ network, ipv4: '192.0.2.2', ipv6: '2001:db8::2' });
  key = keyPair();
  peer = await startPeerTunnel(peerHost, {
    name: 'wpeer',
    port: 51820,
    address: '10.9.0.2',
    peerKey: key,
    peerAllowedIps: '10.9.0.1/32',
    uapiDirectory: join(directory, 'uapi'),
  });
  await startHelper();
});

afterEach(async () => {
  for (const client of clients) client.close();
  await helper?.close();
  await peer.tunnel.close();
  rmSync(directory, { recursive: true, force: true });
});

/** A tunnel to the peer: split (10.9.0.2 only) or full (everything). */
const text = (allowedIps = '10.9.0.2/32') =>
  tunnelText({
    key,
    address: '10.9.0.1/24',
    listenPort: 40000,
    peer: peer.key,
    allowedIps,
    endpoint: '192.0.2.2:51820',
  });

/** What the platform was asked for the tunnel `name` from log line `since` on. */
const steps = (name: string, since = 0) => host.log.slice(since).filter((line) => line.split(' ').includes(name));

const stateOf = async (client: ControlClient, name: string): Promise<TunnelSummary['state'] | undefined> =>
  (await client.call('list', {})).find((t) => t.name === name)?.state;

/** Imports `text` as alice's tunnel wa. */
async function importAsAlice(tunnelText = text()): Promise<ControlClient> {
  const alice = await as(ALICE);
  expect(await alice.call('import', { files: [{ filename: 'wa.conf', text: tunnelText }] })).toMatchObject([
    { ok: true, name: 'wa' },
  ]);
  return alice;
}

describe('the helper service in memory', () => {
  it('imports a tunnel, brings it up and shows it up after the handshake, takes it down and deletes it', async () => {
    const alice = await importAsAlice();
    expect(await alice.call('list', {})).toMatchObject([
      { name: 'wa', state: 'down', origin: 'store', owner: 'alice', canChange: true },
    ]);
    const bob = await as(BOB);
    expect(await bob.call('list', {})).toMatchObject([{ name: 'wa', owner: 'alice', canChange: false }]);

    const status = await alice.call('up', { name: 'wa' });
    expect(status).toMatchObject({
      name: 'wa',
      listenPort: 40000,
      peers: [{ publicKey: peer.key.publicKey, endpoint: '192.0.2.2:51820' }],
    });
    await eventually(async () => (await stateOf(alice, 'wa')) === 'up');
    expect((await alice.call('show', { name: 'wa' }))[0]!.peers[0]!.hasSession).toBe(true);
    expect(steps('wa')).toEqual(['address wa 10.9.0.1/24', 'link wa mtu 1420 up', 'route wa 10.9.0.2/32']);
    expect(helper!.tunnels.get('wa')?.state).toBe('up');

    const since = host.log.length;
    expect(await alice.call('down', { name: 'wa' })).toEqual({ name: 'wa' });
    expect(steps('wa', since)).toEqual([
      'undo route wa 10.9.0.2/32',
      'undo link wa mtu 1420 up',
      'undo address wa 10.9.0.1/24',
    ]);
    expect(host.tun('wa')).toBeUndefined();
    expect(await stateOf(alice, 'wa')).toBe('down');

    await expect(bob.call('delete', { name: 'wa' })).rejects.toMatchObject({ code: 'not-permitted' });
    expect(await alice.call('delete', { name: 'wa' })).toEqual({ name: 'wa' });
    expect(await alice.call('list', {})).toEqual([]);
  });

  it('renames a tunnel only while it is down, and its kill switch follows the settings while it runs', async () => {
    const alice = await importAsAlice();
    await alice.call('up', { name: 'wa' });
    await expect(alice.call('rename', { name: 'wa', newName: 'wb' })).rejects.toMatchObject({ code: 'running' });

    const since = host.log.length;
    expect(await alice.call('setOptions', { name: 'wa', options: { blockUntunneled: true } })).toMatchObject({
      blockUntunneled: true,
    });
    await alice.call('setOptions', { name: 'wa', options: { allowBridges: true } });
    await alice.call('setOptions', { name: 'wa', options: { blockUntunneled: false } });
    expect(steps('wa', since)).toEqual([
      'killswitch wa fwmark none lan no bridges no dns none endpoints 192.0.2.2:51820',
      'killswitch wa fwmark none lan no bridges yes dns none endpoints 192.0.2.2:51820',
      'undo killswitch wa',
    ]);
    const bob = await as(BOB);
    await expect(bob.call('setOptions', { name: 'wa', options: { blockUntunneled: true } })).rejects.toMatchObject({
      code: 'not-permitted',
    });

    await alice.call('down', { name: 'wa' });
    expect(await alice.call('rename', { name: 'wa', newName: 'wb' })).toEqual({ name: 'wb' });
    expect((await alice.call('list', {})).map((t) => [t.name, t.state, t.options.allowBridges])).toEqual([
      ['wb', 'down', true],
    ]);
    // The next up is under the new name.
    await alice.call('up', { name: 'wb' });
    expect(host.tun('wb')).toBeDefined();
  });

  it('drops every key on suspend and handshakes again on resume, telling subscribers', async () => {
    const alice = await importAsAlice();
    await alice.call('up', { name: 'wa' });
    await eventually(async () => (await stateOf(alice, 'wa')) === 'up');
    const states: string[] = [];
    alice.onEvent((event: ControlEvent) => {
      const state = event.type === 'tunnels' ? event.tunnels.find((t) => t.name === 'wa')?.state : undefined;
      if (state !== undefined && states.at(-1) !== state) states.push(state);
    });
    await alice.call('subscribe', {});
    // A responder takes only an initiation with a later timestamp, whitened to about 16.8 ms: a sleep is longer.
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await alice.call('suspend', {})).toEqual({ tunnels: 1 });
    expect(await stateOf(alice, 'wa')).toBe('reconnecting');
    expect((await alice.call('show', { name: 'wa' }))[0]!.peers[0]!.hasSession).toBe(false);
    expect(await alice.call('resume', {})).toEqual({ tunnels: 1 });
    await eventually(() => states.at(-1) === 'up');
    expect(states).toEqual(['reconnecting', 'up']);
    expect((await alice.call('show', { name: 'wa' }))[0]!.peers[0]!.hasSession).toBe(true);
  });

  it('brings back after a crash the tunnel that was up: leftovers recovered, its kill switch held until it is back', async () => {
    const alice = await importAsAlice(text('0.0.0.0/0'));
    await alice.call('setOptions', { name: 'wa', options: { blockUntunneled: true } });
    await alice.call('up', { name: 'wa' });
    await eventually(async () => (await stateOf(alice, 'wa')) === 'up');

    // SIGKILL: the device goes with the process, the rules and the kill switch stay, and so do the files.
    host.crash();
    await helper!.close(); // what the dead helper still holds is released; it can take nothing down any more
    helper = null;
    expect(new TunnelJournal(join(directory, 'run'), 'test').read().entries).toEqual([
      { name: 'wa', fwmark: 51820, dnsMethod: null },
    ]);
    expect(host.system.inPlace()).toEqual(['full tunnel wa ipv4 table 51820']);
    expect([...host.system.killSwitches.keys()]).toEqual(['wa']);

    // A restart takes longer than the 16.8 ms a responder needs between two initiations' timestamps.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = host.log.length;
    await startHelper();
    expect(host.log.slice(since)).toEqual([
      'killswitch active',
      'recover wa fwmark 51820 dns none',
      'address wa 10.9.0.1/24',
      'link wa mtu 1420 up',
      'full tunnel wa ipv4 table 51820',
      'killswitch wa fwmark 51820 lan no bridges no dns none endpoints 192.0.2.2:51820',
      'watch network',
      'killswitch active',
      // Once started up: which network this is, for on-demand and the sign-in hole.
      'watch network identity',
    ]);
    const client = await as(ALICE);
    await eventually(async () => (await stateOf(client, 'wa')) === 'up');
    expect(new TunnelJournal(join(directory, 'run'), 'test').read().entries).toEqual([
      { name: 'wa', fwmark: 51820, dnsMethod: null },
    ]);
  });

  it('refuses to store or run a config whose Table names a routing table the platform does not know', async () => {
    const alice = await as(ALICE);
    const withTable = (table: string) => text().replace('[Peer]', `Table = ${table}\n\n[Peer]`);
    const [refused] = await alice.call('import', { files: [{ filename: 'wt.conf', text: withTable('vpn') }] });
    expect(refused).toMatchObject({ ok: false });
    expect(refused!.errors.join('\n')).toMatch(/Table `vpn` is not a routing table ip\(8\) knows/);
    await expect(alice.call('up', { name: 'wf', config: withTable('vpn') })).rejects.toMatchObject({ code: 'config' });
    const [stored] = await alice.call('import', { files: [{ filename: 'wt.conf', text: withTable('main') }] });
    expect(stored).toMatchObject({ ok: true, name: 'wt' });
    alice.close();
  });

  it('runs a tunnel from a file for a member, never stored, and gone with its down', async () => {
    const bob = await as(BOB);
    await bob.call('up', { name: 'wf', config: text(), source: '/home/bob/wf.conf' });
    expect(await bob.call('list', {})).toMatchObject([{ name: 'wf', origin: 'file', canChange: false }]);
    await eventually(async () => (await stateOf(bob, 'wf')) === 'up');
    await bob.call('down', { name: 'wf' });
    expect(await bob.call('list', {})).toEqual([]);
    expect(steps('wf').at(-1)).toBe('undo address wf 10.9.0.1/24');
  });
});
