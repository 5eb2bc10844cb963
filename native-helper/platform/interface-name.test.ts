import { describe, expect, it } from 'vitest';
import { assertInterfaceName, isValidInterfaceName } from './interface-name.js';

describe('interface names', () => {
  it("lets wg-quick's names through", () => {
    for (const name of ['wg0', 'a', 'A_b=c+d.e-f', '123456789012345']) expect(isValidInterfaceName(name)).toBe(true);
  });

  it('refuses everything else', () => {
    for (const name of ['', '1234567890123456', 'wg 0', 'wg0;rm', 'wg/0', 'wg$0', 'wg"0', '.', '..', 'wgé', 'wg\n0']) {
      expect(isValidInterfaceName(name)).toBe(false);
    }
    expect(() => assertInterfaceName('wg0; reboot')).toThrow('invalid interface name "wg0; reboot"');
  });
});
