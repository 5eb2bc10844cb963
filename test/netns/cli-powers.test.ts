/*
 * The `warren` command with the app's powers, end to end: the real binary against a real `warren daemon` (root)
 * in a network namespace of the test's own, run as root and as two throwaway members of a throwaway control
 * group (runuser). `set` changes what `list --json` reports and what the kill switch does (nftables in the
 * namespace); `edit` runs a scripted $EDITOR, saves a valid edit with the key kept and reopens an invalid one;
 * export and qr give a member its own tunnels only, and say so for another's; the bash completion script,
 * loaded in bash, completes the tunnel names the helper has.
 *
 * Tunnels point at a peer on the namespace's loopback that never answers: they come up and stay 'connecting'.
 * The namespace, the accounts and the temporary folder go afterwards, also after a failure.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKey } from '../../shared/config/keys.js';
import { canMakeAccounts } from '../support/throwaway-accounts.js';
import { WARREN, execute } from './interop-site.js';
import { MemberHelper } from './member-helper.js';
import { canCreateNamespaces } from './namespace.js';

const usable = canCreateNamespaces && canMakeAccounts && existsSync('/dev/net/tun');

describe.skipIf(!usable)('the warren command with the app’s powers, against a real helper', () => {
  const helper = new MemberHelper({ prefix: 'wcp', members: ['a', 'b'] });
  const { tag } = helper;
  const alice = helper.members.a!;
  const bob = helper.members.b!;
  /** Interface names: /var/run/wireguard is every namespace's, so they carry the pid. */
  const home = `wh${tag}`;
  const office = `wo${tag}`;
  let bin: string;

  const key = (n: number) => encodeKey(new Uint8Array(32).fill(n));
  /** A full tunnel (everything through it) to a peer on the namespace's loopback that never answers. */
  const conf = (n: number) =>
    [
      '[Interface]',
      `PrivateKey = ${key(n)}`,
      `Address = 10.78.${n}.2/32`,
      '',
      '[Peer]',
      `PublicKey = ${key(100 + n)}`,
      `Endpoint = 127.0.0.1:${41000 + n}`,
      'AllowedIPs = 0.0.0.0/0',
      '',
    ].join('\n');

  /** `warren ARGS` inside the namespace, as `user` (root when absent), with `input` on stdin and `env` added. */
  const warren = (args: string[], options: { user?: string; input?: string; env?: Record<string, string> } = {}) => {
    const env = {
      WARREN_RUNTIME_DIR: helper.runtime,
      PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
      ...options.env,
    };
    const asUser = options.user ? ['runuser', '-u', options.user, '--'] : [];
    return execute(
      [
        ...helper.ns.prefix,
        ...asUser,
        'env',
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        process.execPath,
        WARREN,
        ...args,
      ],
      30_000,
      options.input ?? '',
    );
  };
  const listed = async (user?: string) => {
    const result = await warren(['list', '--json'], { user });
    expect(result.status, result.stderr).toBe(0);
    return (
      JSON.parse(result.stdout) as { tunnels: { name: string; owner: string; settings: Record<string, boolean> }[] }
    ).tunnels;
  };
  const killSwitchTables = async () =>
    (await helper.ns.exec(['nft', 'list', 'tables'])).split('\n').filter((line) => line.includes('warren-killswitch-'));

  beforeAll(async () => {
    await helper.start();
    // `warren` on PATH for the completion script, as the package links it.
    bin = join(helper.dir, 'bin');
    mkdirSync(bin, { mode: 0o755 });
    writeFileSync(join(bin, 'warren'), `#!/bin/sh\nexec "${process.execPath}" "${WARREN}" "$@"\n`, { mode: 0o755 });
    for (const [name, n, user] of [
      [home, 1, alice],
      [office, 2, bob],
    ] as const) {
      const file = join(helper.dir, `${name}.conf`);
      writeFileSync(file, conf(n), { mode: 0o644 });
      const imported = await warren(['import', file], { user });
      expect(imported.status, imported.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await helper.stop();
    for (const name of [home, office]) rmSync(`/var/run/wireguard/${name}.sock`, { force: true });
  }, 60_000);

  it('changes with `set` what `list --json` reports and what the kill switch of the running tunnel does', async () => {
    expect(await listed(bob)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: home, owner: alice }),
        expect.objectContaining({ name: office, owner: bob }),
      ]),
    );
    expect((await warren(['set', home, '--block-untunneled', 'off'], { user: alice })).status).toBe(0);
    const up = await warren(['up', home], { user: alice });
    expect(up.status, up.stderr).toBe(0);
    expect((await listed(alice)).find((t) => t.name === home)?.settings.blockUntunneled).toBe(false);
    expect(await killSwitchTables()).toEqual([]);

    const on = await warren(['set', home, '--block-untunneled', 'on'], { user: alice });
    expect(on).toMatchObject({ status: 0, stdout: `${home}: block-untunneled on\n` });
    expect((await listed(bob)).find((t) => t.name === home)?.settings.blockUntunneled).toBe(true);
    expect(await killSwitchTables()).toEqual([`table inet warren-killswitch-${home}`]);

    // Bob may not change Alice's settings: nothing changes.
    const refused = await warren(['set', home, '--block-untunneled', 'off'], { user: bob });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `warren: ${home} belongs to ${alice}; only ${alice} or an administrator may change the settings of it\n`,
    );
    expect(await killSwitchTables()).toEqual([`table inet warren-killswitch-${home}`]);

    expect((await warren(['set', home, '--block-untunneled', 'off'], { user: alice })).status).toBe(0);
    expect(await killSwitchTables()).toEqual([]);
    expect((await warren(['down', home], { user: bob })).status).toBe(0);
  }, 60_000);

  it('edits with a scripted $EDITOR: the key hidden, a valid edit saved, an invalid one reopened or kept', async () => {
    // The editor sees the hidden key, and adds an MTU; it records what it saw where the test can read it.
    const seen = join(helper.dir, 'seen');
    mkdirSync(seen, { mode: 0o777 });
    chmodSync(seen, 0o777);
    const editor = join(helper.dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\ncp "$1" "${seen}/$(date +%s%N)"\nsed -i "$EDIT" "$1"\n`, { mode: 0o755 });
    const saved = await warren(['edit', home], {
      user: alice,
      env: { EDITOR: editor, EDIT: 's/^Address = .*/&\\nMTU = 1380/' },
    });
    expect(saved, saved.stderr).toMatchObject({ status: 0, stdout: `${home} is saved\n` });
    const shown = readFileSync(join(seen, readdirSync(seen)[0]!), 'utf8');
    expect(shown).toContain('PrivateKey = (hidden)\n');
    expect(shown).not.toContain(key(1));
    const stored = await helper.asRoot((client) => client.call('get', { name: home, includePrivateKey: true }));
    expect(stored.text).toBe(conf(1).replace(/^(Address = .*)$/m, '$1\nMTU = 1380'));

    // An invalid edit: shown as FILE:LINE, reopened on "y", kept on "n" (answers on stdin), nothing saved.
    const invalid = await warren(['edit', home], {
      user: alice,
      input: 'y\nn\n',
      env: { EDITOR: editor, EDIT: 's/^MTU = 1380/MTU = lots/' },
    });
    expect(invalid.status).toBe(1);
    expect(invalid.stderr.match(new RegExp(`^${home}\\.conf:\\d+: MTU`, 'gm')), invalid.stderr).toHaveLength(2);
    expect(invalid.stderr).toMatch(/warren: nothing saved; your text is kept in \/tmp\/warren-edit-\w+\/\w+\.conf\n$/);
    expect((await helper.asRoot((client) => client.call('get', { name: home, includePrivateKey: true }))).text).toBe(
      stored.text,
    );

    const other = await warren(['edit', office], { user: alice, env: { EDITOR: editor, EDIT: 's/x/y/' } });
    expect(other.status).toBe(1);
    expect(other.stderr).toBe(`warren: ${office} belongs to ${bob}; only ${bob} or an administrator may edit it\n`);
  }, 60_000);

  it("exports and shows as a QR code a member's own tunnels only, and says so for another's", async () => {
    const own = await warren(['export', home], { user: alice });
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toContain(`PrivateKey = ${key(1)}\n`);
    const out = join(helper.dir, 'out');
    mkdirSync(out);
    chmodSync(out, 0o1777);
    const zip = join(out, 'bob.zip');
    const others = await warren(['export', home, office, '-o', zip], { user: bob });
    expect(others.status).toBe(1);
    expect(others.stdout).toBe(`${zip}: ${office}\n`);
    expect(others.stderr).toBe(
      `warren: ${home}: not exported: ${home} belongs to ${alice}; only ${alice} or an administrator may export it\n`,
    );
    expect(statSync(zip).mode & 0o777).toBe(0o600);
    const qr = await warren(['qr', home], { user: bob });
    expect(qr).toMatchObject({ status: 1, stdout: '' });
    expect(qr.stderr).toBe(
      `warren: ${home} belongs to ${alice}; only ${alice} or an administrator may show the QR code of it\n`,
    );
    const ownQr = await warren(['qr', home], { user: alice });
    expect(ownQr.status).toBe(0);
    expect(ownQr.stdout).toMatch(/^[ ▀▄█\n]+$/);
  }, 60_000);

  it('completes the tunnel names the helper has, in bash with the generated script', async () => {
    const script =
      'source <(warren completion bash); COMP_WORDS=(warren export ""); COMP_CWORD=2; _warren; printf "%s\\n" "${COMPREPLY[@]}"';
    const result = await execute(
      [
        ...helper.ns.prefix,
        'runuser',
        '-u',
        bob,
        '--',
        'env',
        `WARREN_RUNTIME_DIR=${helper.runtime}`,
        `PATH=${bin}:/usr/bin:/bin`,
        'bash',
        '--norc',
        '-c',
        script,
      ],
      30_000,
      '',
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual([home, office].sort());
  }, 30_000);
});
