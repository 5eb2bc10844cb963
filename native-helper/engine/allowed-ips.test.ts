import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllowedIps } from './allowed-ips.js';
import type { IpVersion } from './ip-packet.js';
import { formatIp, parseCidr, parseIp } from './testing/ip-text.js';

function ip4(a: number, b: number, c: number, d: number): Uint8Array {
  return Uint8Array.of(a, b, c, d);
}

function ip6(a: number, b: number, c: number, d: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  [a, b, c, d].forEach((w, i) => view.setUint32(i * 4, w >>> 0, false));
  return out;
}

function add<T extends NonNullable<unknown>>(t: AllowedIps<T>, cidrText: string, value: T): void {
  const p = parseCidr(cidrText);
  t.insert(p.family, p.bytes, 0, p.cidr, value);
}

function find<T extends NonNullable<unknown>>(t: AllowedIps<T>, ipText: string): T | undefined {
  const p = parseIp(ipText);
  return t.lookup(p.family, p.bytes, 0);
}

function listed<T extends NonNullable<unknown>>(t: AllowedIps<T>, value: T): string[] {
  return t.prefixesOf(value).map((p) => `${formatIp(p.address)}/${p.cidr}`);
}

/** The kernel's allowedips self-test (selftest/allowedips.c), in its order. */
describe('kernel allowedips self-test', () => {
  const [a, b, c, d, e, f, g, h] = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

  function populated(): AllowedIps<string> {
    const t = new AllowedIps<string>();
    const v4 = (peer: string, ip: Uint8Array, cidr: number): void => t.insert(4, ip, 0, cidr, peer);
    const v6 = (peer: string, ip: Uint8Array, cidr: number): void => t.insert(6, ip, 0, cidr, peer);
    v4(a, ip4(192, 168, 4, 0), 24);
    v4(b, ip4(192, 168, 4, 4), 32);
    v4(c, ip4(192, 168, 0, 0), 16);
    v4(d, ip4(192, 95, 5, 64), 27);
    // replaces previous entry, and maskself is required
    v4(c, ip4(192, 95, 5, 65), 27);
    v6(d, ip6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128);
    v6(c, ip6(0x26075300, 0x60006b00, 0, 0), 64);
    v4(e, ip4(0, 0, 0, 0), 0);
    v6(e, ip6(0, 0, 0, 0), 0);
    // replaces previous entry
    v6(f, ip6(0, 0, 0, 0), 0);
    v6(g, ip6(0x24046800, 0, 0, 0), 32);
    // maskself is required
    v6(h, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 64);
    v6(a, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 128);
    v6(c, ip6(0x24446800, 0x40e40800, 0xdeaebeef, 0xdefbeef), 128);
    v6(b, ip6(0x24446800, 0xf0e40800, 0xeeaebeef, 0), 98);
    v4(g, ip4(64, 15, 112, 0), 20);
    // maskself is required
    v4(h, ip4(64, 15, 123, 211), 25);
    v4(a, ip4(10, 0, 0, 0), 25);
    v4(b, ip4(10, 0, 0, 128), 25);
    v4(a, ip4(10, 1, 0, 0), 30);
    v4(b, ip4(10, 1, 0, 4), 30);
    v4(c, ip4(10, 1, 0, 8), 29);
    v4(d, ip4(10, 1, 0, 16), 29);
    return t;
  }

  it('looks up the longest prefix', () => {
    const t = populated();
    const cases: [string, IpVersion, Uint8Array][] = [
      [a, 4, ip4(192, 168, 4, 20)],
      [a, 4, ip4(192, 168, 4, 0)],
      [b, 4, ip4(192, 168, 4, 4)],
      [c, 4, ip4(192, 168, 200, 182)],
      [c, 4, ip4(192, 95, 5, 68)],
      [e, 4, ip4(192, 95, 5, 96)],
      [d, 6, ip6(0x26075300, 0x60006b00, 0, 0xc05f0543)],
      [c, 6, ip6(0x26075300, 0x60006b00, 0, 0xc02e01ee)],
      [f, 6, ip6(0x26075300, 0x60006b01, 0, 0)],
      [g, 6, ip6(0x24046800, 0x40040806, 0, 0x1006)],
      [g, 6, ip6(0x24046800, 0x40040806, 0x1234, 0x5678)],
      [f, 6, ip6(0x240467ff, 0x40040806, 0x1234, 0x5678)],
      [f, 6, ip6(0x24046801, 0x40040806, 0x1234, 0x5678)],
      [h, 6, ip6(0x24046800, 0x40040800, 0x1234, 0x5678)],
      [h, 6, ip6(0x24046800, 0x40040800, 0, 0)],
      [h, 6, ip6(0x24046800, 0x40040800, 0x10101010, 0x10101010)],
      [a, 6, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef)],
      [g, 4, ip4(64, 15, 116, 26)],
      [g, 4, ip4(64, 15, 127, 3)],
      [g, 4, ip4(64, 15, 123, 1)],
      [h, 4, ip4(64, 15, 123, 128)],
      [h, 4, ip4(64, 15, 123, 129)],
      [a, 4, ip4(10, 0, 0, 52)],
      [b, 4, ip4(10, 0, 0, 220)],
      [a, 4, ip4(10, 1, 0, 2)],
      [b, 4, ip4(10, 1, 0, 6)],
      [c, 4, ip4(10, 1, 0, 10)],
      [d, 4, ip4(10, 1, 0, 20)],
    ];
    cases.forEach(([want, family, ip], i) => expect(t.lookup(family, ip, 0), `test ${i + 1}`).toBe(want));
  });

  it('removes every /32 of a peer', () => {
    const t = populated();
    const hosts = [ip4(1, 0, 0, 0), ip4(64, 0, 0, 0), ip4(128, 0, 0, 0), ip4(192, 0, 0, 0), ip4(255, 0, 0, 0)];
    for (const ip of hosts) t.insert(4, ip, 0, 32, a);
    t.removeValue(a);
    for (const ip of hosts) expect(t.lookup(4, ip, 0)).not.toBe(a);
  });

  it('removes nested prefixes of a peer', () => {
    const t = new AllowedIps<string>();
    t.insert(4, ip4(192, 168, 0, 0), 0, 16, a);
    t.insert(4, ip4(192, 168, 0, 0), 0, 24, a);
    t.removeValue(a);
    expect(t.lookup(4, ip4(192, 168, 0, 1), 0)).toBeUndefined();
    expect(t.isEmpty).toBe(true);
  });

  it('builds and frees a 128-deep chain of /128s', () => {
    const t = new AllowedIps<string>();
    for (let i = 0; i < 128; i++) {
      const ip = new Uint8Array(16).fill(0xff);
      const part = ~(1n << BigInt(i % 64)) & 0xffff_ffff_ffff_ffffn;
      new DataView(ip.buffer).setBigUint64(i < 64 ? 8 : 0, part, false);
      t.insert(6, ip, 0, 128, a);
    }
    expect(t.size).toBe(128);
    t.removeValue(a);
    expect(t.isEmpty).toBe(true);
  });

  it('lists a peer’s prefixes, masked', () => {
    const t = new AllowedIps<string>();
    t.insert(4, ip4(192, 95, 5, 93), 0, 27, a);
    t.insert(6, ip6(0x26075300, 0x60006b00, 0, 0xc05f0543), 0, 128, a);
    t.insert(4, ip4(10, 1, 0, 20), 0, 29, a);
    t.insert(6, ip6(0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523), 0, 83, a);
    t.insert(6, ip6(0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523), 0, 21, a);
    expect(listed(t, a)).toEqual([
      '10.1.0.16/29',
      '192.95.5.64/27',
      '2607:5000:0:0:0:0:0:0/21',
      '2607:5300:6000:6b00:0:0:c05f:543/128',
      '2607:5300:6d8a:6bf8:dab1:e000:0:0/83',
    ]);
  });
});

