import { describe, expect, it } from 'vitest';
import { encodeKey } from './keys.js';
import { lintConfig } from './lint.js';
import { parseConfig } from './parse.js';
import { serializeConfig } from './serialize.js';

const key = (n: number): string => encodeKey(new Uint8Array(32).fill(n));
const PRIV = key(1);
const PUB = key(2);
const PUB2 = key(3);
const PSK = key(4);
const ZERO = key(0);

const lines = (...l: string[]): string => l.join('\n') + '\n';

/** The warnings of a valid config as [line, message]. */
function warnings(text: string): [number, string][] {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
  for (const w of result.warnings) expect(w.severity).toBe('warning');
  return result.warnings.map((w) => [w.line, w.message]);
}

/** Exactly these warnings: lines and message patterns, in order. */
function expectWarnings(text: string, expected: [number, RegExp][]): void {
  const found = warnings(text);
  expect(
    found.map(([line]) => line),
    found.map(([, m]) => m).join('\n'),
  ).toEqual(expected.map(([line]) => line));
  found.forEach(([, message], i) => expect(message).toMatch(expected[i]![1]));
}

// A careful full-tunnel client: no warnings at all.
const CLEAN = [
  '[Interface]', // 1
  `PrivateKey = ${PRIV}`, // 2
  'Address = 10.64.0.2/32, fd00:64::2/128', // 3
  'DNS = 10.64.0.1', // 4
  '', // 5
  '[Peer]', // 6
  `PublicKey = ${PUB}`, // 7
  'AllowedIPs = 0.0.0.0/0, ::/0', // 8
  'Endpoint = 203.0.113.1:51820', // 9
  'PersistentKeepalive = 25', // 10
];

