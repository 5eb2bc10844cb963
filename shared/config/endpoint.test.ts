import { describe, expect, it } from 'vitest';
import { domainError } from './domain.js';
import { formatEndpoint, parseEndpoint } from './endpoint.js';

describe('endpoints', () => {
  it.each([
    ['1.2.3.4:51820', { host: '1.2.3.4', port: 51820 }],
    ['[2001:DB8:0::1]:1', { host: '2001:db8::1', port: 1 }],
    ['[::ffff:1.2.3.4]:65535', { host: '::ffff:1.2.3.4', port: 65535 }],
    ['VPN.Example.com:443', { host: 'VPN.Example.com', port: 443 }],
    ['se-got-wg-001.relays.mullvad.net:51820', { host: 'se-got-wg-001.relays.mullvad.net', port: 51820 }],
    ['host:00080', { host: 'host', port: 80 }],
  ])('reads %s', (text, endpoint) => {
    expect(parseEndpoint(text)).toEqual({ ok: true, value: endpoint });
  });

  it('writes brackets for IPv6 only', () => {
    expect(formatEndpoint({ host: '2001:db8::1', port: 51820 })).toBe('[2001:db8::1]:51820');
    expect(formatEndpoint({ host: '1.2.3.4', port: 1 })).toBe('1.2.3.4:1');
    expect(formatEndpoint({ host: 'a.example', port: 2 })).toBe('a.example:2');
  });
});

describe('domain names', () => {
  it.each(['lan', 'corp.example.com', 'example.com.', 'a-b.c_d.example', 'xn--bcher-kva.example', '1password.com'])(
    'accepts %s',
    (name) => {
      expect(domainError(name)).toBeNull();
    },
  );

  it.each([
    ['', /not a domain name/],
    ['.', /not a domain name/],
    ['a..b', /empty label/],
    ['-a.example', /start or end with `-`/],
    ['a-.example', /start or end with `-`/],
    ['a'.repeat(64) + '.example', /longer than 63/],
    [Array.from({ length: 60 }, () => 'abcd').join('.'), /at most 253/],
    ['bücher.example', /`ü` is not allowed/],
    ['10.0.0.256', /neither an IP address nor a domain name/],
    ['a/b', /`\/` is not allowed/],
  ])('refuses %j', (name, message) => {
    expect(domainError(name)).toMatch(message);
  });
});
