import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatIpAddress } from './ip.js';
import { ipv4FormError, readIpv4, type Ipv4Reader } from './ipv4-readings.js';

const read = (text: string, reader: Ipv4Reader): string | null => {
  const value = readIpv4(text, reader);
  return value === null ? null : formatIpAddress({ family: 4, value: BigInt(value) });
};

// Forms some reader takes, with what inet_aton and ip(8) make of them (null: refused).
const FORMS: [string, string | null, string | null][] = [
  ['010.0.0.1', '8.0.0.1', '8.0.0.1'],
  ['1.2.3.0377', '1.2.3.255', '1.2.3.255'],
  ['0x0a.0.0.1', '10.0.0.1', '10.0.0.1'],
  ['10.1', '10.0.0.1', '10.1.0.0'],
  ['10.9.2', '10.9.0.2', '10.9.2.0'],
  ['167772161', '10.0.0.1', null],
  ['10', '0.0.0.10', '10.0.0.0'],
  ['1.0xffffff', '1.255.255.255', null],
  ['0xffffffff', '255.255.255.255', null],
  ['10.0.0.08', null, null],
  ['10.256.0.1', null, null],
  ['1.2.3.4.5', null, null],
  ['1.2..3', null, null],
];

describe('readIpv4', () => {
  it.each(FORMS)('reads %s as inet_aton (%s) and ip(8) (%s) do', (text, atonReading, ipReading) => {
    expect(read(text, 'inet_aton')).toBe(atonReading);
    expect(read(text, 'ip')).toBe(ipReading);
    expect(read(text, 'inet_pton')).toBeNull();
  });

  it("agrees with glibc's getaddrinfo, which wg and the resolver use, on every form it takes", () => {
    for (const [text, atonReading] of FORMS) {
      // Only the forms it takes: getent would look a refused one up as a host name.
      if (atonReading === null) continue;
      const out = execFileSync('getent', ['ahostsv4', text], { encoding: 'utf8', timeout: 5000 });
      expect(out.split(/\s+/)[0], text).toBe(atonReading);
    }
  });
});

describe('ipv4FormError', () => {
  it('says what is odd, what the reader makes of it and what to write', () => {
    expect(ipv4FormError('010.0.0.1', 'inet_aton', 'wg')).toBe(
      '`010.0.0.1` has a leading zero in `010`: wg reads it as 8.0.0.1; write `10.0.0.1`, or `8.0.0.1` if that is what you mean',
    );
    // Octal 02 is 2: one reading, one advice.
    expect(ipv4FormError('10.0.0.02', 'ip', 'ip(8)')).toBe(
      '`10.0.0.02` has a leading zero in `02`: ip(8) reads it as 10.0.0.2; write `10.0.0.2`',
    );
    expect(ipv4FormError('010.0x1.02', 'ip', 'ip(8)')).toBe(
      '`010.0x1.02` has leading zeros in `010` and `02`, the hex number `0x1` and only 3 of 4 numbers: ip(8) ' +
        'reads it as 8.1.2.0; write `8.1.2.0`',
    );
    expect(ipv4FormError('10.020.0.0', 'inet_pton', 'wg')).toBe(
      '`10.020.0.0` has a leading zero in `020`; wg rejects it, write `10.20.0.0`',
    );
  });

  it('leaves plain quads, names, garbage and what inet_aton refuses to the ordinary messages', () => {
    for (const text of [
      '10.0.0.1',
      '10.0.0.256',
      'vpn.example.com',
      'deadbeef.cafe',
      '1.2.3.4.5',
      '0x.1.2.3',
      '',
      '::1',
    ]) {
      expect(ipv4FormError(text, 'ip', 'ip(8)'), text).toBeNull();
    }
    // getaddrinfo then looks it up as a name; the resolver skips it.
    expect(ipv4FormError('10.0.0.08', 'inet_aton', 'wg')).toBeNull();
    expect(ipv4FormError('10.0.0.08', 'ip', 'ip(8)')).toBe(
      '`10.0.0.08` has a leading zero in `08`; ip(8) rejects it, write `10.0.0.8`',
    );
  });
});
