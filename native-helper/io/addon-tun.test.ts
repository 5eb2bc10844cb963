// What the addon-backed Tun checks before any system call; the device itself is exercised in test/netns/.
import { describe, expect, it } from 'vitest';
import { openTun } from './addon-tun.js';

describe('openTun', () => {
  it('refuses an interface name longer than the kernel takes, by errno name', () => {
    expect(() => openTun({ name: 'a-name-far-too-long' })).toThrow(
      expect.objectContaining({ code: 'ENAMETOOLONG', syscall: 'TUNSETIFF', errno: -36 }),
    );
  });

  it('refuses options outside their range before opening anything', () => {
    expect(() => openTun({ mtu: 100 })).toThrow(RangeError);
    expect(() => openTun({ slotPackets: 0 })).toThrow(RangeError);
    expect(() => openTun({ headroom: -1 })).toThrow(RangeError);
  });
});
