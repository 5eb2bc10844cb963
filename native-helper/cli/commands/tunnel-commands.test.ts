// The commands about stored tunnels, in-process against the whole helper in memory (testing/memory-helper.ts):
// what `set`, `create` and `rename` change is what `list --json` reports, the JSON shapes of list and show, and
// `warren status` on one screen. As root and as members (alice, bob), judged by the real access policy.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyPair, tunnelText } from '../../daemon/testing/memory-tunnels.js';
import type { ListedTunnel, ShownTunnel } from '../json-output.js';
import { runCli } from '../run.js';
import { ALICE, BOB, MemoryHelper, ROOT } from '../testing/memory-helper.js';
import { memoryIo } from '../testing/memory-io.js';

let helper: MemoryHelper;
beforeEach(async () => {
  helper = await MemoryHelper.start('9.8.7');
});
afterEach(async () => helper.close());

const config = () =>
  tunnelText({
    key: keyPair(),
    address: '10.9.0.1/24',
    peer: keyPair(),
    allowedIps: '10.9.0.2/32',
    endpoint: '192.0.2.2:51820',
  });

async function warren(uid: number, ...args: string[]) {
  helper.as(uid);
  const io = memoryIo();
  const status = await runCli(args, io, '9.8.7');
  return { status, out: io.out, err: io.err };
}

async function store(name: string, owner: number): Promise<void> {
  const file = join(helper.directory, `${name}.conf`);
  writeFileSync(file, config());
  expect((await warren(owner, 'import', file)).status).toBe(0);
}

async function listed(uid = ROOT): Promise<ListedTunnel[]> {
  const result = await warren(uid, 'list', '--json');
  expect(result.status, result.err).toBe(0);
  return (JSON.parse(result.out) as { tunnels: ListedTunnel[] }).tunnels;
}

describe('warren list --json', () => {
  it('prints every tunnel with the documented fields, the same for an empty store', async () => {
    expect(JSON.parse((await warren(ROOT, 'list', '--json')).out)).toEqual({ tunnels: [] });
    await store('home', ALICE);
    expect(await listed(BOB)).toEqual([
      {
        name: 'home',
        state: 'down',
        error: null,
        origin: 'store',
        owner: 'alice',
        canChange: false,
        settings: {
          autostart: false,
          blockUntunneled: false,
          allowBridges: false,
          excludePrivateIps: false,
          allowScripts: false,
          onDemand: { ethernet: false, wifi: 'never', ssids: [] },
        },
        onDemand: null,
      },
    ]);
    expect((await listed(ALICE))[0]!.canChange).toBe(true);
  });

  it('refuses other arguments as a usage error', async () => {
    const result = await warren(ROOT, 'list', '--jsn');
    expect(result.status).toBe(2);
    expect(result.err).toContain('unexpected argument `--jsn`');
  });
});

