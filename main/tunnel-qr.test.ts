// The QR code of a stored tunnel, read back by an independent decoder, against the real helper: it must carry
// exactly what an export writes, fall back to a lower error correction for larger configs, say when a config
// does not fit, and be refused, as an export is, for another owner's tunnel.
import { afterEach, describe, expect, it } from 'vitest';
import type { HelperConnection } from './helper-connection.js';
import { importFiles } from './import-export.js';
import { decodeQrModules } from './testing/qr-decode.js';
import {
  ALICE,
  TEST_KEY,
  TEST_PEER_KEY,
  type RealHelper,
  connectedTo,
  playedAccounts,
  realHelper,
  testConfig,
} from './testing/real-helper.js';
import { exportConf } from './tunnel-editing.js';
import { QR_MAX_BYTES, qrFor, tunnelQr } from './tunnel-qr.js';

let helper: RealHelper;
let connection: HelperConnection | undefined;

afterEach(async () => {
  connection?.stop();
  connection = undefined;
  await helper.dispose();
});

/** A config with `peers` peers, each line of it real. */
function withPeers(peers: number): string {
  const lines = ['[Interface]', `PrivateKey = ${TEST_KEY}`, 'Address = 10.7.0.2/32', 'DNS = 10.7.0.1', ''];
  for (let i = 0; i < peers; i++) {
    const key = Buffer.alloc(32, i + 20).toString('base64');
    lines.push('[Peer]', `PublicKey = ${key}`, `AllowedIPs = 10.8.${i}.0/24`, `Endpoint = 192.0.2.${i + 1}:51820`, '');
  }
  return lines.join('\n');
}

describe('tunnelQr', () => {
  it('carries exactly the text an export writes, private key included', async () => {
    helper = realHelper();
    await helper.start();
    connection = await connectedTo(helper);
    await importFiles(connection, [{ filename: 'home.conf', text: testConfig() }]);
    const qr = await tunnelQr(connection, 'home');
    expect(qr.kind).toBe('code');
    if (qr.kind !== 'code') return;
    // A square of a QR version's size (21 + 4 per version), without the quiet zone.
    expect(qr.modules.every((row) => row.length === qr.modules.length)).toBe(true);
    expect((qr.modules.length - 17) % 4).toBe(0);
    const decoded = new TextDecoder().decode(decodeQrModules(qr.modules)!);
    expect(decoded).toBe(new TextDecoder().decode(await exportConf(connection, 'home')));
    expect(decoded).toContain(`PrivateKey = ${TEST_KEY}`);
    expect(decoded).toContain(`PublicKey = ${TEST_PEER_KEY}`);
  });

  it('fits several peers, and says when a config is too large for any QR code', async () => {
    helper = realHelper();
    await helper.start();
    connection = await connectedTo(helper);
    await importFiles(connection, [
      { filename: 'office.conf', text: withPeers(12) },
      { filename: 'huge.conf', text: withPeers(40) },
    ]);
    const office = await tunnelQr(connection, 'office');
    expect(office.kind).toBe('code');
    if (office.kind === 'code')
      expect(new TextDecoder().decode(decodeQrModules(office.modules)!)).toBe(
        new TextDecoder().decode(await exportConf(connection, 'office')),
      );
    const exported = await exportConf(connection, 'huge');
    expect(exported.byteLength).toBeGreaterThan(QR_MAX_BYTES);
    expect(await tunnelQr(connection, 'huge')).toEqual({
      kind: 'too-large',
      bytes: exported.byteLength,
      maxBytes: QR_MAX_BYTES,
    });
  });

  it("is refused for another owner's tunnel, in the helper's words", async () => {
    const played = playedAccounts();
    helper = realHelper({ accounts: played.accounts });
    await helper.start();
    const root = await connectedTo(helper);
    await importFiles(root, [{ filename: 'office.conf', text: testConfig() }]);
    root.stop();
    played.playing = ALICE;
    connection = await connectedTo(helper);
    await expect(tunnelQr(connection, 'office')).rejects.toThrow(
      'office belongs to root; only root or an administrator may read it',
    );
  });
});

describe('qrFor', () => {
  it('uses error correction M while it fits, then L, up to the largest QR code', () => {
    // 2331 bytes is version 40's capacity at M (177 modules); one more needs L, where it fits in version 36.
    const atM = qrFor('x'.repeat(2331));
    const atL = qrFor('x'.repeat(2332));
    expect(atM.kind === 'code' && atM.modules.length).toBe(177);
    expect(atL.kind === 'code' && atL.modules.length).toBe(161);
    expect(new TextDecoder().decode(decodeQrModules(atL.kind === 'code' ? atL.modules : [], 2)!)).toBe(
      'x'.repeat(2332),
    );
    expect(qrFor('x'.repeat(QR_MAX_BYTES)).kind).toBe('code');
    expect(qrFor('é'.repeat(1477))).toEqual({ kind: 'too-large', bytes: 2954, maxBytes: QR_MAX_BYTES });
  });
});
