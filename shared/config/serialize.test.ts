import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEndpoint } from './endpoint.js';
import { formatIpAddress, formatPrefix } from './ip.js';
import { encodeKey } from './keys.js';
import type { Endpoint, IpPrefix, PeerConfig, TunnelConfig } from './model.js';
import { parseConfig } from './parse.js';
import { renderConfig, serializeConfig } from './serialize.js';

const key = (n: number): string => encodeKey(new Uint8Array(32).fill(n));

// ---- arbitraries for canonical models: what parseConfig returns for some valid text ----

const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(encodeKey);

/** 128-bit values with whole groups zeroed often, so that `::` compression gets exercised. */
const v6Value = fc
  .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.array(fc.nat(7), { maxLength: 8 }))
  .map(([value, zeroed]) => zeroed.reduce((v, g) => v & ~(0xffffn << BigInt(16 * g)), value));
const v4Value = fc.bigInt({ min: 0n, max: 0xffffffffn });

const v4Address = v4Value.map((value) => formatIpAddress({ family: 4, value }));
const v6Address = v6Value.map((value) => formatIpAddress({ family: 6, value }));

function prefixArb(masked: boolean): fc.Arbitrary<IpPrefix> {
  const make = (family: 4 | 6, value: bigint, prefix: number): IpPrefix => {
    const bits = family === 4 ? 32 : 128;
    const v = masked ? value & ~((1n << BigInt(bits - prefix)) - 1n) : value;
    return { family, address: formatIpAddress({ family, value: v }), prefix };
  };
  return fc.oneof(
    fc.tuple(v4Value, fc.integer({ min: 0, max: 32 })).map(([v, p]) => make(4, v, p)),
    fc.tuple(v6Value, fc.integer({ min: 0, max: 128 })).map(([v, p]) => make(6, v, p)),
  );
}

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9_-]{0,10}[a-z0-9])?$/);
const domainArb = fc
  .tuple(fc.array(label, { maxLength: 3 }), fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{0,8}[a-zA-Z]$/), fc.boolean())
  .map(([labels, tld, dot]) => [...labels, tld].join('.') + (dot ? '.' : ''));

const endpointArb: fc.Arbitrary<Endpoint> = fc.record({
  host: fc.oneof(v4Address, v6Address, domainArb),
  port: fc.integer({ min: 1, max: 65535 }),
});

// Printable ASCII (so `#`, `=`, quotes and `%i`) and a few non-ASCII letters; trimmed, never empty.
const hookArb = fc
  .string({
    unit: fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('é', 'ß', '→'),
    ),
    minLength: 1,
    maxLength: 40,
  })
  .map((s) => s.replace(/^[ \t]+/, '').replace(/[ \t]+$/, ''))
  .filter((s) => s !== '');

const tableArb = fc.oneof(
  fc.constantFrom('off', 'auto', 'main'),
  fc.integer({ min: 1, max: 0xffffffff }).map(String),
  // `Off` would read back as `off`: names that spell a keyword are not names.
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,15}$/).filter((t) => !['off', 'auto'].includes(t.toLowerCase())),
);

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops undefined optional fields so that toEqual compares like with like. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const peerArb: fc.Arbitrary<PeerConfig> = fc
  .record({
    publicKey: keyArb,
    presharedKey: opt(keyArb),
    allowedIps: fc.array(prefixArb(true), { maxLength: 5 }),
    endpoint: opt(endpointArb),
    persistentKeepalive: opt(fc.integer({ min: 0, max: 65535 })),
  })
  .map(compact);

const tunnelConfigArb: fc.Arbitrary<TunnelConfig> = fc
  .record({
    interface: fc
      .record({
        privateKey: keyArb,
        listenPort: opt(fc.integer({ min: 0, max: 65535 })),
        fwMark: opt(fc.integer({ min: 0, max: 0xffffffff })),
        // The kernel holds an IPv4 address once per prefix length, an IPv6 address once (up-rules.ts).
        addresses: fc.uniqueArray(prefixArb(false), {
          maxLength: 4,
          selector: (a) => (a.family === 4 ? formatPrefix(a) : a.address),
        }),
        dns: fc.array(fc.oneof(v4Address, v6Address), { maxLength: 3 }),
        dnsSearch: fc.array(domainArb, { maxLength: 3 }),
        mtu: opt(fc.integer({ min: 576, max: 9000 })),
        table: opt(tableArb),
        preUp: fc.array(hookArb, { maxLength: 2 }),
        postUp: fc.array(hookArb, { maxLength: 2 }),
        preDown: fc.array(hookArb, { maxLength: 2 }),
        postDown: fc.array(hookArb, { maxLength: 2 }),
        saveConfig: fc.boolean(),
      })
      .map(compact),
    peers: fc.uniqueArray(peerArb, { selector: (p) => p.publicKey, maxLength: 5 }),
  })
  // Below 1280 Linux turns IPv6 off on the link, so an MTU there rules out IPv6 addresses and routes.
  .filter(
    ({ interface: i, peers }) =>
      i.mtu === undefined ||
      i.mtu >= 1280 ||
      (!i.addresses.some((a) => a.family === 6) &&
        (i.table === 'off' || !peers.some((p) => p.allowedIps.some((a) => a.family === 6)))),
  );

