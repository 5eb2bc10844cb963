import { describe, expect, it } from 'vitest';
import { ENDPOINT_SIZE, Endpoint } from './endpoint.js';
import { EndpointTable } from './endpoint-table.js';

function batchOf(texts: string[]): Uint8Array {
  const view = new Uint8Array(texts.length * ENDPOINT_SIZE);
  texts.forEach((text, i) => Endpoint.parse(text).writeTo(view, i * ENDPOINT_SIZE));
  return view;
}

describe('EndpointTable', () => {
  it('gives the same object for the same bytes, wherever they are', () => {
    const table = new EndpointTable();
    const first = batchOf(['192.0.2.1:1', '[2001:db8::1]:1', '192.0.2.1:2']);
    const second = batchOf(['192.0.2.1:2', '192.0.2.1:1']);
    const a = table.intern(first, 0);
    const b = table.intern(first, ENDPOINT_SIZE);
    const c = table.intern(first, 2 * ENDPOINT_SIZE);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(table.intern(second, 0)).toBe(c);
    expect(table.intern(second, ENDPOINT_SIZE)).toBe(a);
    expect(table.canonical(Endpoint.parse('[2001:db8::1]:1'))).toBe(b);
    expect(table.size).toBe(3);
    const map = new Map([[a, 'peer a']]);
    expect(map.get(table.intern(second, ENDPOINT_SIZE))).toBe('peer a');
  });

  it('starts over when full, and stays correct', () => {
    const table = new EndpointTable(4);
    const view = batchOf(Array.from({ length: 10 }, (_, i) => `192.0.2.${i}:9`));
    const seen = Array.from({ length: 10 }, (_, i) => table.intern(view, i * ENDPOINT_SIZE));
    expect(table.size).toBeLessThanOrEqual(4);
    seen.forEach((endpoint, i) => expect(endpoint.toString()).toBe(`192.0.2.${i}:9`));
    expect(table.intern(view, 9 * ENDPOINT_SIZE)).toBe(seen[9]);
  });
});
