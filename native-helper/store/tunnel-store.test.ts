// The tunnel store on real files, each test in its own directory under the system's temporary directory.
import { execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeKey, MAX_CONFIG_BYTES } from '../../shared/config/index.js';
import type { TunnelOptions } from '../../shared/ipc/control.js';
import { temporaryPathFor } from './atomic-write.js';
import { DEFAULT_STATE_DIR, resolveStateDir } from './state-dir.js';
import { STATE_FILE_NAME } from './state-file.js';
import { StoreError } from './store-error.js';
import { MAX_TUNNELS, TunnelStore } from './tunnel-store.js';

const key = (n: number): string => encodeKey(new Uint8Array(32).fill(n));
const PRIV = key(1);

/** A config with one peer per AllowedIPs list given. */
function conf(...peers: string[]): string {
  const body = peers.map((ips, i) => `\n[Peer]\nPublicKey = ${key(10 + i)}\nAllowedIPs = ${ips}\n`).join('');
  return `[Interface]\nPrivateKey = ${PRIV}\nAddress = 10.0.0.2/32\n${body}`;
}
const SPLIT = conf('10.0.0.0/24');
const FULL = conf('0.0.0.0/0, ::/0');
// What people write and a canonicaliser would lose: a BOM, comments, CRLF, odd spacing and case, no final newline.
const PERSONAL =
  `\ufeff# Home VPN: ask Sam before changing\r\n[Interface]\r\nprivatekey=${PRIV}   # laptop\r\n` +
  `Address = 10.0.0.2/32 ,  fd00::2/128\r\n\r\n[Peer]  \r\n# the router\r\nPublicKey = ${key(2)}\r\nAllowedIPs = 10.0.0.0/24`;

const DEFAULTS: TunnelOptions = {
  autostart: false,
  blockUntunneled: false,
  allowBridges: false,
  allowScripts: false,
  excludePrivateIps: false,
  onDemand: { ethernet: false, wifi: 'never', ssids: [] },
};

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'warren-store-'));
  dir = join(root, 'store');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;
const bytesOf = (path: string) => readFile(path);
const stateOf = async () => JSON.parse(await readFile(join(dir, STATE_FILE_NAME), 'utf8'));

