// Endpoint resolution with a remembered fallback. The system resolver is the seam faked here (node:dns/promises'
// lookup, mocked, or a lookup handed in through the options): what it answers, fails with, or never answers is
// what these tests choose; the netns suite
// (test/netns/leak-free-helper.test.ts) does the same through a real resolver blocked by a real kill switch.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../shared/config/index.js';
import { encodeKey } from '../../shared/config/keys.js';
import { formatEndpoint } from '../engine/endpoint.js';
import type { Device } from '../engine/device.js';
import { type EndpointMemory, LOOKUP_MS, reresolveEndpoints, resolveEndpoints } from './configure-device.js';

const lookup = vi.hoisted(() => vi.fn());
vi.mock('node:dns/promises', () => ({ lookup }));

const key = (n: number) => encodeKey(new Uint8Array(32).fill(n));
function config(...endpoints: (string | null)[]) {
  const peers = endpoints.map(
    (endpoint, i) =>
      `\n[Peer]\nPublicKey = ${key(10 + i)}\nAllowedIPs = 10.0.${i}.0/24\n${endpoint === null ? '' : `Endpoint = ${endpoint}\n`}`,
  );
  const parsed = parseConfig(`[Interface]\nPrivateKey = ${key(1)}\n${peers.join('')}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

/** A memory over a plain record that logs what it was told. */
function memory(known: Record<string, string>) {
  const told: string[] = [];
  const recall = (host: string) => known[host];
  const value: EndpointMemory = {
    recall,
    remember: (host, address) => told.push(`remember ${host} ${address}`),
    stoodIn: (host) => told.push(`stood in ${host}`),
  };
  return { value, told };
}

const text = (records: (Uint8Array | null)[]) => records.map((r) => (r === null ? null : formatEndpoint(r)));
const notFound = () => Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });

beforeEach(() => {
  lookup.mockReset();
});

describe('resolveEndpoints', () => {
  it('looks up hostnames only, and remembers each answer', async () => {
    lookup.mockResolvedValue({ address: '203.0.113.5', family: 4 });
    const { value, told } = memory({});
    const records = await resolveEndpoints(config('vpn.example.com:51820', '[2001:db8::1]:443', null), {
      memory: value,
    });
    expect(text(records)).toEqual(['203.0.113.5:51820', '[2001:db8::1]:443', null]);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(told).toEqual(['remember vpn.example.com 203.0.113.5']);
  });

  it('prefers a working lookup to the remembered address', async () => {
    lookup.mockResolvedValue({ address: '2001:db8::7', family: 6 });
    const { value, told } = memory({ 'vpn.example.com': '203.0.113.5' });
    expect(text(await resolveEndpoints(config('vpn.example.com:51820'), { memory: value }))).toEqual([
      '[2001:db8::7]:51820',
    ]);
    expect(told).toEqual(['remember vpn.example.com 2001:db8::7']);
  });

  it('falls back to the remembered address when the lookup fails, saying so', async () => {
    lookup.mockRejectedValue(notFound());
    const { value, told } = memory({ 'vpn.example.com': '2001:db8::5' });
    const log: string[] = [];
    const records = await resolveEndpoints(config('vpn.example.com:51820'), { memory: value, log: (m) => log.push(m) });
    expect(text(records)).toEqual(['[2001:db8::5]:51820']);
    expect(told).toEqual(['stood in vpn.example.com']);
    expect(log).toEqual([
      'cannot resolve Endpoint host vpn.example.com: ENOTFOUND; using the address it last resolved to, 2001:db8::5, until a lookup works',
    ]);
  });

  it('does not wait for a resolver that never answers when there is an address to fall back on', async () => {
    lookup.mockReturnValue(new Promise(() => {}));
    const { value } = memory({ 'vpn.example.com': '203.0.113.5' });
    const started = performance.now();
    const records = await resolveEndpoints(config('vpn.example.com:51820'), { memory: value, fallbackAfterMs: 100 });
    expect(text(records)).toEqual(['203.0.113.5:51820']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('fails naming the host when there is nothing to fall back on, or only something unusable', async () => {
    lookup.mockRejectedValue(notFound());
    await expect(resolveEndpoints(config('vpn.example.com:51820'))).rejects.toThrow(
      'cannot resolve Endpoint host vpn.example.com: ENOTFOUND',
    );
    await expect(
      resolveEndpoints(config('vpn.example.com:51820'), {
        memory: memory({ 'other.example.com': '203.0.113.5' }).value,
      }),
    ).rejects.toThrow('cannot resolve Endpoint host vpn.example.com');
    await expect(
      resolveEndpoints(config('vpn.example.com:51820'), { memory: memory({ 'vpn.example.com': 'garbage' }).value }),
    ).rejects.toThrow('cannot resolve Endpoint host vpn.example.com');
  });
});

describe('a lookup with nothing to fall back on', () => {
  const never = () => new Promise<never>(() => {});
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives up after LOOKUP_MS, saying the lookup timed out', async () => {
    vi.useFakeTimers();
    let settled = false;
    const pending = resolveEndpoints(config('vpn.example.com:51820'), { lookup: never }).finally(
      () => (settled = true),
    );
    const failed = expect(pending).rejects.toThrow(
      `cannot resolve Endpoint host vpn.example.com: the lookup timed out after ${LOOKUP_MS} ms`,
    );
    await vi.advanceTimersByTimeAsync(LOOKUP_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await failed;
  });

  it('takes the injected lookup and a shorter bound', async () => {
    const seen: string[] = [];
    const found = await resolveEndpoints(config('vpn.example.com:51820'), {
      lookup: async (host) => (seen.push(host), { address: '203.0.113.9' }),
    });
    expect(text(found)).toEqual(['203.0.113.9:51820']);
    expect(seen).toEqual(['vpn.example.com']);
    expect(lookup).not.toHaveBeenCalled();
    const started = performance.now();
    await expect(
      resolveEndpoints(config('vpn.example.com:51820'), { lookup: never, lookupTimeoutMs: 50 }),
    ).rejects.toThrow('timed out after 50 ms');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('is bounded when an up tunnel looks its endpoints up again, which keeps the endpoint in use', async () => {
    const log: string[] = [];
    const device = { findPeer: () => undefined } as unknown as Device;
    expect(
      await reresolveEndpoints(device, config('vpn.example.com:51820'), (m) => log.push(m), undefined, {
        lookup: never,
        lookupTimeoutMs: 50,
      }),
    ).toBe(0);
    expect(log).toEqual([
      'cannot resolve Endpoint host vpn.example.com: the lookup timed out after 50 ms; keeping the current endpoint',
    ]);
  });
});
