import { describe, expect, it } from 'vitest';
import { interfaceNameFromPath } from './interface-name.js';

describe('interfaceNameFromPath', () => {
  it.each([
    ['/etc/wireguard/wg0.conf', 'wg0'],
    ['wg0.conf', 'wg0'],
    ['./relative/dir/mullvad-se9.conf', 'mullvad-se9'],
    ['/x/a_b=c+d.e-f.conf', 'a_b=c+d.e-f'],
    ['/x/123456789012345.conf', '123456789012345'],
    ['C:\\Users\\me\\office.conf', 'office'],
    ['/a.conf/b/home.conf', 'home'],
  ])('%s -> %s', (path, name) => {
    expect(interfaceNameFromPath(path)).toEqual({ ok: true, name });
  });

  it.each([
    ['/etc/wireguard/wg0', /does not end in `\.conf`/],
    ['/etc/wireguard/wg0.CONF', /does not end in `\.conf`/],
    ['/etc/wireguard/wg0.conf.bak', /does not end in `\.conf`/],
    ['/etc/wireguard/.conf', /nothing before `\.conf`/],
    ['/etc/wireguard/', /does not end in/],
    ['/x/1234567890123456.conf', /is 16 characters; at most 15/],
    ['/x/my vpn.conf', /contains ` `; only letters, digits and _ = \+ \. - are allowed/],
    ['/x/café.conf', /contains `é`/],
    ['/x/wg:0.conf', /contains `:`/],
    ['/x/..conf', /`\.` is not a valid interface name/],
    ['/x/...conf', /`\.\.` is not a valid interface name/],
  ])('%s is refused', (path, message) => {
    const result = interfaceNameFromPath(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});
