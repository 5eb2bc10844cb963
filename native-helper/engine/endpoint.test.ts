// The 40-byte endpoint record: the layout the addon (addon/src/endpoint.c, udp-recv.c, udp-send.c) reads and
// writes for every datagram, so these bytes are a contract with C, not a detail.
import { describe, expect, it } from 'vitest';
import {
  ENDPOINT_SIZE,
  clearEndpointLocal,
  copyEndpoint,
  endpointEquals,
  endpointFamily,
  endpointPort,
  endpointRemoteEquals,
  formatEndpoint,
  formatEndpointLocal,
  parseEndpoint,
  writeEndpointLocal,
} from './endpoint.js';

describe('endpoint records', () => {
  it('lay IPv4 out as the addon does: family, 0, port big-endian, scope id, address, zeros, no local address', () => {
    const record = parseEndpoint('192.0.2.7:51820')!;
    expect(ENDPOINT_SIZE).toBe(40);
    expect([...record]).toEqual([4, 0, 0xca, 0x6c, 0, 0, 0, 0, 192, 0, 2, 7, ...new Array<number>(28).fill(0)]);
    expect(formatEndpointLocal(record)).toBeNull();
    expect(endpointFamily(record)).toBe(4);
    expect(endpointPort(record)).toBe(51820);
    expect(formatEndpoint(record)).toBe('192.0.2.7:51820');
  });

  it('lay IPv6 out with its 16 bytes, and format it the RFC 5952 way, as wg(8) prints endpoints', () => {
    const record = parseEndpoint('[2001:DB8:0:0:1:0:0:1]:9')!;
    expect([...record.subarray(0, 8)]).toEqual([6, 0, 0, 9, 0, 0, 0, 0]);
    expect([...record.subarray(8, 24)]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect(formatEndpoint(record)).toBe('[2001:db8::1:0:0:1]:9');
    expect(formatEndpoint(parseEndpoint('[::ffff:192.0.2.1]:9')!)).toBe('[::ffff:192.0.2.1]:9');
  });

  it('refuse what is not a numeric address and port (names are resolved before the engine)', () => {
    for (const text of [
      '192.0.2.1',
      '192.0.2.256:1',
      '[::1]',
      '::1:80',
      'example.com:80',
      '[1::2::3]:1',
      '1.2.3.4:65536',
    ]) {
      expect(parseEndpoint(text), text).toBeNull();
    }
    expect(formatEndpoint(new Uint8Array(ENDPOINT_SIZE))).toBeNull();
  });

  it('compare and copy in place, at any offset, equal endpoints being equal bytes', () => {
    const batch = new Uint8Array(3 * ENDPOINT_SIZE);
    batch.set(parseEndpoint('192.0.2.1:443')!, 0);
    copyEndpoint(batch, ENDPOINT_SIZE, parseEndpoint('[2001:db8::2]:443')!, 0);
    expect(endpointEquals(batch, ENDPOINT_SIZE, parseEndpoint('[2001:db8::2]:443')!, 0)).toBe(true);
    expect(endpointEquals(batch, 0, batch, ENDPOINT_SIZE)).toBe(false);
    expect(formatEndpoint(batch, ENDPOINT_SIZE)).toBe('[2001:db8::2]:443');
    expect(endpointFamily(batch, 2 * ENDPOINT_SIZE)).toBe(0);
  });

  it('carry the local address a datagram came to after the remote end, of the same family, as the addon writes it', () => {
    const v4 = parseEndpoint('192.0.2.7:51820')!;
    writeEndpointLocal(v4, 0, Uint8Array.of(10, 0, 0, 3));
    expect([...v4.subarray(24)]).toEqual([10, 0, 0, 3, ...new Array<number>(12).fill(0)]);
    expect(formatEndpointLocal(v4)).toBe('10.0.0.3');
    const v6 = parseEndpoint('[2001:db8::1]:9')!;
    const local = new Uint8Array(16);
    local.set([0xfd, 0x00], 0);
    local[15] = 3;
    writeEndpointLocal(v6, 0, local);
    expect([...v6.subarray(24)]).toEqual([...local]);
    expect(formatEndpointLocal(v6)).toBe('fd00::3');
    expect(formatEndpoint(v6)).toBe('[2001:db8::1]:9');

    // The same remote end from two local addresses: equal remotes, different records (a peer follows both).
    const other = parseEndpoint('192.0.2.7:51820')!;
    expect(endpointRemoteEquals(v4, 0, other, 0)).toBe(true);
    expect(endpointEquals(v4, 0, other, 0)).toBe(false);
    expect(endpointRemoteEquals(v4, 0, parseEndpoint('192.0.2.7:51821')!, 0)).toBe(false);
    clearEndpointLocal(v4);
    expect(formatEndpointLocal(v4)).toBeNull();
    expect(endpointEquals(v4, 0, other, 0)).toBe(true);
  });
});
