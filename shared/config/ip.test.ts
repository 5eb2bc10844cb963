import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  formatIpAddress,
  maskAddress,
  parseIpAddress,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  prefixContains,
  prefixesOverlap,
} from './ip.js';
import type { IpPrefix } from './model.js';

function errorOf(result: { ok: boolean; error?: string }): string {
  expect(result.ok).toBe(false);
  return result.error ?? '';
}

describe('IPv4', () => {
  it('reads dotted quads', () => {
    expect(parseIpv4('0.0.0.0')).toEqual({ ok: true, value: 0n });
    expect(parseIpv4('255.255.255.255')).toEqual({ ok: true, value: 0xffffffffn });
    expect(parseIpv4('10.1.2.3')).toEqual({ ok: true, value: 0x0a010203n });
  });

  it('refuses leading zeros as inet_pton does', () => {
    expect(errorOf(parseIpv4('10.01.2.3'))).toMatch(/leading zero in `01`.*write `1`/);
    expect(errorOf(parseIpv4('010.1.2.3'))).toMatch(/leading zero/);
    expect(errorOf(parseIpv4('10.1.2.00'))).toMatch(/leading zero/);
  });

  it.each(['1.2.3', '1.2.3.4.5', '1.2.3.256', '1.2..3', '1.2.3.', 'a.b.c.d', '1.2.3.4 ', '+1.2.3.4', '1.2.3.1234', ''])(
    'refuses %j',
    (text) => {
      expect(parseIpv4(text).ok).toBe(false);
    },
  );
});

describe('IPv6', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
    ['fe80::0:0:1', 'fe80::1'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::ffff:0102:0304', '::ffff:1.2.3.4'], // IPv4-mapped in mixed notation, RFC 5952 section 5
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['::1.2.3.4', '::102:304'],
  ])('reads %s as %s', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  it.each([
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    ':1::',
    '1:::2',
    '12345::',
    '1:2:3:4:5:6:7::8', // `::` must stand for at least one group
    '::1.2.3.04',
    '::1.2.3',
    '1.2.3.4::',
    '::1.2.3.4:1',
    'g::1',
    ':',
    ':::',
    '1:2:3:4:5:6:7:8:',
    '[::1]',
    'a'.repeat(100) + '::',
  ])('refuses %s', (text) => {
    expect(parseIpv6(text).ok).toBe(false);
  });

  it('refuses zone ids with a reason', () => {
    expect(errorOf(parseIpv6('fe80::1%eth0'))).toMatch(/zone id/);
    expect(errorOf(parseIpAddress('fe80::1%1'))).toMatch(/zone id/);
  });

  it('prints what WHATWG URL prints for every address that is not IPv4-mapped', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        fc.array(fc.nat(7), { maxLength: 6 }),
        (value, zeroed) => {
          // Zero some groups so that runs of zeros, the interesting case, are common.
          for (const g of zeroed) value &= ~(0xffffn << BigInt(16 * g));
          fc.pre(value >> 32n !== 0xffffn);
          const text = formatIpAddress({ family: 6, value });
          expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
          expect(parseIpv6(text)).toEqual({ ok: true, value });
        },
      ),
    );
  });

  it('round-trips IPv4 through text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffn }), (value) => {
        expect(parseIpv4(formatIpAddress({ family: 4, value }))).toEqual({ ok: true, value });
      }),
    );
  });
});

describe('prefixes', () => {
  it('defaults to a single host', () => {
    const v4 = parsePrefix('10.0.0.1');
    const v6 = parsePrefix('fd00::1');
    expect(v4.ok && v4.value.prefix).toBe(32);
    expect(v6.ok && v6.value.prefix).toBe(128);
  });

  it('reports host bits', () => {
    const set = parsePrefix('10.0.0.1/24');
    const clear = parsePrefix('10.0.0.0/24');
    expect(set.ok && set.value.hostBitsSet).toBe(true);
    expect(clear.ok && clear.value.hostBitsSet).toBe(false);
    const zero = parsePrefix('0.0.0.0/0');
    expect(zero.ok && zero.value.hostBitsSet).toBe(false);
  });

  it('accepts leading zeros in the length as strtoul does', () => {
    const p = parsePrefix('10.0.0.0/008');
    expect(p.ok && p.value.prefix).toBe(8);
  });

  it.each([
    ['10.0.0.0/33', /at most \/32/],
    ['fd00::/129', /at most \/128/],
    ['10.0.0.0/' + '9'.repeat(400), /at most \/32/],
    ['10.0.0.0/x', /not a number/],
    ['10.0.0.0/', /not a number/],
    ['10.0.0.0/-1', /not a number/],
    ['10.0.0.0/8/8', /not a number/],
    ['10.0.0.256/8', /greater than 255/],
  ])('refuses %s', (text, message) => {
    expect(errorOf(parsePrefix(text))).toMatch(message);
  });

  it('masks', () => {
    const a = parseIpAddress('2001:db8::ffff');
    if (!a.ok) throw new Error('setup');
    expect(formatIpAddress(maskAddress(a.value, 112))).toBe('2001:db8::');
    expect(formatIpAddress(maskAddress(a.value, 128))).toBe('2001:db8::ffff');
    expect(formatIpAddress(maskAddress(a.value, 0))).toBe('::');
  });

  const p = (text: string): IpPrefix => {
    const [address, prefix] = text.split('/') as [string, string];
    return { family: address.includes(':') ? 6 : 4, address, prefix: Number(prefix) };
  };

  it('tells containment and overlap', () => {
    expect(prefixContains(p('10.0.0.0/8'), p('10.1.0.0/16'))).toBe(true);
    expect(prefixContains(p('10.1.0.0/16'), p('10.0.0.0/8'))).toBe(false);
    expect(prefixContains(p('10.0.0.0/8'), p('10.0.0.0/8'))).toBe(true);
    expect(prefixContains(p('0.0.0.0/0'), p('::/0'))).toBe(false);
    expect(prefixesOverlap(p('10.1.0.0/16'), p('10.0.0.0/8'))).toBe(true);
    expect(prefixesOverlap(p('10.0.0.0/9'), p('10.128.0.0/9'))).toBe(false);
    expect(prefixesOverlap(p('fd00::/8'), p('fd12:3456::/32'))).toBe(true);
  });
});