describe('lintConfig', () => {
  it('is silent about a careful config', () => {
    expectWarnings(lines(...CLEAN), []);
  });

  it('warns about AllowedIPs given to two peers, naming both lines', () => {
    expectWarnings(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'ListenPort = 51820',
        '[Peer]', // 4
        `PublicKey = ${PUB}`,
        'AllowedIPs = 10.0.0.0/24, 10.8.0.0/16', // 6
        '[Peer]', // 7
        `PublicKey = ${PUB2}`,
        'AllowedIPs = 10.0.0.0/24', // 9
        'AllowedIPs = 10.8.3.0/24', // 10
      ),
      [
        [
          9,
          /^AllowedIPs 10\.0\.0\.0\/24 is also given to the peer on line 4 \(line 6\); wg keeps it only for the later peer$/,
        ],
        [
          10,
          /^AllowedIPs 10\.8\.3\.0\/24 overlaps 10\.8\.0\.0\/16 \(line 6\) of the peer on line 4; traffic for 10\.8\.3\.0\/24 goes to this peer$/,
        ],
      ],
    );
  });

  it("does not warn about routes carved out of another peer's default route", () => {
    expectWarnings(
      lines(
        ...CLEAN,
        '[Peer]',
        `PublicKey = ${PUB2}`,
        'AllowedIPs = 10.99.0.0/16, fd99::/64',
        'Endpoint = 198.51.100.7:51820',
      ),
      [],
    );
  });

  it('warns about AllowedIPs repeated or already covered within one peer', () => {
    expectWarnings(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'ListenPort = 1',
        '[Peer]',
        `PublicKey = ${PUB}`,
        'AllowedIPs = fd00::/64, 10.1.0.0/16',
        'AllowedIPs = FD00::/64',
        'AllowedIPs = 10.1.2.0/24',
      ),
      [
        [7, /^AllowedIPs fd00::\/64 is given twice to this peer \(also on line 6\)$/],
        [8, /^AllowedIPs 10\.1\.2\.0\/24 is already covered by 10\.1\.0\.0\/16 \(line 6\) of this peer$/],
      ],
    );
  });

  it('warns when one family goes through the tunnel and the other leaks around it', () => {
    const only4 = [...CLEAN];
    only4[7] = 'AllowedIPs = 0.0.0.0/0';
    expectWarnings(lines(...only4), [
      [3, /Address fd00:64::2\/128 is IPv6 but no peer has IPv6 AllowedIPs/],
      [8, /all IPv4 traffic goes through the tunnel but IPv6 does not.*add ::\/0/],
    ]);
    const only6 = [...CLEAN];
    only6[7] = 'AllowedIPs = ::/0';
    only6[3] = 'DNS = fd00:64::1';
    expectWarnings(lines(...only6), [
      [3, /Address 10\.64\.0\.2\/32 is IPv4 but no peer has IPv4 AllowedIPs/],
      [8, /all IPv6 traffic goes through the tunnel but IPv4 does not.*add 0\.0\.0\.0\/0/],
    ]);
    // Two halves cover everything just as /0 does (and are routed without the fwmark exemption).
    const halves = [...CLEAN];
    halves[7] = 'AllowedIPs = 0.0.0.0/1, 128.0.0.0/1';
    halves[8] = 'Endpoint = vpn.example.com:51820';
    expectWarnings(lines(...halves), [
      [3, /IPv6 but no peer has IPv6 AllowedIPs/],
      [8, /all IPv4 traffic goes through the tunnel but IPv6 does not/],
    ]);
  });

  it('warns about an Endpoint its own AllowedIPs would swallow', () => {
    const loop = [...CLEAN];
    loop[7] = 'AllowedIPs = 0.0.0.0/1, 128.0.0.0/1, ::/0';
    expectWarnings(lines(...loop), [
      [
        9,
        /^Endpoint 203\.0\.113\.1 is inside AllowedIPs 128\.0\.0\.0\/1 \(line 8\): packets to the endpoint would be routed into the tunnel itself$/,
      ],
    ]);
  });

  it('warns about DNS that cannot or will not use the tunnel', () => {
    expectWarnings(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'DNS = 1.1.1.1',
        '[Peer]',
        `PublicKey = ${PUB}`,
        'AllowedIPs = 10.0.0.0/8',
        'Endpoint = 1.2.3.4:5',
      ),
      [
        [3, /DNS is set but \[Interface\] has no Address/],
        [3, /DNS server 1\.1\.1\.1 is not inside any peer's AllowedIPs/],
      ],
    );
    const searchOnly = [...CLEAN];
    searchOnly[3] = 'DNS = corp.example';
    expectWarnings(lines(...searchOnly), [[4, /search domains but no server address/]]);
    const loopback = [...CLEAN];
    loopback[7] = 'AllowedIPs = 10.0.0.0/8, fd00::/8';
    loopback[3] = 'DNS = 127.0.0.53';
    expectWarnings(lines(...loopback), []);
  });

  it('warns that hooks do not run, and about `#` in them', () => {
    expectWarnings(
      lines(...CLEAN.slice(0, 4), 'PreUp = echo hi', 'PostDown = echo "#1" # comment', ...CLEAN.slice(4)),
      [
        [5, /^PreUp will not run unless scripts are allowed/],
        [6, /^PostDown will not run unless scripts are allowed/],
        [6, /PostDown contains `#`: wg-quick before v1\.0\.20260223 cuts the command there/],
      ],
    );
  });

  it('warns about peers that cannot carry traffic', () => {
    expectWarnings(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        '[Peer]',
        `PublicKey = ${PUB}`,
        '[Peer]',
        `PublicKey = ${PUB2}`,
        'AllowedIPs = 10.0.0.0/8',
        'Endpoint = a.example:1',
      ),
      [
        [3, /this peer has no AllowedIPs/],
        [3, /no Endpoint and \[Interface\] has no ListenPort/],
      ],
    );
    // With a ListenPort the peer can reach us, so a missing Endpoint is normal (a server).
    expectWarnings(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'ListenPort = 51820',
        '[Peer]',
        `PublicKey = ${PUB}`,
        'AllowedIPs = 10.0.0.2/32',
      ),
      [],
    );
  });

  it('warns about a very low keepalive only', () => {
    const at = (seconds: string) => {
      const c = [...CLEAN];
      c[9] = `PersistentKeepalive = ${seconds}`;
      return lines(...c);
    };
    expectWarnings(at('5'), [[10, /PersistentKeepalive = 5 wakes the network every 5 s/]]);
    expectWarnings(at('1'), [[10, /PersistentKeepalive = 1/]]);
    expectWarnings(at('10'), []);
    expectWarnings(at('0'), []);
    expectWarnings(at('off'), []);
  });

  it('warns about Table = off with a full tunnel', () => {
    expectWarnings(lines(...CLEAN.slice(0, 4), 'Table = off', ...CLEAN.slice(4)), [
      [5, /Table = off adds no routes.*\(line 9\)/],
    ]);
    const split = [...CLEAN.slice(0, 4), 'Table = off', ...CLEAN.slice(4)];
    split[8] = 'AllowedIPs = 10.0.0.0/8, fd00::/8';
    expectWarnings(lines(...split), []);
  });

  it('warns that SaveConfig is ignored', () => {
    expectWarnings(lines(...CLEAN.slice(0, 4), 'SaveConfig = true', ...CLEAN.slice(4)), [
      [5, /SaveConfig = true is ignored/],
    ]);
    expectWarnings(lines(...CLEAN.slice(0, 4), 'SaveConfig = false', ...CLEAN.slice(4)), []);
  });

  it('warns about keys in the wrong place', () => {
    expectWarnings(lines(...CLEAN, `PresharedKey = ${PUB}`), [[11, /PresharedKey is the PublicKey on line 7/]]);
    expectWarnings(lines(...CLEAN, `PresharedKey = ${PRIV}`), [[11, /PresharedKey is the \[Interface\] PrivateKey/]]);
    expectWarnings(
      lines(
        ...CLEAN,
        `PresharedKey = ${PSK}`,
        '[Peer]',
        `PublicKey = ${PUB2}`,
        'AllowedIPs = 10.99.0.0/16',
        `PresharedKey = ${PSK}`,
        'Endpoint = 198.51.100.1:51820',
      ),
      [[15, /also used by the peer with PresharedKey on line 11/]],
    );
    const pasted = [...CLEAN];
    pasted[6] = `PublicKey = ${PRIV}`;
    expectWarnings(lines(...pasted), [
      [7, /this PublicKey is the \[Interface\] PrivateKey: was the private key pasted here\?/],
    ]);
    const zeros = [...CLEAN];
    zeros[1] = `PrivateKey = ${ZERO}`;
    zeros[6] = `PublicKey = ${ZERO}`;
    expectWarnings(lines(...zeros), [
      [2, /PrivateKey is all zeros/],
      [7, /this PublicKey is the \[Interface\] PrivateKey/],
    ]);
    const zeroPeer = [...CLEAN];
    zeroPeer[6] = `PublicKey = ${ZERO}`;
    expectWarnings(lines(...zeroPeer), [[7, /PublicKey is all zeros/]]);
  });

  it('warns about MTUs that fragment (one that breaks IPv6 is an error: up-rules.ts)', () => {
    const v4only = [...CLEAN.slice(0, 4), 'MTU = 1200', ...CLEAN.slice(4)];
    v4only[2] = 'Address = 10.64.0.2/32';
    v4only[8] = 'AllowedIPs = 0.0.0.0/0';
    expectWarnings(lines(...v4only), [[9, /all IPv4 traffic goes through the tunnel but IPv6 does not/]]);
    expectWarnings(lines(...CLEAN.slice(0, 4), 'MTU = 1500', ...CLEAN.slice(4)), [[5, /MTU 1500 leaves no room/]]);
    expectWarnings(lines(...CLEAN.slice(0, 4), 'MTU = 1440', ...CLEAN.slice(4)), []);
  });

  it('warns about duplicated DNS entries (a duplicated Address is an error: up-rules.ts)', () => {
    expectWarnings(lines(...CLEAN.slice(0, 4), 'DNS = 10.64.0.1', ...CLEAN.slice(4)), [
      [5, /DNS entry 10\.64\.0\.1 is given twice \(also on line 4\)/],
    ]);
  });

  it("warns that wg-quick fails where Table = main meets a route the kernel has: an IPv4 Address's subnet", () => {
    const config = (table: string, allowed: string) =>
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'Address = 10.9.0.2/24, 10.8.0.2/32, fd00::2/64',
        `Table = ${table}`,
        '[Peer]',
        `PublicKey = ${PUB}`,
        `AllowedIPs = ${allowed}`,
        'Endpoint = 203.0.113.1:51820',
      );
    const found = [
      [
        7,
        /^AllowedIPs 10\.9\.0\.0\/24 is the subnet of the Address on line 3, which the kernel already routes in the main table: Warren adds no route for it, but wg-quick with Table = main fails \("File exists"\)$/,
      ],
    ] as [number, RegExp][];
    expectWarnings(config('main', '10.9.0.0/24, fd00::/64'), found);
    expectWarnings(config('254', '10.9.0.0/24, fd00::/64'), [[7, /wg-quick with Table = 254 fails/]]);
    // Inside the subnet, a /32 address (no subnet route), IPv6 (another metric), another table: nothing to say.
    expectWarnings(config('main', '10.9.0.5/32, 10.8.0.2/32, fd00::/64'), []);
    expectWarnings(config('main', '10.9.0.0/23, fd00::/64'), []);
    expectWarnings(config('1234', '10.9.0.0/24, fd00::/64'), []);
    expectWarnings(config('auto', '10.9.0.0/24, fd00::/64'), []);
  });

  it('warns about a config without peers', () => {
    expectWarnings(lines('[Interface]', `PrivateKey = ${PRIV}`), [[1, /no \[Peer\] section/]]);
  });

  it('puts findings on the lines of the canonical text when no lines are given', () => {
    const result = parseConfig(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        '[Peer]',
        `PublicKey = ${PUB}`,
        'Endpoint = 1.2.3.4:1',
        'PersistentKeepalive = 3',
        'AllowedIPs = 0.0.0.0/0',
      ),
    );
    if (!result.ok) throw new Error('setup');
    const text = serializeConfig(result.config).split('\n');
    const found = lintConfig(result.config);
    expect(found.map((d) => text[d.line - 1])).toEqual(['AllowedIPs = 0.0.0.0/0', 'PersistentKeepalive = 3']);
    expect(found.map((d) => d.message)).toEqual([
      expect.stringMatching(/IPv6 leaks/),
      expect.stringMatching(/PersistentKeepalive = 3/),
    ]);
    expect(result.warnings.map((d) => [d.line, d.message.slice(0, 19)])).toEqual([
      [6, 'PersistentKeepaliv'.padEnd(19, 'e')],
      [7, 'all IPv4 traffic go'],
    ]);
  });
});
