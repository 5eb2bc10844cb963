import { describe, expect, it } from 'vitest';
import { ENDPOINT_SIZE, Endpoint, endpointHash } from './endpoint.js';

describe('Endpoint', () => {
  it('lays IPv4 out in the 24-byte form the addon uses', () => {
    const endpoint = Endpoint.parse('192.0.2.7:51820');
    expect([...endpoint.bytes]).toEqual([4, 0, 0xca, 0x6c, 0, 0, 0, 0, 192, 0, 2, 7, ...new Array<number>(12).fill(0)]);
    expect(endpoint.family).toBe(4);
    expect(endpoint.port).toBe(51820);
    expect(endpoint.address).toBe('192.0.2.7');
    expect([...endpoint.addressBytes]).toEqual([192, 0, 2, 7]);
    expect(endpoint.toString()).toBe('192.0.2.7:51820');
  });

  it('keeps an IPv6 scope id and formats addresses the RFC 5952 way', () => {
    const endpoint = Endpoint.parse('[fe80::1%3]:1');
    expect(endpoint.family).toBe(6);
    expect(endpoint.scopeId).toBe(3);
    expect(endpoint.bytes[4]).toBe(3);
    expect(endpoint.toString()).toBe('[fe80::1%3]:1');
    expect(Endpoint.parse('[2001:DB8:0:0:1:0:0:1]:9').toString()).toBe('[2001:db8::1:0:0:1]:9');
    expect(Endpoint.parse('[::ffff:192.0.2.1]:9').address).toBe('::ffff:192.0.2.1');
  });

  it('refuses what is not address:port', () => {
    for (const text of ['192.0.2.1', '192.0.2.256:1', '[::1]', '::1:80', 'example.com:80', '[1::2::3]:1', '1.2.3.4:65536']) {
      expect(() => Endpoint.parse(text), text).toThrow();
    }
  });

  it('compares in place without parsing, and hashes equal bytes equally', () => {
    const endpoint = Endpoint.parse('[2001:db8::2]:443');
    const batch = new Uint8Array(3 * ENDPOINT_SIZE);
    Endpoint.parse('192.0.2.1:443').writeTo(batch, 0);
    endpoint.writeTo(batch, ENDPOINT_SIZE);
    expect(endpoint.matches(batch, 0)).toBe(false);
    expect(endpoint.matches(batch, ENDPOINT_SIZE)).toBe(true);
    expect(endpointHash(batch, ENDPOINT_SIZE)).toBe(endpointHash(endpoint.bytes, 0));
    expect(Endpoint.fromBytes(batch, ENDPOINT_SIZE).equals(endpoint)).toBe(true);
    expect(() => Endpoint.fromBytes(batch, 2 * ENDPOINT_SIZE)).toThrow(RangeError);
  });
});

