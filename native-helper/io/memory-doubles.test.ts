// The in-memory Tun and Bind: what a unit test of the engine relies on. Two "devices" here forward
// tun -> bind -> network -> bind -> tun, as two engines would, with no sockets.
import { describe, expect, it } from 'vitest';
import { ENDPOINT_SIZE, formatEndpoint } from '../engine/endpoint.js';
import { MemoryBind, MemoryNetwork } from './memory-bind.js';
import { MemoryTun } from './memory-tun.js';
import { createDatagramBatch, packetAt, type PacketBatch } from './packet-batch.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function packet(seq: number, length = 60): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seq + i) & 0xff);
}

/** A stand-in engine: each packet from the tun goes to the peer's endpoint, each datagram to the tun. */
function wire(tun: MemoryTun, bind: MemoryBind, peer: () => Uint8Array): void {
  const out = createDatagramBatch(256, 1 << 20);
  tun.start((batch: PacketBatch) => {
    for (let i = 0; i < batch.count; i++) {
      expect(batch.offsets[i]).toBeGreaterThanOrEqual(tun.headroom);
      out.offsets[i] = batch.offsets[i]!;
      out.lengths[i] = batch.lengths[i]!;
      out.endpoints.set(peer(), i * ENDPOINT_SIZE);
    }
    out.count = batch.count;
    bind.sendBatch({ ...out, buffer: batch.buffer });
  });
  bind.start((batch) => {
    tun.writeBatch(batch);
  });
}

describe('MemoryTun and MemoryBind', () => {
  it('carry packets between two wired devices, in batches, in order', async () => {
    const network = new MemoryNetwork();
    const [tunA, tunB] = [new MemoryTun({ name: 'a' }), new MemoryTun({ name: 'b', batchPackets: 8 })];
    const [bindA, bindB] = [network.createBind(), network.createBind()];
    bindA.open(0);
    bindB.open(51820);
    wire(tunA, bindA, () => bindB.endpoint(6));
    wire(tunB, bindB, () => bindA.endpoint(4));

    const sent = Array.from({ length: 20 }, (_, i) => packet(i, 40 + i));
    tunA.inject(...sent);
    tunB.inject(packet(99));
    for (let i = 0; i < 10 && tunB.written.length + tunA.written.length < 21; i++) await tick();
    expect(tunB.written).toEqual(sent);
    expect(tunA.written).toEqual([packet(99)]);
  });

  it('reports each datagram with its source endpoint, and lets a filter drop', async () => {
    const network = new MemoryNetwork();
    const [a, b] = [network.createBind({ ipv4: '198.51.100.1' }), network.createBind()];
    a.open(1000);
    b.open(2000);
    const seen: string[] = [];
    b.start((batch) => {
      for (let i = 0; i < batch.count; i++) {
        seen.push(`${formatEndpoint(batch.endpoints, i * ENDPOINT_SIZE)} ${packetAt(batch, i)[0]}`);
      }
    });
    network.filter = (datagram) => datagram[0] !== 2;
    const batch = createDatagramBatch(4, 64);
    for (let i = 0; i < 3; i++) {
      batch.buffer[i * 8] = i;
      batch.offsets[i] = i * 8;
      batch.lengths[i] = 8;
      batch.endpoints.set(b.endpoint(i === 1 ? 6 : 4), i * ENDPOINT_SIZE);
    }
    batch.count = 3;
    expect(a.sendBatch(batch)).toBe(3);
    await tick();
    expect(seen).toEqual(['198.51.100.1:1000 0', `[${a.ipv6}]:1000 1`]);
  });

  it('refuses a port in use with EADDRINUSE, and frees it on close', async () => {
    const network = new MemoryNetwork();
    const [a, b] = [network.createBind({ ipv4: '192.0.2.9' }), network.createBind({ ipv4: '192.0.2.9' })];
    expect(a.open(0)).toBe(49152);
    expect(() => b.open(49152)).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind' }));
    await a.close();
    expect(a.port).toBe(0);
    expect(b.open(49152)).toBe(49152);
  });

  it('closes a tun once, and reports a removal as EBADFD', async () => {
    const tun = new MemoryTun();
    const heard: (string | undefined)[] = [];
    tun.onClose((error) => heard.push((error as { code?: string } | undefined)?.code));
    await Promise.all([tun.remove(), tun.close()]);
    expect(heard).toEqual(['EBADFD']);
    expect(() =>
      tun.writeBatch({ buffer: new Uint8Array(1), offsets: new Uint32Array(1), lengths: new Uint32Array(1), count: 1 }),
    ).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
