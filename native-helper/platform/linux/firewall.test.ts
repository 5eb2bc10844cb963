import { describe, expect, it } from 'vitest';
import { nftScript, nftTableName } from './firewall.js';

describe('nftTableName', () => {
  it('keeps plain names and escapes what nft identifiers cannot hold, one-to-one', () => {
    expect(nftTableName('wg0')).toBe('warren-wg0');
    expect(nftTableName('my.vpn-1')).toBe('warren-my.vpn-1');
    const names = ['a=b', 'a+b', 'a_b', 'a_eb', 'a__b', 'a_e', 'a=', '_=+'];
    const tables = names.map(nftTableName);
    expect(new Set(tables).size).toBe(names.length);
    for (const table of tables) expect(table).toMatch(/^[A-Za-z][A-Za-z0-9_.-]*$/);
  });
});

describe('nftScript', () => {
  it("is wg-quick's rules for the family, in a fresh table of our own", () => {
    expect(nftScript('wg0', 6, 51820, ['fd00::2', 'fd00::3']).split('\n')).toEqual([
      'add table ip6 warren-wg0',
      'delete table ip6 warren-wg0',
      'add table ip6 warren-wg0',
      'add chain ip6 warren-wg0 preraw { type filter hook prerouting priority -300; }',
      'add chain ip6 warren-wg0 premangle { type filter hook prerouting priority -150; }',
      'add chain ip6 warren-wg0 postmangle { type filter hook postrouting priority -150; }',
      'add rule ip6 warren-wg0 preraw iifname != "wg0" ip6 daddr fd00::2 fib saddr type != local drop',
      'add rule ip6 warren-wg0 preraw iifname != "wg0" ip6 daddr fd00::3 fib saddr type != local drop',
      'add rule ip6 warren-wg0 postmangle meta l4proto udp mark 51820 ct mark set mark',
      'add rule ip6 warren-wg0 premangle meta l4proto udp meta mark set ct mark',
      '',
    ]);
  });
});