describe('AllowedIps', () => {
  it('matches everything with /0 and nothing of the other family', () => {
    const t = new AllowedIps<string>();
    add(t, '0.0.0.0/0', 'v4');
    expect(find(t, '1.2.3.4')).toBe('v4');
    expect(find(t, '255.255.255.255')).toBe('v4');
    expect(find(t, '::1')).toBeUndefined();
    add(t, '::/0', 'v6');
    expect(find(t, 'ffff::1')).toBe('v6');
  });

  it('matches a /32 and a /128 exactly', () => {
    const t = new AllowedIps<string>();
    add(t, '10.0.0.1/32', 'host');
    add(t, 'fd00::1/128', 'host6');
    expect(find(t, '10.0.0.1')).toBe('host');
    expect(find(t, '10.0.0.0')).toBeUndefined();
    expect(find(t, '10.0.0.3')).toBeUndefined();
    expect(find(t, 'fd00::1')).toBe('host6');
    expect(find(t, 'fd00::3')).toBeUndefined();
    expect(find(t, 'fd00::')).toBeUndefined();
  });

  it('tells apart neighbouring hosts under a shorter prefix', () => {
    const t = new AllowedIps<string>();
    add(t, '10.0.0.0/32', 'zero');
    add(t, '10.0.0.1/32', 'one');
    expect(find(t, '10.0.0.0')).toBe('zero');
    expect(find(t, '10.0.0.1')).toBe('one');
    add(t, '10.0.0.0/31', 'pair');
    expect(find(t, '10.0.0.1')).toBe('one');
    add(t, 'fd00::/127', 'pair6');
    add(t, 'fd00::1/128', 'one6');
    expect(find(t, 'fd00::1')).toBe('one6');
    expect(find(t, 'fd00::')).toBe('pair6');
  });

  it('moves a prefix to its newest owner', () => {
    const t = new AllowedIps<string>();
    add(t, '10.0.0.0/8', 'a');
    add(t, '10.0.0.0/8', 'b');
    expect(find(t, '10.9.9.9')).toBe('b');
    expect(listed(t, 'a')).toEqual([]);
    expect(listed(t, 'b')).toEqual(['10.0.0.0/8']);
    expect(t.size).toBe(1);
  });

  it('removes one prefix, only for its owner when one is named', () => {
    const t = new AllowedIps<string>();
    add(t, '10.0.0.0/8', 'a');
    add(t, '10.1.0.0/16', 'b');
    const p = parseCidr('10.1.0.0/16');
    expect(t.remove(4, p.bytes, 0, 16, 'a')).toBe(false);
    expect(find(t, '10.1.2.3')).toBe('b');
    expect(t.remove(4, p.bytes, 0, 16, 'b')).toBe(true);
    expect(find(t, '10.1.2.3')).toBe('a');
    expect(t.remove(4, p.bytes, 0, 16)).toBe(false);
    expect(t.remove(4, parseCidr('10.0.0.0/8').bytes, 0, 8)).toBe(true);
    expect(t.isEmpty).toBe(true);
  });

  it('does not remove a branching node that holds no prefix', () => {
    const t = new AllowedIps<string>();
    add(t, '10.0.0.0/24', 'a');
    add(t, '10.0.1.0/24', 'b');
    // their branch point is 10.0.0.0/23, which nobody holds
    expect(t.remove(4, parseIp('10.0.0.0').bytes, 0, 23)).toBe(false);
    expect(find(t, '10.0.1.1')).toBe('b');
  });

  it('reads the address at an offset inside a packet', () => {
    const t = new AllowedIps<string>();
    add(t, '192.168.1.0/24', 'lan');
    const packet = new Uint8Array(40);
    packet.set([192, 168, 1, 77], 16);
    expect(t.lookup(4, packet, 16)).toBe('lan');
    const insertAt = new Uint8Array(8);
    insertAt.set([172, 16, 0, 0], 3);
    t.insert(4, insertAt, 3, 12, 'corp');
    expect(find(t, '172.31.255.255')).toBe('corp');
  });

  it('rejects invalid prefixes', () => {
    const t = new AllowedIps<string>();
    expect(() => t.insert(4, ip4(1, 2, 3, 4), 0, 33, 'x')).toThrow(RangeError);
    expect(() => t.insert(6, new Uint8Array(16), 0, 129, 'x')).toThrow(RangeError);
    expect(() => t.insert(4, ip4(1, 2, 3, 4), 0, -1, 'x')).toThrow(RangeError);
    expect(() => t.insert(4, ip4(1, 2, 3, 4), 0, 1.5, 'x')).toThrow(RangeError);
    expect(() => t.insert(6, new Uint8Array(15), 0, 64, 'x')).toThrow(RangeError);
    expect(() => t.insert(5 as IpVersion, ip4(1, 2, 3, 4), 0, 8, 'x')).toThrow(RangeError);
  });

  it('orders listed prefixes canonically: IPv4 first, by address, then length', () => {
    const t = new AllowedIps<string>();
    for (const p of ['fd00::/8', '10.0.0.0/16', '10.0.0.0/8', '2001:db8::/32', '9.0.0.0/8', '10.0.0.0/24'])
      add(t, p, 'a');
    expect(listed(t, 'a')).toEqual([
      '9.0.0.0/8',
      '10.0.0.0/8',
      '10.0.0.0/16',
      '10.0.0.0/24',
      '2001:db8:0:0:0:0:0:0/32',
      'fd00:0:0:0:0:0:0:0/8',
    ]);
  });

  it('clears', () => {
    const t = new AllowedIps<string>();
    add(t, '10.0.0.0/8', 'a');
    t.clear();
    expect(find(t, '10.0.0.1')).toBeUndefined();
    expect(t.size).toBe(0);
    expect(listed(t, 'a')).toEqual([]);
  });
});

