import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EXCLUDED_PRIVATE_IPV4,
  excludePrivateIps,
  excludePrivateIpsFromConfig,
  excludesPrivateIps,
  formatAllowedIps,
  publicIpv4Networks,
  subtractPrefixes,
} from './exclude-private-ips.js';
import { formatIpAddress, fromIpPrefix, parsePrefix, toIpPrefix } from './ip.js';
import type { IpPrefix, TunnelConfig } from './model.js';

function p(text: string): IpPrefix {
  const parsed = parsePrefix(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return toIpPrefix(parsed.value.address, parsed.value.prefix);
}

const list = (text: string) => text.split(', ').map(p);

/** Whether a prefix routes an address: the oracle the property compares against, by plain masking. */
function routes(prefixes: readonly IpPrefix[], family: 4 | 6, value: bigint): boolean {
  const bits = family === 4 ? 32 : 128;
  return prefixes.some((q) => {
    if (q.family !== family) return false;
    const shift = BigInt(bits - q.prefix);
    return fromIpPrefix(q).value >> shift === value >> shift;
  });
}

// What the WireGuard apps for Android and Windows write for "Exclude private IPs": the known answer the
// computation must meet (the code derives it, this only checks it).
const WELL_KNOWN =
  '0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/3, 160.0.0.0/5, ' +
  '168.0.0.0/6, 172.0.0.0/12, 172.32.0.0/11, 172.64.0.0/10, 172.128.0.0/9, 173.0.0.0/8, 174.0.0.0/7, 176.0.0.0/4, ' +
  '192.0.0.0/9, 192.128.0.0/11, 192.160.0.0/13, 192.169.0.0/16, 192.170.0.0/15, 192.172.0.0/14, 192.176.0.0/12, ' +
  '192.192.0.0/10, 193.0.0.0/8, 194.0.0.0/7, 196.0.0.0/6, 200.0.0.0/5, 208.0.0.0/4';

describe('subtractPrefixes', () => {
  it('splits into the fewest prefixes, in address order', () => {
    expect(subtractPrefixes(p('10.0.0.0/8'), [p('10.0.0.0/9')]).map((q) => `${q.address}/${q.prefix}`)).toEqual([
      '10.128.0.0/9',
    ]);
    // A /8 without one address: one prefix for each of the 24 bits below the /8.
    const pieces = subtractPrefixes(p('10.0.0.0/8'), [p('10.1.2.3/32')]);
    expect(pieces).toHaveLength(24);
    expect(formatAllowedIps(pieces.slice(0, 5))).toBe(
      '10.0.0.0/16, 10.1.0.0/23, 10.1.2.0/31, 10.1.2.2/32, 10.1.2.4/30',
    );
    expect(formatAllowedIps(pieces.slice(-1))).toBe('10.128.0.0/9');
    expect(subtractPrefixes(p('10.1.0.0/16'), [p('10.0.0.0/8')])).toEqual([]);
    expect(subtractPrefixes(p('10.1.0.0/16'), [p('11.0.0.0/8'), p('fd00::/8')])).toEqual([p('10.1.0.0/16')]);
    expect(formatAllowedIps(subtractPrefixes(p('::/0'), [p('8000::/1'), p('::/2')]))).toBe('4000::/2');
  });
});

describe('excludePrivateIps', () => {
  it('turns 0.0.0.0/0 into the well-known list, computed', () => {
    expect(formatAllowedIps(publicIpv4Networks())).toBe(WELL_KNOWN);
    expect(formatAllowedIps(excludePrivateIps([p('0.0.0.0/0')]))).toBe(WELL_KNOWN);
    expect(EXCLUDED_PRIVATE_IPV4.map((q) => `${q.address}/${q.prefix}`)).toEqual([
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '224.0.0.0/3',
    ]);
  });

  it('replaces the default route in place and leaves IPv6 and every other entry as written', () => {
    const result = excludePrivateIps(list('10.8.0.0/24, 0.0.0.0/0, ::/0, 8.0.0.0/7, 0.0.0.0/0, ::/0'));
    expect(formatAllowedIps(result)).toBe(
      `10.8.0.0/24, ${WELL_KNOWN.replace('8.0.0.0/7, ', '')}, ::/0, 8.0.0.0/7, ::/0`,
    );
    expect(excludePrivateIps(list('10.0.0.0/8, 192.0.2.0/24, ::/0'))).toEqual(list('10.0.0.0/8, 192.0.2.0/24, ::/0'));
  });

  it("routes the tunnel's private IPv4 resolvers into the tunnel again, unless something else does", () => {
    const dnsServers = ['10.64.0.1', '1.1.1.1', 'fd00::53', '10.8.0.1', '192.168.1.1'];
    expect(formatAllowedIps(excludePrivateIps(list('0.0.0.0/0, 10.8.0.0/24'), { dnsServers }))).toBe(
      `${WELL_KNOWN}, 10.8.0.0/24, 10.64.0.1/32, 192.168.1.1/32`,
    );
    // Nothing to exclude from, nothing added.
    expect(excludePrivateIps(list('192.0.2.0/24'), { dnsServers })).toEqual(list('192.0.2.0/24'));
  });

  it('property: an address is routed by the result exactly when the input routes it and it is not private, unless another entry or a resolver keeps it', () => {
    const bit32 = fc.bigInt({ min: 0n, max: 0xffffffffn });
    // Addresses near the edges of the private ranges are where mistakes would be.
    const edges = EXCLUDED_PRIVATE_IPV4.flatMap((q) => {
      const first = fromIpPrefix(q).value;
      const last = first + (1n << BigInt(32 - q.prefix)) - 1n;
      return [first - 1n, first, last, last + 1n].filter((v) => v >= 0n && v <= 0xffffffffn);
    });
    const v4 = fc.oneof(
      bit32,
      fc.constantFrom(...edges),
      fc
        .constantFrom(...EXCLUDED_PRIVATE_IPV4)
        .chain((q) =>
          fc
            .bigInt({ min: 0n, max: (1n << BigInt(32 - q.prefix)) - 1n })
            .map((offset) => fromIpPrefix(q).value + offset),
        ),
    );
    const v4Prefix = fc
      .tuple(v4, fc.integer({ min: 0, max: 32 }))
      .map(([value, length]) => toIpPrefix({ family: 4, value }, length));
    const v6Prefix = fc
      .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }))
      .map(([value, length]) => toIpPrefix({ family: 6, value }, length));
    const entry = fc.oneof(fc.constant(p('0.0.0.0/0')), fc.constant(p('::/0')), v4Prefix, v4Prefix, v6Prefix);
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 6 }),
        fc.array(v4, { maxLength: 3 }),
        fc.array(v4, { minLength: 20, maxLength: 20 }),
        (input, dns, probes) => {
          const dnsServers = [...dns.map((value) => formatIpAddress({ family: 4, value })), 'fd00::53'];
          const result = excludePrivateIps(input, { dnsServers });
          const others = input.filter((q) => !(q.family === 4 && q.prefix === 0));
          for (const a of [...probes, ...dns, ...edges]) {
            const isPrivate = routes(EXCLUDED_PRIVATE_IPV4, 4, a);
            const expected = routes(input, 4, a) && (!isPrivate || routes(others, 4, a) || dns.includes(a));
            if (routes(result, 4, a) !== expected) return false;
          }
          // IPv6 exactly as it was, in order.
          return (
            formatAllowedIps(result.filter((q) => q.family === 6)) ===
            formatAllowedIps(input.filter((q) => q.family === 6))
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('excludesPrivateIps', () => {
  it('recognises the list another app wrote, and only that', () => {
    expect(excludesPrivateIps(excludePrivateIps(list('0.0.0.0/0, ::/0'), { dnsServers: ['10.64.0.1'] }))).toBe(true);
    expect(excludesPrivateIps(list(WELL_KNOWN))).toBe(true);
    expect(excludesPrivateIps(list(`${WELL_KNOWN}, 0.0.0.0/0`))).toBe(false);
    expect(excludesPrivateIps(list(WELL_KNOWN).slice(1))).toBe(false);
    expect(excludesPrivateIps(list('0.0.0.0/0'))).toBe(false);
  });
});

describe('excludePrivateIpsFromConfig', () => {
  it('applies to every peer with the [Interface] DNS servers', () => {
    const config = {
      interface: { dns: ['10.64.0.1'] },
      peers: [{ allowedIps: list('0.0.0.0/0, ::/0') }, { allowedIps: list('10.9.0.0/16') }],
    } as unknown as TunnelConfig;
    const result = excludePrivateIpsFromConfig(config);
    expect(formatAllowedIps(result.peers[0]!.allowedIps)).toBe(`${WELL_KNOWN}, ::/0, 10.64.0.1/32`);
    expect(formatAllowedIps(result.peers[1]!.allowedIps)).toBe('10.9.0.0/16');
    expect(formatAllowedIps(config.peers[0]!.allowedIps)).toBe('0.0.0.0/0, ::/0'); // not changed in place
  });
});
