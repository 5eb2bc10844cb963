// The window's calls on one tunnel, against the real helper (in-process, temporary store): the key never
// reaches the editor's text, saving the placeholder keeps it, a broken line comes back at its line. The test
// process is root (an administrator); the helper's played accounts make a connection a member's instead, so what
// a desktop user's app may do is judged by the helper's own policy. Allowing scripts runs a stand-in pkexec.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HIDDEN_PRIVATE_KEY_LINE } from '../shared/config/index.js';
import { NOT_PERMITTED } from '../shared/ipc/access.js';
import { ControlCallError } from '../shared/ipc/control-client.js';
import type { TunnelStatus, TunnelSummary } from '../shared/ipc/control.js';
import type { Administrator } from './allow-scripts.js';
import type { HelperCalls, HelperConnection } from './helper-connection.js';
import { runToEnd } from './pkexec.js';
import {
  ALICE,
  TEST_KEY,
  TEST_PEER_KEY,
  type PlayedAccounts,
  type RealHelper,
  connectedTo,
  playedAccounts,
  realHelper,
  testConfig,
} from './testing/real-helper.js';
import {
  createTunnel,
  exportConf,
  getTunnel,
  helperLogs,
  setTunnelSettings,
  tunnelDetails,
  tunnelSettings,
  updateTunnel,
} from './tunnel-editing.js';

let helper: RealHelper;
let played: PlayedAccounts;
/** root's connection (an administrator). */
let connection: HelperConnection;
/** alice's, once a test made it (a member of the group). */
let alice: HelperConnection | undefined;

beforeEach(async () => {
  played = playedAccounts();
  helper = realHelper({ accounts: played.accounts });
  await helper.start();
  connection = await connectedTo(helper);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  alice?.stop();
  alice = undefined;
  connection.stop();
  await helper.dispose();
});

/** A connection as alice, a member of the group: the app as a desktop user runs it. */
async function asAlice(): Promise<HelperConnection> {
  played.playing = ALICE;
  alice = await connectedTo(helper);
  played.playing = null;
  return alice;
}

const OFF = {
  startWithSystem: false,
  blockUntunneled: false,
  allowBridges: false,
  allowScripts: false,
  excludePrivateIps: false,
  onDemand: { ethernet: false, wifi: 'never', ssids: [] },
};

describe('editing a stored tunnel', () => {
  it('opens the text with the key hidden, and saving it unchanged keeps the key', async () => {
    expect(await createTunnel(connection, 'home', testConfig())).toEqual({ ok: true, name: 'home', warnings: [] });
    const opened = await getTunnel(connection, 'home');
    expect(opened.text).not.toContain(TEST_KEY);
    expect(opened.text).toContain(HIDDEN_PRIVATE_KEY_LINE);
    expect(opened.settings.blockUntunneled).toBe(false);
    const edited = opened.text.replace('10.7.0.2/32', '10.7.0.3/32');
    expect(await updateTunnel(connection, 'home', edited)).toEqual({ ok: true, name: 'home', warnings: [] });
    const exported = new TextDecoder().decode(await exportConf(connection, 'home'));
    expect(exported).toContain(`PrivateKey = ${TEST_KEY}`);
    expect(exported).toContain('Address = 10.7.0.3/32');
  });

  it('answers a broken line with FILE:LINE errors and keeps what was stored', async () => {
    await createTunnel(connection, 'home', testConfig());
    const opened = await getTunnel(connection, 'home');
    const broken = opened.text.replace('Address = 10.7.0.2/32', 'Address = 10.7.0.300/32');
    const outcome = await updateTunnel(connection, 'home', broken);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors[0]).toMatch(/:3: /);
    expect((await getTunnel(connection, 'home')).text).toContain('10.7.0.2/32');
  });

  it('creates a tunnel without a key line with a fresh key from the helper', async () => {
    const text = `[Interface]\nAddress = 10.9.0.2/32\n\n[Peer]\nPublicKey = ${TEST_PEER_KEY}\nAllowedIPs = 10.9.0.0/24\n`;
    expect(await createTunnel(connection, 'fresh', text)).toMatchObject({ ok: true, name: 'fresh' });
    const opened = await getTunnel(connection, 'fresh');
    expect(opened.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(opened.text).toContain(HIDDEN_PRIVATE_KEY_LINE);
    const refused = await createTunnel(connection, 'broken', `[Interface]\nPrivateKey = ${TEST_KEY}\nMTU = 12\n`);
    expect(refused.ok).toBe(false);
  });

  it('translates settings both ways and reports the interface of a tunnel that is down', async () => {
    await createTunnel(
      connection,
      'home',
      testConfig().replace('[Peer]', 'DNS = 10.7.0.1, corp.example\nListenPort = 51999\n\n[Peer]'),
    );
    expect(await setTunnelSettings(connection, 'home', { startWithSystem: true, blockUntunneled: true })).toEqual({
      startWithSystem: true,
      blockUntunneled: true,
      allowBridges: false,
      allowScripts: false,
      excludePrivateIps: false,
      onDemand: { ethernet: false, wifi: 'never', ssids: [] },
    });
    const details = await tunnelDetails(connection, 'home', () => 1234);
    expect(details).toMatchObject({
      name: 'home',
      addresses: ['10.7.0.2/32'],
      dns: ['10.7.0.1', 'corp.example'],
      listenPort: 51999,
      running: false,
      configReadable: true,
      sampledAt: 1234,
    });
    expect(details.peers).toEqual([
      {
        publicKey: TEST_PEER_KEY,
        endpoint: '192.0.2.1:51820',
        allowedIps: ['10.7.0.0/24'],
        latestHandshake: null,
        rxBytes: 0,
        txBytes: 0,
        persistentKeepalive: 0,
      },
    ]);
    // The helper logged the import and the settings change (so the check below looks at something), never the key.
    const logs = await helperLogs(connection, 50);
    expect(logs.some((l) => l.tunnel === 'home')).toBe(true);
    expect(logs.every((l) => !l.message.includes(TEST_KEY))).toBe(true);
  });
});