/* ---- Against a brute-force model ---- */

interface Entry {
  family: IpVersion;
  bytes: Uint8Array;
  cidr: number;
  value: number;
}

function masked(bytes: Uint8Array, cidr: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, cidr - i * 8));
    out[i]! &= (0xff00 >> keep) & 0xff;
  }
  return out;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

class Model {
  entries: Entry[] = [];
  insert(family: IpVersion, bytes: Uint8Array, cidr: number, value: number): void {
    const key = masked(bytes, cidr);
    const old = this.entries.find((e) => e.family === family && e.cidr === cidr && sameBytes(e.bytes, key));
    if (old) old.value = value;
    else this.entries.push({ family, bytes: key, cidr, value });
  }
  remove(family: IpVersion, bytes: Uint8Array, cidr: number, owner?: number): boolean {
    const key = masked(bytes, cidr);
    const i = this.entries.findIndex(
      (e) =>
        e.family === family && e.cidr === cidr && sameBytes(e.bytes, key) && (owner === undefined || e.value === owner),
    );
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }
  removeValue(value: number): void {
    this.entries = this.entries.filter((e) => e.value !== value);
  }
  lookup(family: IpVersion, ip: Uint8Array): number | undefined {
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.family !== family || !sameBytes(masked(ip, e.cidr), e.bytes)) continue;
      if (best === undefined || e.cidr > best.cidr) best = e;
    }
    return best?.value;
  }
}

