import { describe, expect, it } from 'vitest';
import { assertInterfaceName, isValidInterfaceName } from './interface-name.js';

describe('interface names', () => {
  it("lets wg-quick's names through", () => {
    for (const name of ['wg0', 'a', 'a-b', 'A_b=c+d.e-f', '123456789012345'])
      expect(isValidInterfaceName(name)).toBe(true);
  });

  it('refuses everything else', () => {
    for (const name of ['', '1234567890123456', 'wg 0', 'wg0;rm', 'wg/0', 'wg$0', 'wg"0', '.', '..', 'wgé', 'wg\n0']) {
      expect(isValidInterfaceName(name)).toBe(false);
    }
    expect(() => assertInterfaceName('wg0; reboot')).toThrow('invalid interface name "wg0; reboot"');
  });

  it('refuses a leading dash, which commands would take for an option', () => {
    for (const name of ['-x', '--', '-', '-fwmark']) {
      expect(isValidInterfaceName(name)).toBe(false);
      expect(() => assertInterfaceName(name)).toThrow(/not starting with -/);
    }
    expect(() => assertInterfaceName('a-b')).not.toThrow();
  });
});
