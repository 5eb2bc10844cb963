// The TUN device end to end, in namespaces this suite makes: ping through the device answered by JS, a device
// deleted from outside, close, and errno-named errors.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Child } from './child.js';
import { Namespaces, canUseNetns, ip } from './namespace.js';

const namespaces = new Namespaces();
const children: Child[] = [];

function child(ns: string, fixture: string, args: unknown): Child {
  const c = new Child(ns, fixture, args);
  children.push(c);
  return c;
}

function ping(ns: string, ...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-q', ...args], { encoding: 'utf8', timeout: 8000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

afterAll(() => {
  for (const c of children) c.kill();
  namespaces.destroy();
});

describe.skipIf(!canUseNetns)('TUN through the addon', () => {
  for (const offload of [false, true]) {
    it(`answers ping over IPv4 and IPv6 from JS, in batches (offload ${offload})`, async () => {
      const ns = namespaces.create();
      const tun = child(ns, 'tun-echo.ts', { name: 'wt%d', offload });
      const open = await tun.next('open');
      const name = open.name as string;
      expect(name).toBe('wt0');
      expect(open.vnetHdr).toBe(offload);
      expect(open.mtu).toBe(1420);
      const link = ip('-n', ns, '-d', 'link', 'show', name);
      expect(link).toMatch(/POINTOPOINT/);
      expect(link).toMatch(/NOARP/);
      expect(link).not.toMatch(/MULTICAST/);

      ip('-n', ns, 'addr', 'add', '10.123.0.1', 'peer', '10.123.0.2', 'dev', name);
      ip('-n', ns, '-6', 'addr', 'add', 'fd00:7b::1/64', 'dev', name, 'nodad');
      ip('-n', ns, 'link', 'set', name, 'up');
      // A preload of 50 puts many requests in the device at once: they must arrive as batches.
      const v4 = ping(ns, '-c', '200', '-l', '50', '-i', '0.002', '-W', '2', '10.123.0.2');
      expect(v4.output).toMatch(/200 received/);
      const v6 = ping(ns, '-6', '-c', '50', '-l', '20', '-i', '0.002', '-W', '2', 'fd00:7b::2');
      expect(v6.output).toMatch(/50 received/);

      tun.send({ cmd: 'stats' });
      const stats = await tun.next('stats');
      expect(stats.requests).toBe(250);
      expect(stats.invalid).toBe(0);
      expect(stats.maxBatch as number).toBeGreaterThan(1);
      expect(stats.batches as number).toBeLessThan(stats.packets as number);

      tun.send({ cmd: 'close' });
      const closed = await tun.next('closed-by-us');
      expect(closed).toMatchObject({ same: true, afterClose: 0, writeError: 'EBADF' });
      expect((await tun.next('closed')).code).toBeNull();
      expect(await tun.exited()).toBe(0);
      // Not persistent: closing the descriptor took the device away.
      expect(() => ip('-n', ns, 'link', 'show', name)).toThrow();
    });
  }

  it('reports a device deleted from outside as closed, with EBADFD', async () => {
    const ns = namespaces.create();
    const tun = child(ns, 'tun-echo.ts', { name: 'wtdel', offload: true });
    await tun.next('open');
    ip('-n', ns, 'link', 'del', 'wtdel');
    const closed = await tun.next('closed');
    expect(closed).toMatchObject({ code: 'EBADFD', syscall: 'read' });
    tun.send({ cmd: 'close' });
    expect(await tun.next('closed-by-us')).toMatchObject({ same: true, afterClose: 0 });
    expect(await tun.exited()).toBe(0);
  });

  it('closes under a ping flood with no callback after close', async () => {
    const ns = namespaces.create();
    const tun = child(ns, 'tun-echo.ts', { name: 'wtload', offload: true });
    await tun.next('open');
    ip('-n', ns, 'addr', 'add', '10.123.1.1', 'peer', '10.123.1.2', 'dev', 'wtload');
    ip('-n', ns, 'link', 'set', 'wtload', 'up');
    const flood = spawn('ip', ['netns', 'exec', ns, 'ping', '-q', '-f', '-l', '20', '-w', '4', '10.123.1.2'], {
      stdio: 'ignore',
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      tun.send({ cmd: 'stats' });
      expect((await tun.next('stats')).requests as number).toBeGreaterThan(100);
      tun.send({ cmd: 'close' });
      expect(await tun.next('closed-by-us')).toMatchObject({ same: true, afterClose: 0, writeError: 'EBADF' });
      expect(await tun.exited()).toBe(0);
    } finally {
      flood.kill('SIGKILL');
    }
  });

  it('throws an errno-named error for a name already in use', async () => {
    const ns = namespaces.create();
    const tun = child(ns, 'tun-echo.ts', { name: 'wtbusy', offload: false });
    await tun.next('open');
    tun.send({ cmd: 'open-same' });
    expect(await tun.next('open-same')).toMatchObject({ code: 'EBUSY', syscall: 'TUNSETIFF', errno: -16 });
    tun.send({ cmd: 'close' });
    await tun.next('closed-by-us');
  });
});
