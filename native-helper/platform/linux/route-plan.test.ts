import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { networkOf, parsePrefix, toIpPrefix } from '../../../shared/config/ip.js';
import type { IpPrefix } from '../../../shared/config/model.js';
import { prefixText, routeOrder, tablePlan } from './route-plan.js';

function prefix(text: string): IpPrefix {
  const parsed = parsePrefix(text);
  if (!parsed.ok) throw new Error(text);
  return toIpPrefix(parsed.value.address, parsed.value.prefix);
}

const peers = (...lists: string[][]) => lists.map((list) => ({ allowedIps: list.map(prefix) }));

/** What wg-quick's pipeline makes of the same lines. */
function sortLikeWgQuick(lines: string[]): string[] {
  const out = execFileSync('sort', ['-nr', '-k', '2', '-t', '/'], {
    input: lines.join('\n') + '\n',
    env: { ...process.env, LC_ALL: 'C' },
  });
  return out.toString().trim().split('\n');
}

describe('tablePlan', () => {
  it('reads off, auto, absent and a table', () => {
    expect(tablePlan(undefined)).toEqual({ kind: 'auto' });
    expect(tablePlan('auto')).toEqual({ kind: 'auto' });
    expect(tablePlan('off')).toEqual({ kind: 'off' });
    expect(tablePlan('1234')).toEqual({ kind: 'table', table: '1234' });
    expect(tablePlan('vpn')).toEqual({ kind: 'table', table: 'vpn' });
  });
});

describe('routeOrder', () => {
  it('clears host bits and keeps each network once, as `wg show allowed-ips` lists them', () => {
    expect(prefixText(networkOf(prefix('10.1.2.3/8')))).toBe('10.0.0.0/8');
    expect(prefixText(networkOf(prefix('fd00::1:2/112')))).toBe('fd00::1:0/112');
    const order = routeOrder(peers(['10.1.2.3/8', '10.0.0.0/8'], ['10.9.9.9/8'])).map(prefixText);
    expect(order).toEqual(['10.0.0.0/8']);
  });

  it('puts the longest prefixes first and the default routes last', () => {
    const order = routeOrder(peers(['0.0.0.0/0', '10.0.0.0/8'], ['::/0', '10.20.0.0/16', 'fd00::/64', '10.9.0.5/32']));
    // By the number alone, so an IPv6 /64 comes before an IPv4 /32.
    expect(order.map(prefixText)).toEqual([
      'fd00::/64',
      '10.9.0.5/32',
      '10.20.0.0/16',
      '10.0.0.0/8',
      '::/0',
      '0.0.0.0/0',
    ]);
  });

  it('orders exactly as `sort -nr -k 2 -t /`, ties included', () => {
    const lists = [
      ['10.0.0.0/24', '192.168.1.0/24', '172.16.0.0/24', 'fd00::/24', '2001:db8::/24', '::/0', '0.0.0.0/0'],
      ['1.0.0.0/8', '9.0.0.0/8', '10.0.0.0/8', '100.0.0.0/8', 'a::/16', 'b::/16', '10::/16', '::1/128', '1.2.3.4/32'],
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 20; n++) {
      const list: string[] = [];
      for (let i = 0; i < 12; i++) {
        const length = Math.floor(random() * 33);
        const address = [0, 0, 0, 0].map(() => Math.floor(random() * 256)).join('.');
        list.push(`${address}/${length}`);
      }
      lists.push(list);
    }
    for (const list of lists) {
      const unique = [...new Set(list.map((text) => prefixText(networkOf(prefix(text)))))];
      expect(routeOrder(peers(unique)).map(prefixText)).toEqual(sortLikeWgQuick(unique));
    }
  });
});