// ---- a sloppy writer: the same model as a human or another tool might write it ----

interface Style {
  caseOf: (key: string) => string;
  eq: string;
  newline: string;
  bom: boolean;
  comments: boolean;
  splitLists: boolean;
  hexMark: boolean;
}

const styleArb: fc.Arbitrary<Style> = fc.record({
  caseOf: fc.constantFrom(
    (k: string) => k,
    (k: string) => k.toLowerCase(),
    (k: string) => k.toUpperCase(),
  ),
  eq: fc.constantFrom('=', ' = ', '\t=\t', '   =', '=  '),
  newline: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  comments: fc.boolean(),
  splitLists: fc.boolean(),
  hexMark: fc.boolean(),
});

function sloppy(config: TunnelConfig, s: Style): string {
  const out: string[] = [];
  const put = (k: string, v: string) =>
    out.push(
      `${s.comments ? '  ' : ''}${s.caseOf(k)}${s.eq}${v}${s.comments && k !== 'PostUp' && k !== 'PreUp' && k !== 'PreDown' && k !== 'PostDown' ? ' # note' : ''}`,
    );
  const list = (k: string, values: string[]) => {
    if (values.length === 0) return;
    if (s.splitLists) values.forEach((v) => put(k, v));
    else put(k, values.join(' ,\t'));
  };
  const i = config.interface;
  if (s.comments) out.push('# generated', '');
  out.push(s.caseOf('[Interface]'));
  // Written in an order different from the canonical one.
  list('Address', i.addresses.map(formatPrefix));
  if (i.mtu !== undefined) put('MTU', String(i.mtu));
  list('DNS', [...i.dns, ...i.dnsSearch]);
  for (const h of i.preUp) put('PreUp', h);
  for (const h of i.postUp) put('PostUp', h);
  for (const h of i.preDown) put('PreDown', h);
  for (const h of i.postDown) put('PostDown', h);
  if (i.fwMark !== undefined)
    put('FwMark', i.fwMark === 0 ? 'off' : s.hexMark ? `0x${i.fwMark.toString(16).toUpperCase()}` : String(i.fwMark));
  if (i.table !== undefined) put('Table', i.table);
  if (i.saveConfig) put('SaveConfig', 'True');
  put('PrivateKey', i.privateKey);
  if (i.listenPort !== undefined) put('ListenPort', String(i.listenPort));
  for (const p of config.peers) {
    out.push('', s.caseOf('[Peer]'));
    if (p.endpoint !== undefined) put('Endpoint', formatEndpoint(p.endpoint));
    list('AllowedIPs', p.allowedIps.map(formatPrefix));
    if (p.persistentKeepalive !== undefined)
      put('PersistentKeepalive', p.persistentKeepalive === 0 ? 'off' : String(p.persistentKeepalive));
    if (p.presharedKey !== undefined) put('PresharedKey', p.presharedKey);
    put('PublicKey', p.publicKey);
  }
  return (s.bom ? '\ufeff' : '') + out.join(s.newline) + s.newline;
}

