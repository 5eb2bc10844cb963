import { describe, expect, it } from 'vitest';
import { TunnelLocks } from './tunnel-locks.js';

const later = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('TunnelLocks', () => {
  it('runs work on one tunnel in arrival order, one at a time', async () => {
    const locks = new TunnelLocks();
    const order: string[] = [];
    const gate = later();
    const first = locks.run(['wg0'], async () => {
      order.push('first starts');
      await gate.promise;
      order.push('first ends');
    });
    const second = locks.run(['wg0'], async () => void order.push('second'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['first starts']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second']);
  });

  it('does not hold another tunnel up', async () => {
    const locks = new TunnelLocks();
    const gate = later();
    const slow = locks.run(['wg0'], () => gate.promise);
    expect(await locks.run(['wg1'], async () => 'done')).toBe('done');
    gate.resolve();
    await slow;
  });

  it('queues work naming several tunnels on all of them, without deadlock between opposite orders', async () => {
    const locks = new TunnelLocks();
    const gate = later();
    const order: string[] = [];
    const a = locks.run(['a'], async () => {
      await gate.promise;
      order.push('a');
    });
    const ab = locks.run(['a', 'b'], async () => void order.push('ab'));
    const ba = locks.run(['b', 'a'], async () => void order.push('ba'));
    const b = locks.run(['b'], async () => void order.push('b'));
    gate.resolve();
    await Promise.all([a, ab, ba, b]);
    expect(order).toEqual(['a', 'ab', 'ba', 'b']);
  });

  it('releases a tunnel when the work throws, and forgets names with nothing queued', async () => {
    const locks = new TunnelLocks();
    await expect(locks.run(['wg0'], async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    expect(await locks.run(['wg0'], async () => 1)).toBe(1);
    await locks.idle();
    expect((locks as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });

  it('idle() waits for everything queued', async () => {
    const locks = new TunnelLocks();
    const gate = later();
    let finished = false;
    void locks.run(['x'], async () => {
      await gate.promise;
      finished = true;
    });
    const idle = locks.idle();
    gate.resolve();
    await idle;
    expect(finished).toBe(true);
  });
});
