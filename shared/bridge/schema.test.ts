import { describe, expect, it } from 'vitest';
import { BRIDGE, MANIFEST_CHANNEL, bridgeManifest, channelOf } from './schema.js';

describe('the bridge schema', () => {
  it('derives one channel per entry, all distinct, none the manifest channel', () => {
    const manifest = bridgeManifest();
    const channels = [...manifest.calls, ...manifest.events].map((e) => e.channel);
    expect(new Set(channels).size).toBe(Object.keys(BRIDGE).length);
    expect(channels).not.toContain(MANIFEST_CHANNEL);
    expect(manifest.calls.map((c) => c.key)).toEqual(
      Object.keys(BRIDGE).filter((k) => BRIDGE[k as keyof typeof BRIDGE].kind === 'call'),
    );
    expect(manifest.events).toEqual([
      { key: 'onState', channel: channelOf('state') },
      { key: 'onImported', channel: channelOf('imported') },
      { key: 'onShow', channel: channelOf('show') },
    ]);
  });

  it('validates call arguments: names as the helper allows them, files bounded', () => {
    expect(BRIDGE.setTunnel.args.safeParse(['home', true]).success).toBe(true);
    expect(BRIDGE.setTunnel.args.safeParse(['home; rm -rf /', true]).success).toBe(false);
    expect(BRIDGE.setTunnel.args.safeParse(['home']).success).toBe(false);
    expect(BRIDGE.importFiles.args.safeParse([[{ filename: 'a.conf', text: 'x' }]]).success).toBe(true);
    expect(
      BRIDGE.importFiles.args.safeParse([[{ filename: 'a.conf', text: 'x', name: 'far-too-long-a-name' }]]).success,
    ).toBe(false);
    expect(BRIDGE.setPreferences.args.safeParse([{ notifications: 'failures' }]).success).toBe(true);
    expect(BRIDGE.setPreferences.args.safeParse([{ closeWindow: 'quit', startAtLogin: true }]).success).toBe(true);
    expect(BRIDGE.setPreferences.args.safeParse([{ notifications: 'loud' }]).success).toBe(false);
    expect(BRIDGE.setPreferences.args.safeParse([{ startAtLogin: 'yes' }]).success).toBe(false);
    expect(BRIDGE.setPreferences.args.safeParse([{ somethingElse: true }]).success).toBe(false);
    expect(BRIDGE.getTunnelQr.args.safeParse(['home']).success).toBe(true);
    expect(BRIDGE.getTunnelQr.args.safeParse(['../etc']).success).toBe(false);
    expect(BRIDGE.getState.args.safeParse([1]).success).toBe(false);
  });
});
