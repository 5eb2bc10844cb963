// AddonBind's port and family policy against a scripted addon (the real one is exercised in test/netns/).
import { describe, expect, it } from 'vitest';
import type { NativeIo, UdpHandle } from './addon.js';
import { AddonBind } from './addon-bind.js';
import { errnoError } from './errno-error.js';

type Outcome = number | string;

/** udpOpen answers from a script per family: a port, or an errno name to throw. */
function scripted(script: { 4: Outcome[]; 6: Outcome[] }) {
  const opened: string[] = [];
  const closed: string[] = [];
  const native = {
    udpOpen(family: 4 | 6, port: number) {
      const outcome = script[family].shift();
      if (typeof outcome === 'string') throw errnoError(outcome, family === 4 ? 'socket' : 'bind');
      const chosen = port === 0 ? outcome! : port;
      const handle = `${family}:${chosen}:${opened.length}` as unknown as UdpHandle;
      opened.push(handle as unknown as string);
      return { handle, port: chosen, gso: true, gro: true };
    },
    async udpClose(handle: UdpHandle) {
      closed.push(handle as unknown as string);
    },
    udpSetMark() {},
    udpSetOffload() {},
  };
  return { native: native as unknown as NativeIo, opened, closed };
}

describe('AddonBind.open', () => {
  it('uses the IPv4 port for IPv6, retrying when that port is taken there', () => {
    const { native, opened, closed } = scripted({ 4: [40001, 40002], 6: ['EADDRINUSE', 0] });
    const bind = new AddonBind({}, native);
    expect(bind.open(0)).toBe(40002);
    expect(opened).toEqual(['4:40001:0', '4:40002:1', '6:40002:2']);
    expect(closed).toEqual(['4:40001:0']);
  });

  it('runs on IPv4 alone where the system has no IPv6', () => {
    const { native } = scripted({ 4: [40001], 6: ['EAFNOSUPPORT'] });
    const bind = new AddonBind({}, native);
    expect(bind.open(0)).toBe(40001);
    expect(bind.port).toBe(40001);
  });

  it('gives up on an explicit port in use, closing what it opened', () => {
    const { native, closed } = scripted({ 4: [0], 6: ['EADDRINUSE'] });
    const bind = new AddonBind({}, native);
    expect(() => bind.open(51820)).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    expect(closed).toEqual(['4:51820:0']);
    expect(bind.port).toBe(0);
  });

  it('refuses a second open before close', async () => {
    const { native } = scripted({ 4: [40001, 40005], 6: [0, 0] });
    const bind = new AddonBind({}, native);
    bind.open(0);
    expect(() => bind.open(0)).toThrow(expect.objectContaining({ code: 'EALREADY' }));
    await bind.close();
    expect(bind.open(0)).toBe(40005);
  });
});
