// The 24-byte endpoint record: the layout the addon (addon/src/endpoint.c) reads and writes for every datagram,
// so these bytes are a contract with C, not a detail.
import { describe, expect, it } from 'vitest';
import {
  ENDPOINT_SIZE,
  copyEndpoint,
  endpointEquals,
  endpointFamily,
  endpointPort,
  formatEndpoint,
  parseEndpoint,
} from './endpoint.js';

describe('endpoint records', () => {
  it('lay IPv4 out as the addon does: family, 0, port big-endian, scope id, address, zeros', () => {
    const record = parseEndpoint('192.0.2.7:51820')!;
    expect(ENDPOINT_SIZE).toBe(24);
    expect([...record]).toEqual([4, 0, 0xca, 0x6c, 0, 0, 0, 0, 192, 0, 2, 7, ...new Array<number>(12).fill(0)]);
    expect(endpointFamily(record)).toBe(4);
    expect(endpointPort(record)).toBe(51820);
    expect(formatEndpoint(record)).toBe('192.0.2.7:51820');
  });

  it('lay IPv6 out with its 16 bytes, and format it the RFC 5952 way, as wg(8) prints endpoints', () => {
    const record = parseEndpoint('[2001:DB8:0:0:1:0:0:1]:9')!;
    expect([...record.subarray(0, 8)]).toEqual([6, 0, 0, 9, 0, 0, 0, 0]);
    expect([...record.subarray(8)]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
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
});