type Op =
  | { kind: 'insert'; family: IpVersion; bytes: Uint8Array; cidr: number; value: number }
  | { kind: 'remove'; family: IpVersion; bytes: Uint8Array; cidr: number; owner?: number }
  | { kind: 'removeValue'; value: number };

describe('AllowedIps against a brute-force model', () => {
  // A few random bases, perturbed below a random depth, give nested and overlapping prefixes.
  const bases4 = fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 3 });
  const bases6 = fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 3 });
  const perturbed = (bases: Uint8Array[]): fc.Arbitrary<Uint8Array> =>
    fc
      .tuple(
        fc.nat(bases.length - 1),
        fc.oneof(
          fc.nat(bases[0]!.length * 8),
          fc.integer({ min: bases[0]!.length * 8 - 4, max: bases[0]!.length * 8 }),
        ),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
      )
      .map(([i, keep, noise]) => {
        const base = bases[i]!;
        const out = base.slice();
        for (let bit = keep; bit < out.length * 8; bit++) {
          const byte = bit >>> 3;
          const m = 0x80 >>> (bit & 7);
          out[byte] = (out[byte]! & ~m) | (noise[byte]! & m);
        }
        return out;
      });

  const scenario = fc.tuple(bases4, bases6).chain(([b4, b6]) => {
    const address = (family: IpVersion): fc.Arbitrary<Uint8Array> => (family === 4 ? perturbed(b4) : perturbed(b6));
    const family = fc.constantFrom<IpVersion>(4, 6);
    const cidrFor = (f: IpVersion): fc.Arbitrary<number> =>
      fc.oneof(
        fc.constantFrom(0, f === 4 ? 32 : 128),
        fc.integer({ min: f === 4 ? 28 : 124, max: f === 4 ? 32 : 128 }),
        fc.nat(f === 4 ? 32 : 128),
      );
    const insert = family.chain((f) =>
      fc.record({
        kind: fc.constant('insert' as const),
        family: fc.constant(f),
        bytes: address(f),
        cidr: cidrFor(f),
        value: fc.nat(5),
      }),
    );
    const remove = family.chain((f) =>
      fc.record({
        kind: fc.constant('remove' as const),
        family: fc.constant(f),
        bytes: address(f),
        cidr: cidrFor(f),
        owner: fc.option(fc.nat(5), { nil: undefined }),
      }),
    );
    const removeValue = fc.record({ kind: fc.constant('removeValue' as const), value: fc.nat(5) });
    const ops = fc.array(
      fc.oneof(
        { weight: 6, arbitrary: insert },
        { weight: 2, arbitrary: remove },
        { weight: 1, arbitrary: removeValue },
      ),
      { maxLength: 60, size: 'max' },
    );
    const probes = fc.array(
      family.chain((f) =>
        fc.tuple(
          fc.constant(f),
          fc.oneof(address(f), fc.uint8Array({ minLength: f === 4 ? 4 : 16, maxLength: f === 4 ? 4 : 16 })),
        ),
      ),
      { maxLength: 40, size: 'max' },
    );
    return fc.tuple(fc.constant({ b4, b6 }), ops, probes);
  });

  it('agrees on lookups, removals and listings', () => {
    fc.assert(
      fc.property(scenario, ([, ops, probes]) => {
        const t = new AllowedIps<number>();
        const model = new Model();
        for (const op of ops as Op[]) {
          if (op.kind === 'insert') {
            t.insert(op.family, op.bytes, 0, op.cidr, op.value);
            model.insert(op.family, op.bytes, op.cidr, op.value);
          } else if (op.kind === 'remove') {
            expect(t.remove(op.family, op.bytes, 0, op.cidr, op.owner)).toBe(
              model.remove(op.family, op.bytes, op.cidr, op.owner),
            );
          } else {
            t.removeValue(op.value);
            model.removeValue(op.value);
          }
          for (const [family, ip] of probes) expect(t.lookup(family, ip, 0)).toBe(model.lookup(family, ip));
        }
        for (const e of model.entries) {
          expect(t.lookup(e.family, e.bytes, 0)).toBe(model.lookup(e.family, e.bytes));
        }
        expect(t.size).toBe(model.entries.length);
        for (let v = 0; v <= 5; v++) {
          const mine = t.prefixesOf(v).map((p) => `${p.family} ${formatIp(p.address)}/${p.cidr}`);
          const theirs = model.entries
            .filter((e) => e.value === v)
            .sort((x, y) => x.family - y.family || compareBytes(x.bytes, y.bytes) || x.cidr - y.cidr)
            .map((e) => `${e.family} ${formatIp(e.bytes)}/${e.cidr}`);
          expect(mine).toEqual(theirs);
        }
        for (let v = 0; v <= 5; v++) t.removeValue(v);
        expect(t.isEmpty).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

function compareBytes(x: Uint8Array, y: Uint8Array): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** A scaled-down port of the kernel's randomized_test: mutated routes, many peers, removal peer by peer. */
describe('kernel randomized test, scaled down', () => {
  it('agrees with the model while peers are removed one by one', () => {
    let state = 0x9e3779b9;
    const rand = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rand(256));
    const PEERS = 50;
    const t = new AllowedIps<number>();
    const model = new Model();
    for (const [family, size] of [
      [4, 4],
      [6, 16],
    ] as const) {
      for (let i = 0; i < 20; i++) {
        const ip = bytes(size);
        const cidr = rand(size * 8) + 1;
        const peer = rand(PEERS);
        t.insert(family, ip, 0, cidr, peer);
        model.insert(family, ip, cidr, peer);
        for (let j = 0; j < 20; j++) {
          const keep = rand(size * 8);
          const mutated = ip.slice();
          for (let bit = keep; bit < size * 8; bit++) {
            if (rand(2) === 1) mutated[bit >>> 3]! ^= 0x80 >>> (bit & 7);
          }
          const c2 = rand(size * 8) + 1;
          const p2 = rand(PEERS);
          t.insert(family, mutated, 0, c2, p2);
          model.insert(family, mutated, c2, p2);
        }
      }
    }
    const probes = Array.from({ length: 300 }, (_, i) =>
      i % 2 === 0 ? ([4, bytes(4)] as const) : ([6, bytes(16)] as const),
    );
    const entryProbes = model.entries.map((e) => [e.family, e.bytes] as const);
    for (let peer = 0; peer <= PEERS; peer++) {
      for (const [family, ip] of [...probes, ...entryProbes])
        expect(t.lookup(family, ip, 0)).toBe(model.lookup(family, ip));
      if (peer === PEERS) break;
      t.removeValue(peer);
      model.removeValue(peer);
    }
    expect(t.isEmpty).toBe(true);
  });
});