describe('on-demand rules', () => {
  it('go to the helper whole and come back as it keeps them; rules it refuses come back in its words', async () => {
    await createTunnel(connection, 'home', testConfig());
    const rules = { ethernet: true, wifi: 'except' as const, ssids: ['Home', 'Café'] };
    expect((await setTunnelSettings(connection, 'home', { onDemand: rules })).onDemand).toEqual(rules);
    expect((await tunnelSettings(connection, 'home')).onDemand).toEqual(rules);
    // Another setting leaves them as they are.
    expect((await setTunnelSettings(connection, 'home', { allowBridges: true })).onDemand).toEqual(rules);
    const refused = await setTunnelSettings(connection, 'home', {
      onDemand: { ethernet: false, wifi: 'only', ssids: [] },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ControlCallError);
    expect((refused as ControlCallError).code).toBe('invalid-request');
    expect((refused as ControlCallError).message).toMatch(/at least one SSID/);
    expect((await tunnelSettings(connection, 'home')).onDemand).toEqual(rules);
  });
});

describe("another owner's tunnel, as a member of the group", () => {
  it('shows what anyone may see of it (settings, the running tunnel) and never asks for its config', async () => {
    await createTunnel(connection, 'office', testConfig().replace('[Peer]', 'DNS = 10.7.0.1\nMTU = 1380\n\n[Peer]'));
    const member = await asAlice();
    expect(await createTunnel(member, 'home', testConfig('10.7.0.3/32'))).toMatchObject({ ok: true });
    const refusal = 'office belongs to root; only root or an administrator may read it';
    await expect(getTunnel(member, 'office')).rejects.toMatchObject({ code: NOT_PERMITTED, message: refusal });

    expect(await tunnelDetails(member, 'office', () => 5)).toEqual({
      name: 'office',
      publicKey: null,
      addresses: [],
      dns: [],
      listenPort: null,
      mtu: null,
      running: false,
      configReadable: false,
      peers: [],
      warnings: [],
      sampledAt: 5,
    });
    expect(await tunnelDetails(member, 'home')).toMatchObject({ configReadable: true, addresses: ['10.7.0.3/32'] });
    expect(await tunnelSettings(member, 'office')).toEqual(OFF);
    await expect(tunnelSettings(member, 'nowhere')).rejects.toThrow('there is no stored tunnel named nowhere');
    // Export: the helper refuses in its own words, and those are what the window shows.
    await expect(exportConf(member, 'office')).rejects.toMatchObject({ code: NOT_PERMITTED, message: refusal });
  });

  it('reads a running one from show alone (a scripted helper: up needs a TUN device)', async () => {
    const summary: TunnelSummary = {
      name: 'office',
      state: 'up',
      origin: 'store',
      options: {
        autostart: false,
        blockUntunneled: false,
        allowBridges: false,
        allowScripts: false,
        excludePrivateIps: false,
      },
      owner: 'root',
      canChange: false,
    };
    const status: TunnelStatus = {
      name: 'office',
      publicKey: TEST_PEER_KEY,
      listenPort: 40001,
      fwmark: 0,
      peers: [
        {
          publicKey: TEST_KEY,
          endpoint: '192.0.2.1:51820',
          allowedIps: ['10.7.0.0/24'],
          latestHandshake: 7000,
          rxBytes: 10,
          txBytes: 20,
          persistentKeepalive: 25,
          hasSession: true,
          drops: {},
        },
      ],
      warnings: [],
    };
    const asked: string[] = [];
    const scripted: HelperCalls = {
      call: async (method) => {
        asked.push(method);
        if (method === 'list') return [summary] as never;
        if (method === 'show') return [status] as never;
        throw new ControlCallError({
          code: NOT_PERMITTED,
          message: 'office belongs to root; only root or an administrator may read it',
        });
      },
    };
    expect(await tunnelDetails(scripted, 'office', () => 9)).toEqual({
      name: 'office',
      publicKey: TEST_PEER_KEY,
      addresses: [],
      dns: [],
      listenPort: 40001,
      mtu: null,
      running: true,
      configReadable: false,
      peers: [
        {
          publicKey: TEST_KEY,
          endpoint: '192.0.2.1:51820',
          allowedIps: ['10.7.0.0/24'],
          latestHandshake: 7000,
          rxBytes: 10,
          txBytes: 20,
          persistentKeepalive: 25,
        },
      ],
      warnings: [],
      sampledAt: 9,
    });
    expect(asked).toEqual(['list', 'show']);
  });
});

describe('allowing scripts, which only an administrator may', () => {
  /** An administrator stand-in: records the command line and answers `code`. */
  function recording(code: number): { admin: Administrator; ran: (readonly string[])[] } {
    const ran: (readonly string[])[] = [];
    return {
      ran,
      admin: {
        isRoot: false,
        warrenCommand: () => '/usr/bin/warren',
        run: async (argv) => (ran.push(argv), { code, stderr: '' }),
      },
    };
  }

  it('asks an administrator through pkexec, never the helper directly, which would refuse a member', async () => {
    const member = await asAlice();
    await createTunnel(member, 'home', testConfig());
    await expect(
      setTunnelSettings(member, 'home', { allowScripts: true }, { ...recording(0).admin, isRoot: true }),
    ).rejects.toMatchObject({ code: NOT_PERMITTED });

    // The owner's change goes to the helper first; the stand-in allowed nothing, and the answer is what the helper has.
    const { admin, ran } = recording(0);
    expect(await setTunnelSettings(member, 'home', { blockUntunneled: true, allowScripts: true }, admin)).toEqual({
      ...OFF,
      blockUntunneled: true,
    });
    expect(ran).toEqual([['pkexec', '/usr/bin/warren', 'set', 'home', '--allow-scripts', 'on']]);
    // Off is the owner's, straight to the helper.
    expect(await setTunnelSettings(member, 'home', { allowScripts: false }, admin)).toEqual({
      ...OFF,
      blockUntunneled: true,
    });
    expect(ran).toHaveLength(1);
  });

  it('as root, asks the helper itself', async () => {
    await createTunnel(connection, 'home', testConfig());
    const { admin, ran } = recording(0);
    expect(await setTunnelSettings(connection, 'home', { allowScripts: true }, { ...admin, isRoot: true })).toEqual({
      ...OFF,
      allowScripts: true,
    });
    expect(ran).toEqual([]);
  });

  it("runs pkexec from PATH on the warren command, which an administrator's `warren set` then allows", async () => {
    const member = await asAlice();
    await createTunnel(member, 'home', testConfig());
    // Stand-ins: a pkexec that records its arguments and runs them (the test is root already), and the
    // repository's warren command, from source, against this helper.
    const bin = join(helper.directory, 'bin');
    mkdirSync(bin);
    const register = fileURLToPath(new URL('../test/netns/register-ts.mjs', import.meta.url));
    const cli = fileURLToPath(new URL('../native-helper/cli/main.ts', import.meta.url));
    const warren = join(bin, 'warren');
    const script = (path: string, body: string) => {
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
    };
    script(
      warren,
      `WARREN_CONTROL_SOCKET='${helper.socketPath}' exec '${process.execPath}' --import '${register}' '${cli}' "$@"`,
    );
    script(join(bin, 'pkexec'), `printf '%s\\n' "$@" > '${bin}/argv'\nexec "$@"`);
    vi.stubEnv('PATH', `${bin}:${process.env.PATH}`);
    const admin: Administrator = { isRoot: false, warrenCommand: () => warren, run: runToEnd };

    expect(await setTunnelSettings(member, 'home', { allowScripts: true }, admin)).toEqual({
      ...OFF,
      allowScripts: true,
    });
    expect(readFileSync(join(bin, 'argv'), 'utf8')).toBe(`${warren}\nset\nhome\n--allow-scripts\non\n`);
    expect((await tunnelSettings(member, 'home')).allowScripts).toBe(true);

    // The dialog dismissed: pkexec's 126, in words.
    script(join(bin, 'pkexec'), 'exit 126');
    await expect(setTunnelSettings(member, 'home', { allowScripts: true }, admin)).rejects.toThrow(
      'Scripts stay off: administrator authentication was cancelled or failed.',
    );
  }, 30_000);
});