function parsedConfig(text: string): TunnelConfig {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}: ${e.message}`).join('\n') + '\n---\n' + text);
  return result.config;
}

describe('serializeConfig', () => {
  it('writes canonical text', () => {
    const config: TunnelConfig = {
      interface: {
        privateKey: key(1),
        listenPort: 51820,
        fwMark: 0xca6c,
        addresses: [
          { family: 4, address: '10.0.0.2', prefix: 24 },
          { family: 6, address: 'fd00::2', prefix: 64 },
        ],
        dns: ['10.0.0.1', '2606:4700:4700::1111'],
        dnsSearch: ['corp.example'],
        mtu: 1380,
        table: 'auto',
        preUp: ['echo up'],
        postUp: ['iptables -A FORWARD -i %i -j ACCEPT # keep'],
        preDown: [],
        postDown: ['echo a', 'echo b'],
        saveConfig: true,
      },
      peers: [
        {
          publicKey: key(2),
          presharedKey: key(3),
          allowedIps: [
            { family: 4, address: '0.0.0.0', prefix: 0 },
            { family: 6, address: '::', prefix: 0 },
          ],
          endpoint: { host: '2001:db8::1', port: 51820 },
          persistentKeepalive: 25,
        },
        { publicKey: key(4), allowedIps: [], endpoint: { host: 'vpn.example.com', port: 443 }, persistentKeepalive: 0 },
      ],
    };
    expect(serializeConfig(config)).toBe(
      [
        '[Interface]',
        `PrivateKey = ${key(1)}`,
        'ListenPort = 51820',
        'FwMark = 0xca6c',
        'Address = 10.0.0.2/24, fd00::2/64',
        'DNS = 10.0.0.1, 2606:4700:4700::1111, corp.example',
        'MTU = 1380',
        'Table = auto',
        'PreUp = echo up',
        'PostUp = iptables -A FORWARD -i %i -j ACCEPT # keep',
        'PostDown = echo a',
        'PostDown = echo b',
        'SaveConfig = true',
        '',
        '[Peer]',
        `PublicKey = ${key(2)}`,
        `PresharedKey = ${key(3)}`,
        'AllowedIPs = 0.0.0.0/0, ::/0',
        'Endpoint = [2001:db8::1]:51820',
        'PersistentKeepalive = 25',
        '',
        '[Peer]',
        `PublicKey = ${key(4)}`,
        'Endpoint = vpn.example.com:443',
        'PersistentKeepalive = off',
        '',
      ].join('\n'),
    );
    expect(parsedConfig(serializeConfig(config))).toEqual(config);
  });

  it('writes the minimal config minimally, FwMark 0 as off, no SaveConfig when false', () => {
    const config: TunnelConfig = {
      interface: {
        privateKey: key(1),
        fwMark: 0,
        addresses: [],
        dns: [],
        dnsSearch: [],
        preUp: [],
        postUp: [],
        preDown: [],
        postDown: [],
        saveConfig: false,
      },
      peers: [],
    };
    expect(serializeConfig(config)).toBe(`[Interface]\nPrivateKey = ${key(1)}\nFwMark = off\n`);
  });

  it('reads back what it writes, for any model', () => {
    fc.assert(
      fc.property(tunnelConfigArb, (config) => {
        const { text, lines } = renderConfig(config);
        const result = parseConfig(text);
        if (!result.ok)
          throw new Error(result.errors.map((e) => `${e.line}: ${e.message}`).join('\n') + '\n---\n' + text);
        expect(result.config).toEqual(config);
        expect(result.lines).toEqual(lines);
      }),
      { numRuns: 300 },
    );
  });

  it('parse(serialize(parse(x))) equals parse(x) for sloppy text', () => {
    fc.assert(
      fc.property(tunnelConfigArb, styleArb, (config, style) => {
        const first = parsedConfig(sloppy(config, style));
        expect(first).toEqual(config);
        expect(parsedConfig(serializeConfig(first))).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses values that would inject lines or be cut by a comment', () => {
    const base: TunnelConfig = {
      interface: {
        privateKey: key(1),
        addresses: [],
        dns: [],
        dnsSearch: [],
        preUp: [],
        postUp: [],
        preDown: [],
        postDown: [],
        saveConfig: false,
      },
      peers: [],
    };
    const withIface = (patch: Partial<TunnelConfig['interface']>): TunnelConfig => ({
      ...base,
      interface: { ...base.interface, ...patch },
    });
    expect(() => serializeConfig(withIface({ postUp: ['true\n[Peer]\nPublicKey = x'] }))).toThrow(RangeError);
    expect(() => serializeConfig(withIface({ preUp: ['a\rb'] }))).toThrow(RangeError);
    expect(() => serializeConfig(withIface({ dnsSearch: ['example.com # x'] }))).toThrow(RangeError);
    expect(() => serializeConfig(withIface({ table: 'main\nPostUp = rm -rf /' }))).toThrow(RangeError);
    expect(() => serializeConfig(withIface({ preDown: [' padded'] }))).toThrow(RangeError);
    expect(() => serializeConfig(withIface({ postDown: [''] }))).toThrow(RangeError);
    expect(() => serializeConfig(withIface({ postUp: ['echo "#" ok'] }))).not.toThrow();
  });
});
