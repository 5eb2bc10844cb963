// The window's calls on one tunnel, against the real helper (in-process, temporary store): the key never
// reaches the editor's text, saving the placeholder keeps it, a broken line comes back at its line.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HIDDEN_PRIVATE_KEY_LINE } from '../shared/config/index.js';
import type { HelperConnection } from './helper-connection.js';
import { TEST_KEY, TEST_PEER_KEY, type RealHelper, connectedTo, realHelper, testConfig } from './testing/real-helper.js';
import { createTunnel, exportConf, getTunnel, helperLogs, setTunnelSettings, tunnelDetails, updateTunnel } from './tunnel-editing.js';

let helper: RealHelper;
let connection: HelperConnection;

beforeEach(async () => {
  helper = realHelper();
  await helper.start();
  connection = await connectedTo(helper);
});
afterEach(async () => {
  connection.stop();
  await helper.dispose();
});

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
    await createTunnel(connection, 'home', testConfig().replace('[Peer]', 'DNS = 10.7.0.1, corp.example\nListenPort = 51999\n\n[Peer]'));
    expect(await setTunnelSettings(connection, 'home', { startWithSystem: true, blockUntunneled: true })).toEqual({
      startWithSystem: true,
      blockUntunneled: true,
      allowBridges: false,
      allowScripts: false,
      excludePrivateIps: false,
    });
    const details = await tunnelDetails(connection, 'home', () => 1234);
    expect(details).toMatchObject({
      name: 'home',
      addresses: ['10.7.0.2/32'],
      dns: ['10.7.0.1', 'corp.example'],
      listenPort: 51999,
      running: false,
      sampledAt: 1234,
    });
    expect(details.peers).toEqual([
      { publicKey: TEST_PEER_KEY, endpoint: '192.0.2.1:51820', allowedIps: ['10.7.0.0/24'], latestHandshake: null, rxBytes: 0, txBytes: 0, persistentKeepalive: 0 },
    ]);
    // The helper logged the import and the settings change (so the check below looks at something), never the key.
    const logs = await helperLogs(connection, 50);
    expect(logs.some((l) => l.tunnel === 'home')).toBe(true);
    expect(logs.every((l) => !l.message.includes(TEST_KEY))).toBe(true);
  });
});
