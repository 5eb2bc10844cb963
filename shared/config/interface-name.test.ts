import { describe, expect, it } from 'vitest';
import { TUNNEL_NAME_RULE, interfaceNameFromPath, isValidTunnelName, tunnelNameError } from './interface-name.js';

describe('interfaceNameFromPath', () => {
  it.each([
    ['/etc/wireguard/wg0.conf', 'wg0'],
    ['wg0.conf', 'wg0'],
    ['./relative/dir/mullvad-se9.conf', 'mullvad-se9'],
    ['/x/a_b=c+d.e-f.conf', 'a_b=c+d.e-f'],
    ['/x/123456789012345.conf', '123456789012345'],
    ['C:\\Users\\me\\office.conf', 'office'],
    ['/a.conf/b/home.conf', 'home'],
    ['/x/a-b.conf', 'a-b'],
    ['/x/a-.conf', 'a-'],
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
    ['/x/-x.conf', /`-x` starts with `-`/],
    ['/x/--.conf', /`--` starts with `-`/],
    ['/x/-.conf', /`-` starts with `-`/],
    ['/x/-fwmark.conf', /starts with `-`, which commands would take for an option/],
  ])('%s is refused', (path, message) => {
    const result = interfaceNameFromPath(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('tunnelNameError', () => {
  it('accepts wg-quick names, a dash anywhere but first', () => {
    for (const name of ['wg0', 'a-b', 'a-', 'a--b', 'A_b=c+d.e-f', '.a', 'a..', '123456789012345']) {
      expect(tunnelNameError(name), name).toBeNull();
      expect(isValidTunnelName(name)).toBe(true);
    }
  });

  it('refuses a leading dash, which ip, nft and resolvectl would read as an option', () => {
    for (const name of ['-x', '--', '-', '-fwmark', '-123456789012345']) {
      expect(tunnelNameError(name), name).toMatch(/starts with `-`|at most 15/);
      expect(isValidTunnelName(name)).toBe(false);
    }
  });

  it('refuses the rest of what the kernel or wg-quick would', () => {
    for (const name of ['', '.', '..', 'wg 0', 'wg0;rm', 'wg/0', 'wgé', 'wg\n0', '1234567890123456']) {
      expect(tunnelNameError(name), name).not.toBeNull();
    }
    expect(TUNNEL_NAME_RULE).toMatch(/not starting with -/);
  });
});