async function expectStoreError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<StoreError> {
  const error = await promise.then(
    () => expect.fail(`expected a StoreError ${code}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  if (message !== undefined) expect((error as StoreError).message).toMatch(message);
  return error as StoreError;
}

/** Everything about a directory entry that a write, chmod, chown, replace or delete would change. */
async function snapshot(path: string) {
  const s = await lstat(path);
  const content = s.isFile()
    ? (await readFile(path)).toString('hex')
    : s.isSymbolicLink()
      ? await readlink(path)
      : s.isDirectory()
        ? await readdir(path)
        : null;
  return { ino: s.ino, mode: s.mode, uid: s.uid, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, content };
}

describe('TunnelStore: opening', () => {
  it('creates a missing directory (and parents) 0700, and starts empty', async () => {
    const store = await TunnelStore.open(dir);
    expect(await modeOf(dir)).toBe(0o700);
    expect(store.directory).toBe(dir);
    expect(store.list()).toEqual([]);
    expect(store.problems()).toEqual([]);
    // Opening writes nothing.
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a directory its group or everyone can write to, saying how to fix it', async () => {
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o770);
    await expectStoreError(TunnelStore.open(dir), 'unsafe-directory', /writable by its group \(mode 0770\).*chmod 700/);
    await chmod(dir, 0o703);
    await expectStoreError(TunnelStore.open(dir), 'unsafe-directory', /writable by everyone/);
    // Readable by others is not refused: the files themselves are 0600.
    await chmod(dir, 0o755);
    await TunnelStore.open(dir);
  });

  it.skipIf(process.geteuid?.() !== 0)('as root, refuses a directory not owned by root', async () => {
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, 4242, 4242);
    await expectStoreError(TunnelStore.open(dir), 'unsafe-directory', /owned by uid 4242, not root/);
  });

  it('refuses a path that is not a directory', async () => {
    await writeFile(dir, 'a file');
    await expect(TunnelStore.open(dir)).rejects.toThrow();
  });
});

describe('TunnelStore: round trip', () => {
  it('stores exactly the text given, 0600, and reads it back the same after reopening', async () => {
    const store = await TunnelStore.open(dir);
    const added = await store.add('home', PERSONAL);
    expect(added).toMatchObject({
      name: 'home',
      path: join(dir, 'home.conf'),
      text: PERSONAL,
      options: DEFAULTS,
      wantUp: false,
    });
    expect(added.config.peers[0]!.publicKey).toBe(key(2));
    expect((await bytesOf(join(dir, 'home.conf'))).equals(Buffer.from(PERSONAL, 'utf8'))).toBe(true);
    expect(await modeOf(join(dir, 'home.conf'))).toBe(0o600);
    expect(await modeOf(join(dir, STATE_FILE_NAME))).toBe(0o600);

    const reopened = await TunnelStore.open(dir);
    expect(reopened.problems()).toEqual([]);
    expect(reopened.list()).toEqual([added]);
    expect(reopened.get('home')).toEqual(added);
    expect(reopened.get('nope')).toBeUndefined();
  });

  it('updates, renames and deletes, the file always holding the text as written', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', SPLIT);
    await store.add('wg1', FULL);
    const edited = PERSONAL.replace('Ask Sam', 'ask Kim') + '\r\n# edited\r\n';
    const updated = await store.update('wg0', edited);
    expect(updated.text).toBe(edited);
    expect((await bytesOf(join(dir, 'wg0.conf'))).equals(Buffer.from(edited))).toBe(true);

    const renamed = await store.rename('wg0', 'office');
    expect(renamed.text).toBe(edited);
    expect(store.get('wg0')).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(['office.conf', STATE_FILE_NAME, 'wg1.conf']);
    expect((await bytesOf(join(dir, 'office.conf'))).equals(Buffer.from(edited))).toBe(true);
    expect(await modeOf(join(dir, 'office.conf'))).toBe(0o600);
    expect(Object.keys((await stateOf()).tunnels).sort()).toEqual(['office', 'wg1']);

    await store.delete('wg1');
    expect(store.list().map((t) => t.name)).toEqual(['office']);
    expect((await readdir(dir)).sort()).toEqual(['office.conf', STATE_FILE_NAME]);
    expect(Object.keys((await stateOf()).tunnels)).toEqual(['office']);

    const reopened = await TunnelStore.open(dir);
    expect(reopened.list()).toEqual(store.list());
  });

  it('renaming to the same name changes nothing', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', SPLIT);
    const before = await snapshot(join(dir, 'wg0.conf'));
    expect((await store.rename('wg0', 'wg0')).name).toBe('wg0');
    expect(await snapshot(join(dir, 'wg0.conf'))).toEqual(before);
  });

  it('runs concurrent changes one after another: of two adds of one name, exactly one wins', async () => {
    const store = await TunnelStore.open(dir);
    const results = await Promise.allSettled([
      store.add('wg0', SPLIT),
      store.add('wg0', FULL),
      store.setWantUp('wg0', true),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.get('wg0')).toMatchObject({ text: SPLIT, wantUp: true });
  });
});

describe('TunnelStore: options and wantUp', () => {
  it('blocks untunneled traffic by default for a full tunnel with a single peer, as wireguard-windows does', async () => {
    const store = await TunnelStore.open(dir);
    expect((await store.add('full', FULL)).options.blockUntunneled).toBe(true);
    expect((await store.add('full4', conf('0.0.0.0/0'))).options.blockUntunneled).toBe(true);
    expect((await store.add('full6', conf('::/0'))).options.blockUntunneled).toBe(true);
    expect((await store.add('split', SPLIT)).options).toEqual(DEFAULTS);
    expect((await store.add('mesh', conf('0.0.0.0/0', '10.9.0.0/16'))).options.blockUntunneled).toBe(false);
    expect((await store.add('nopeer', conf())).options.blockUntunneled).toBe(false);
  });

  it('keeps the options given or set, across updates and reopening', async () => {
    const store = await TunnelStore.open(dir);
    const added = await store.add('wg0', FULL, { allowScripts: true, autostart: undefined });
    expect(added.options).toEqual({ ...DEFAULTS, blockUntunneled: true, allowScripts: true });
    // Options were fixed when it was added: a later edit to a split tunnel does not switch the kill switch off.
    expect((await store.update('wg0', SPLIT)).options.blockUntunneled).toBe(true);
    const set = await store.setOptions('wg0', { autostart: true, blockUntunneled: false });
    expect(set).toEqual({ ...DEFAULTS, autostart: true, allowScripts: true });
    await store.setWantUp('wg0', true);
    const reopened = await TunnelStore.open(dir);
    expect(reopened.get('wg0')).toMatchObject({ options: set, wantUp: true });
    await reopened.setWantUp('wg0', false);
    expect((await TunnelStore.open(dir)).get('wg0')?.wantUp).toBe(false);
  });

  it('keeps on-demand rules with the other options (off until set), whole, across reopening', async () => {
    const store = await TunnelStore.open(dir);
    expect((await store.add('wg0', SPLIT)).options.onDemand).toEqual({ ethernet: false, wifi: 'never', ssids: [] });
    const rules = { ethernet: true, wifi: 'except' as const, ssids: ['Home', 'Office'] };
    await store.setOptions('wg0', { onDemand: rules });
    // Other options leave them be; new rules replace them whole (an SSID taken off the list is gone).
    await store.setOptions('wg0', { autostart: true });
    expect((await TunnelStore.open(dir)).get('wg0')?.options).toMatchObject({ autostart: true, onDemand: rules });
    await store.setOptions('wg0', { onDemand: { ...rules, ssids: ['Home'] } });
    expect((await TunnelStore.open(dir)).get('wg0')?.options.onDemand?.ssids).toEqual(['Home']);
  });

  it('gives a file put in by hand the defaults of its config, until options are set', async () => {
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, 'manual.conf'), FULL, { mode: 0o600 });
    const store = await TunnelStore.open(dir);
    expect(store.get('manual')).toMatchObject({ options: { ...DEFAULTS, blockUntunneled: true }, wantUp: false });
    // Wanting it up does not freeze its options: they still follow the config.
    await store.setWantUp('manual', true);
    expect((await store.update('manual', SPLIT)).options.blockUntunneled).toBe(false);
    expect((await stateOf()).tunnels.manual).toEqual({ options: {}, wantUp: true });
  });

  it('moves options and wantUp with a rename', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', SPLIT, { autostart: true });
    await store.setWantUp('wg0', true);
    const renamed = await store.rename('wg0', 'wg9');
    expect(renamed).toMatchObject({ options: { ...DEFAULTS, autostart: true }, wantUp: true });
    expect((await stateOf()).tunnels).toEqual({ wg9: { options: { ...DEFAULTS, autostart: true }, wantUp: true } });
  });

  it('records who owns a tunnel, and keeps it through options, wantUp, endpoint memory, rename and reopening', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('mine', conf('10.0.0.0/24'), {}, 1000);
    await store.add('roots', SPLIT);
    await store.setOptions('mine', { autostart: true });
    await store.setWantUp('mine', true);
    await store.rename('mine', 'ours');
    const reopened = await TunnelStore.open(dir);
    expect(reopened.get('ours')).toMatchObject({ owner: 1000, wantUp: true, options: { autostart: true } });
    // Root's is the default, and is not written: a state file from before owners reads the same.
    expect(reopened.get('roots')?.owner).toBe(0);
    expect((await stateOf()).tunnels.ours.owner).toBe(1000);
    expect((await stateOf()).tunnels.roots.owner).toBeUndefined();
  });

  it('drops state entries whose .conf is gone (left by a crash between steps), at the next write', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', SPLIT, { autostart: true });
    await store.add('ghost', SPLIT, { autostart: true });
    await rm(join(dir, 'ghost.conf'));
    const reopened = await TunnelStore.open(dir);
    expect(reopened.list().map((t) => t.name)).toEqual(['wg0']);
    // A tunnel added later under that name does not inherit the orphan's options.
    await reopened.setWantUp('wg0', true);
    expect(Object.keys((await stateOf()).tunnels)).toEqual(['wg0']);
    expect((await reopened.add('ghost', SPLIT)).options.autostart).toBe(false);
  });
});

describe('TunnelStore: the addresses endpoint hostnames last resolved to', () => {
  /** A split tunnel with one peer per hostname, each the Endpoint of its peer. */
  const named = (...hosts: string[]) =>
    `[Interface]\nPrivateKey = ${PRIV}\nAddress = 10.0.0.2/32\n` +
    hosts
      .map((host, i) => `\n[Peer]\nPublicKey = ${key(10 + i)}\nAllowedIPs = 10.0.${i}.0/24\nEndpoint = ${host}:51820\n`)
      .join('');

  it('keeps them across reopening, option changes and wantUp, and writes only what changed', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', named('vpn.example.com', 'b.example.net'));
    expect(store.get('wg0')?.lastResolved).toEqual({});
    await store.rememberResolved('wg0', 'vpn.example.com', '203.0.113.5');
    await store.rememberResolved('wg0', 'b.example.net', '2001:db8::5');
    await store.setOptions('wg0', { autostart: true });
    await store.setWantUp('wg0', true);
    const expected = { 'b.example.net': '2001:db8::5', 'vpn.example.com': '203.0.113.5' };
    expect((await stateOf()).tunnels.wg0.lastResolved).toEqual(expected);
    const reopened = await TunnelStore.open(dir);
    expect(reopened.get('wg0')).toMatchObject({ lastResolved: expected, wantUp: true, options: { autostart: true } });
    // The same answer again writes nothing (the file is not even replaced).
    const before = await snapshot(join(dir, STATE_FILE_NAME));
    await reopened.rememberResolved('wg0', 'vpn.example.com', '203.0.113.5');
    expect(await snapshot(join(dir, STATE_FILE_NAME))).toEqual(before);
    // A new answer replaces the old; the copy handed out does not change the store.
    await reopened.rememberResolved('wg0', 'vpn.example.com', '198.51.100.1');
    reopened.get('wg0')!.lastResolved['vpn.example.com'] = '192.0.2.1';
    expect(reopened.get('wg0')?.lastResolved['vpn.example.com']).toBe('198.51.100.1');
    // A rename takes them along.
    await reopened.rename('wg0', 'wg1');
    expect((await TunnelStore.open(dir)).get('wg1')?.lastResolved['vpn.example.com']).toBe('198.51.100.1');
  });

  it('forgets hosts the config no longer names, ignores answers for them, and refuses what it could not read back', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', named('old.example.com'));
    await store.rememberResolved('wg0', 'old.example.com', '203.0.113.5');
    await store.update('wg0', named('new.example.com'));
    await store.rememberResolved('wg0', 'old.example.com', '203.0.113.6'); // a late answer for the old config
    expect(store.get('wg0')?.lastResolved).toEqual({ 'old.example.com': '203.0.113.5' });
    await store.rememberResolved('wg0', 'new.example.com', '203.0.113.7');
    expect(store.get('wg0')?.lastResolved).toEqual({ 'new.example.com': '203.0.113.7' });
    await expectStoreError(store.rememberResolved('wg0', 'new.example.com', 'not an address'), 'config');
    await expectStoreError(store.rememberResolved('nope', 'new.example.com', '203.0.113.7'), 'not-found');
    expect((await TunnelStore.open(dir)).get('wg0')?.lastResolved).toEqual({ 'new.example.com': '203.0.113.7' });
  });

  it('reads a state file whose remembered address is not an address as unusable, not as that address', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', named('vpn.example.com'));
    await store.setWantUp('wg0', true);
    const state = await stateOf();
    state.tunnels.wg0.lastResolved = { 'vpn.example.com': '203.0.113.999' };
    await writeFile(join(dir, STATE_FILE_NAME), JSON.stringify(state));
    const reopened = await TunnelStore.open(dir);
    expect(reopened.problems()).toEqual([
      { file: join(dir, STATE_FILE_NAME), message: expect.stringMatching(/lastResolved.*not an IP address/) },
    ]);
    expect(reopened.get('wg0')?.lastResolved).toEqual({});
  });
});

describe('TunnelStore: refusals', () => {
  it('refuses invalid names, writing nothing', async () => {
    const store = await TunnelStore.open(dir);
    for (const name of ['', 'a/b', '../etc', 'a\\b', 'much-too-long-name', 'sp ace', '.', '..']) {
      await expectStoreError(store.add(name, SPLIT), 'invalid-name');
    }
    await store.add('wg0', SPLIT);
    await expectStoreError(store.rename('wg0', 'x/y'), 'invalid-name', /path separator/);
    expect((await readdir(dir)).sort()).toEqual([STATE_FILE_NAME, 'wg0.conf']);
  });

  it('refuses an invalid config with FILE:LINE details that quote no key', async () => {
    const store = await TunnelStore.open(dir);
    const text = `[Interface]\nPrivateKey = ${PRIV}\nListenPort = many\n[Peer]\nPublicKey = ${key(2)}\nAllowedIPs = 10.0.0.0/33\n`;
    const error = await expectStoreError(store.add('wg0', text), 'config', /wg0\.conf has errors/);
    expect(error.details).toEqual([expect.stringMatching(/^wg0\.conf:3: /), expect.stringMatching(/^wg0\.conf:6: /)]);
    expect(JSON.stringify(error.details)).not.toContain(PRIV);
    expect(await readdir(dir)).toEqual([]);
    await store.add('wg1', SPLIT);
    await expectStoreError(store.update('wg1', text), 'config');
    expect(store.get('wg1')?.text).toBe(SPLIT);
    expect(await readFile(join(dir, 'wg1.conf'), 'utf8')).toBe(SPLIT);
  });

  it('refuses text UTF-8 cannot hold exactly, and text over the size limit', async () => {
    const store = await TunnelStore.open(dir);
    const error = await expectStoreError(store.add('wg0', SPLIT + '# \ud800\n'), 'config');
    expect(error.details).toEqual([expect.stringMatching(/^wg0\.conf:8: .*lone UTF-16 surrogate/)]);
    const big = SPLIT + `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    await expectStoreError(store.add('wg0', big), 'config');
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a name already taken', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', SPLIT);
    await store.add('wg1', SPLIT);
    await expectStoreError(store.add('wg0', FULL), 'exists');
    await expectStoreError(store.rename('wg1', 'wg0'), 'exists');
    expect(await readFile(join(dir, 'wg0.conf'), 'utf8')).toBe(SPLIT);
    expect(store.list().map((t) => t.name)).toEqual(['wg0', 'wg1']);
  });

  it('refuses a name whose file appeared on disk since open, and leaves that file alone', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg1', SPLIT, { autostart: true });
    await writeFile(join(dir, 'late.conf'), 'theirs');
    await writeFile(join(dir, 'later.conf'), 'theirs too');
    await expectStoreError(store.add('late', SPLIT), 'exists', /exists but is not a usable tunnel/);
    await expectStoreError(store.rename('wg1', 'later'), 'exists');
    expect(await readFile(join(dir, 'late.conf'), 'utf8')).toBe('theirs');
    expect(await readFile(join(dir, 'later.conf'), 'utf8')).toBe('theirs too');
    // Neither refusal left a state entry behind.
    expect(Object.keys((await stateOf()).tunnels)).toEqual(['wg1']);
    expect(store.get('wg1')?.options.autostart).toBe(true);
  });

  it('says not-found for a tunnel it does not hold', async () => {
    const store = await TunnelStore.open(dir);
    await expectStoreError(store.update('nope', SPLIT), 'not-found');
    await expectStoreError(store.rename('nope', 'other'), 'not-found');
    await expectStoreError(store.delete('nope'), 'not-found');
    await expectStoreError(store.setOptions('nope', { autostart: true }), 'not-found');
    await expectStoreError(store.setWantUp('nope', true), 'not-found');
  });

  it(`loads at most ${MAX_TUNNELS} tunnels, reports the rest, and refuses to add more`, async () => {
    await mkdir(dir, { mode: 0o700 });
    const names = Array.from({ length: MAX_TUNNELS + 1 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    await Promise.all(names.map((n) => writeFile(join(dir, `${n}.conf`), SPLIT)));
    const store = await TunnelStore.open(dir);
    expect(store.list()).toHaveLength(MAX_TUNNELS);
    expect(store.problems()).toEqual([
      { file: join(dir, 't1024.conf'), message: expect.stringMatching(/at most 1024 tunnels/) },
    ]);
    await expectStoreError(store.add('more', SPLIT), 'limit');
    await expectStoreError(store.add('t1024', SPLIT), 'exists');
  });
});