describe('warren set, create and rename, as list --json reports them', () => {
  it("changes the owner's settings, refuses another member's and a member allowing scripts", async () => {
    await store('home', ALICE);
    const set = await warren(ALICE, 'set', 'home', '--autostart', 'on', '--block-untunneled', 'on');
    expect(set).toMatchObject({ status: 0, out: 'home: autostart on, block-untunneled on\n' });
    expect((await listed())[0]!.settings).toMatchObject({ autostart: true, blockUntunneled: true });

    const bob = await warren(BOB, 'set', 'home', '--autostart', 'off');
    expect(bob.status).toBe(1);
    expect(bob.err).toBe(
      'warren: home belongs to alice; only alice or an administrator may change the settings of it\n',
    );
    const scripts = await warren(ALICE, 'set', 'home', '--allow-scripts', 'on');
    expect(scripts.status).toBe(1);
    expect(scripts.err).toContain('only an administrator may allow them');
    expect((await warren(ROOT, 'set', 'home', '--allow-scripts', 'on')).status).toBe(0);
    expect((await listed())[0]!.settings).toEqual({
      autostart: true,
      blockUntunneled: true,
      allowBridges: false,
      excludePrivateIps: false,
      allowScripts: true,
      onDemand: { ethernet: false, wifi: 'never', ssids: [] },
    });
  });

  it('creates a tunnel with a fresh key pair for its creator, from nothing or from a FILE without a key', async () => {
    const created = await warren(ALICE, 'create', 'fresh');
    expect(created.status, created.err).toBe(0);
    const key = /^its public key \(give it to the peer\): (\S+)$/m.exec(created.out)?.[1];
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(created.err).toBe('add its address and peers with: warren edit fresh\n');
    const got = await helper.call((client) => client.call('get', { name: 'fresh' }));
    expect(got.publicKey).toBe(key);
    expect((await listed()).find((t) => t.name === 'fresh')).toMatchObject({ owner: 'alice' });

    const rest = join(helper.directory, 'rest.conf');
    writeFileSync(rest, '[Interface]\nAddress = 10.7.0.1/24\n');
    expect((await warren(BOB, 'create', 'withrest', rest)).status).toBe(0);
    const text = await helper.call((client) => client.call('get', { name: 'withrest' }));
    expect(text.text).toBe('[Interface]\nPrivateKey = (hidden)\nAddress = 10.7.0.1/24\n');

    writeFileSync(rest, `[Interface]\nPrivateKey = ${keyPair().privateKey}\n`);
    const refused = await warren(BOB, 'create', 'withkey', rest);
    expect(refused.status).toBe(1);
    expect(refused.err).toContain('leave PrivateKey out');
    expect((await warren(ROOT, 'create', 'x', 'a', 'b')).status).toBe(2);
    expect((await warren(ROOT, 'create', 'far-too-long-a-name')).status).toBe(2);
  });

  it('renames a tunnel that is down, keeping its settings, and refuses one that is up or not the caller’s', async () => {
    await store('home', ALICE);
    await warren(ALICE, 'set', 'home', '--autostart', 'on');
    expect(await warren(ALICE, 'rename', 'home', 'house')).toMatchObject({ status: 0, out: 'home is now house\n' });
    expect(await listed()).toMatchObject([{ name: 'house', owner: 'alice', settings: { autostart: true } }]);
    expect((await warren(BOB, 'rename', 'house', 'shack')).err).toContain('house belongs to alice');
    expect((await warren(ROOT, 'up', 'house')).status).toBe(0);
    const running = await warren(ALICE, 'rename', 'house', 'shack');
    expect(running.status).toBe(1);
    expect(running.err).toContain('house is up; take it down before renaming it');
    expect((await warren(ROOT, 'rename', 'house')).status).toBe(2);
  });
});

describe('warren show --json and warren status', () => {
  it('shows a running tunnel with the documented fields, never a private key', async () => {
    await store('home', ALICE);
    expect((await warren(ALICE, 'up', 'home')).status).toBe(0);
    const shown = await warren(BOB, 'show', '--json');
    expect(shown.status, shown.err).toBe(0);
    const [tunnel, ...more] = (JSON.parse(shown.out) as { tunnels: ShownTunnel[] }).tunnels;
    expect(more).toEqual([]);
    expect(Object.keys(tunnel!).sort()).toEqual(
      ['dropped', 'fwmark', 'listenPort', 'name', 'peers', 'publicKey', 'warnings'].sort(),
    );
    expect(tunnel!.peers[0]).toMatchObject({
      endpoint: '192.0.2.2:51820',
      allowedIps: ['10.9.0.2/32'],
      latestHandshake: null,
      hasSession: false,
    });
    expect(Object.keys(tunnel!.peers[0]!).sort()).toEqual(
      [
        'allowedIps',
        'dropped',
        'endpoint',
        'hasSession',
        'hint',
        'latestHandshake',
        'persistentKeepalive',
        'publicKey',
        'rxBytes',
        'txBytes',
      ].sort(),
    );
    expect(shown.out).not.toMatch(/privateKey/i);
    expect(JSON.parse((await warren(ROOT, 'show', '--json', 'home')).out).tunnels[0].name).toBe('home');
  });

  it('summarises the helper and every tunnel on one screen', async () => {
    await store('home', ALICE);
    await store('office', BOB);
    await warren(ROOT, 'set', 'office', '--autostart', 'on', '--block-untunneled', 'on');
    expect((await warren(ROOT, 'up', 'home')).status).toBe(0);
    const result = await warren(BOB, 'status');
    expect(result.status, result.err).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('Warren helper 9.8.7 in this network namespace: 2 tunnels, 0 up');
    expect(lines[1]).toMatch(/^ {2}home {4}connecting {2}1 peer, no handshake yet(; \d+ B in, \d+ B out)?$/);
    expect(lines[2]).toBe('  office  down        autostart; kill switch');
  });

  it('fits 20 tunnels on a screen and counts the rest', async () => {
    for (let i = 0; i < 23; i++) await store(`t${i}`, ALICE);
    const lines = (await warren(ROOT, 'status')).out.trimEnd().split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('  ... and 3 more tunnels: warren list shows them all');
  });
});
