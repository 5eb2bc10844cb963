import { describe, expect, it } from 'vitest';
import { createPlatform } from './index.js';

describe('createPlatform', () => {
  it('gives the Linux layer on Linux and says so for an OS without one yet', () => {
    const linux = createPlatform({}, 'linux');
    expect(typeof linux.tunnels.up).toBe('function');
    expect(typeof linux.recoverDns).toBe('function');
    expect(() => createPlatform({}, 'darwin')).toThrow('Warren has no platform layer for darwin yet');
  });
});