describe('TunnelStore: files it cannot use', () => {
  it('reports each, skips it, never touches it, and loads the rest', async () => {
    await mkdir(dir, { mode: 0o700 });
    const at = (name: string) => join(dir, name);
    await writeFile(at('good.conf'), FULL, { mode: 0o600 });
    // Binary noise, the same every run: every byte value, in a scrambled order.
    await writeFile(at('garbage.conf'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 167 + 13) & 0xff)), {
      mode: 0o600,
    });
    await writeFile(
      at('broken.conf'),
      `[Interface]\nPrivateKey = ${PRIV}\nMTU = lots\n[Peer]\nAllowedIPs = 10.0.0.0/8\n`,
    );
    await writeFile(at('big.conf'), FULL + '#'.repeat(MAX_CONFIG_BYTES));
    await mkdir(at('adir.conf'));
    await writeFile(join(at('adir.conf'), 'inside'), 'kept');
    await symlink(at('nowhere.conf'), at('dangling.conf'));
    execFileSync('mkfifo', [at('fifo.conf')]);
    await writeFile(at('much-too-long-name.conf'), FULL);
    await writeFile(at('sp ace.conf'), FULL);
    // Not configs, so not the store's to judge: no problem either.
    await writeFile(at('README'), 'notes');
    await writeFile(at('good.conf~'), 'an editor backup');
    const watched = (await readdir(dir)).sort().map(at);
    const before = await Promise.all(watched.map(snapshot));

    const store = await TunnelStore.open(dir);
    expect(store.list().map((t) => t.name)).toEqual(['good']);
    const problems = Object.fromEntries(store.problems().map((p) => [p.file.slice(dir.length + 1), p.message]));
    expect(Object.keys(problems).sort()).toEqual(
      [
        'adir.conf',
        'big.conf',
        'broken.conf',
        'dangling.conf',
        'fifo.conf',
        'garbage.conf',
        'much-too-long-name.conf',
        'sp ace.conf',
      ].sort(),
    );
    const garbage = problems['garbage.conf']!.split('\n');
    expect(garbage[0]).toMatch(new RegExp(`^${at('garbage.conf')}:\\d+: `));
    // Capped: a binary file has an error on every line.
    expect(garbage).toHaveLength(11);
    expect(garbage[10]).toMatch(/more errors; is it a WireGuard configuration\?$/);
    expect(problems['broken.conf']!.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${at('broken.conf')}:3: .*MTU`)),
      expect.stringMatching(new RegExp(`^${at('broken.conf')}:4: .*no PublicKey`)),
    ]);
    expect(problems['big.conf']).toMatch(/larger than 262144 bytes/);
    expect(problems['adir.conf']).toMatch(/is a directory, not a regular file/);
    expect(problems['dangling.conf']).toMatch(/cannot be read: it is a symlink to nothing/);
    expect(problems['fifo.conf']).toMatch(/is a FIFO, not a regular file/);
    expect(problems['much-too-long-name.conf']).toMatch(/18 characters; at most 15/);
    expect(problems['sp ace.conf']).toMatch(/contains ` `/);
    expect(JSON.stringify(problems)).not.toContain(PRIV);

    // Changes elsewhere in the store do not touch them either, and their names stay taken.
    await store.add('new', SPLIT);
    await store.setWantUp('good', true);
    await store.rename('new', 'newer');
    await store.delete('newer');
    for (const name of ['garbage', 'broken', 'adir', 'dangling', 'fifo']) {
      await expectStoreError(store.add(name, SPLIT), 'exists');
    }
    await expectStoreError(store.rename('good', 'garbage'), 'exists');
    expect(await Promise.all(watched.map(snapshot))).toEqual(before);
    expect((await TunnelStore.open(dir)).problems()).toEqual(store.problems());
  });

  it('keeps the state entry of a tunnel whose file fails to load, for when it is fixed', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', SPLIT, { autostart: true });
    await store.add('wg1', SPLIT);
    await writeFile(join(dir, 'wg0.conf'), SPLIT + 'Oops\n');
    const broken = await TunnelStore.open(dir);
    expect(broken.list().map((t) => t.name)).toEqual(['wg1']);
    await broken.setWantUp('wg1', true);
    await writeFile(join(dir, 'wg0.conf'), SPLIT);
    expect((await TunnelStore.open(dir)).get('wg0')?.options.autostart).toBe(true);
  });

  it('reports a corrupt state file, loads the tunnels with defaults, and moves it aside at the first change', async () => {
    const store = await TunnelStore.open(dir);
    await store.add('wg0', FULL, { autostart: true });
    const path = join(dir, STATE_FILE_NAME);
    await writeFile(path, '{"version": 1, "tunn');
    const corrupt = await readFile(path);
    const reopened = await TunnelStore.open(dir);
    expect(reopened.problems()).toEqual([
      { file: path, message: expect.stringMatching(/is not valid JSON.*read as empty/) },
    ]);
    expect(reopened.get('wg0')).toMatchObject({ options: { ...DEFAULTS, blockUntunneled: true }, wantUp: false });
    expect((await readFile(path)).equals(corrupt)).toBe(true);
    await reopened.setWantUp('wg0', true);
    const aside = (await readdir(dir)).filter((n) => n.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect((await readFile(join(dir, aside[0]!))).equals(corrupt)).toBe(true);
    const again = await TunnelStore.open(dir);
    expect(again.problems()).toEqual([]);
    expect(again.get('wg0')?.wantUp).toBe(true);
  });

  it('removes temporary files left by a dead writer at open, and keeps a live one', async () => {
    await mkdir(dir, { mode: 0o700 });
    // Above any possible pid (pid_max is at most 2^22): certainly dead.
    const dead = join(dir, `.wg0.conf.warren-tmp-${2 ** 22 + 1}-0123456789abcdef`);
    const live = temporaryPathFor(join(dir, 'wg1.conf'));
    await writeFile(dead, 'half a key');
    await writeFile(live, 'in flight');
    const store = await TunnelStore.open(dir);
    expect(store.problems()).toEqual([]);
    expect(await readdir(dir)).toEqual([live.slice(dir.length + 1)]);
  });
});

describe('resolveStateDir', () => {
  it('takes the flag, else WARREN_STATE_DIR, else /etc/warren, always absolute', () => {
    expect(resolveStateDir({ flag: '/a', env: { WARREN_STATE_DIR: '/b' } })).toBe('/a');
    expect(resolveStateDir({ env: { WARREN_STATE_DIR: '/b' } })).toBe('/b');
    expect(resolveStateDir({ flag: '', env: { WARREN_STATE_DIR: '' } })).toBe(DEFAULT_STATE_DIR);
    expect(resolveStateDir({ env: {} })).toBe('/etc/warren');
    expect(resolveStateDir({ flag: 'rel', env: {} })).toBe(join(process.cwd(), 'rel'));
  });
});
