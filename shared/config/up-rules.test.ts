import { describe, expect, it } from 'vitest';
import { encodeKey } from './keys.js';
import type { Diagnostic } from './model.js';
import { parseConfig, type ParseOptions } from './parse.js';

const key = (n: number): string => encodeKey(new Uint8Array(32).fill(n));
const lines = (...l: string[]): string => l.join('\n') + '\n';

/** A config: [Interface] lines (line 3 on), then one [Peer] with these lines (after its PublicKey). */
function config(iface: string[], peer: string[]): string {
  return lines('[Interface]', `PrivateKey = ${key(1)}`, ...iface, '[Peer]', `PublicKey = ${key(2)}`, ...peer);
}

function errors(text: string, options?: ParseOptions): [number, string][] {
  const result = parseConfig(text, options);
  return result.ok ? [] : result.errors.map((e: Diagnostic) => [e.line, e.message]);
}

const PEER = ['AllowedIPs = 10.20.0.0/16, fd10::/64'];

describe('what `up` would fail on: an Address given twice, as the kernel counts addresses', () => {
  it('refuses an IPv4 address with the same prefix length again, however it is written', () => {
    expect(errors(config(['Address = 10.9.0.2/24', 'Address = 10.9.0.3/24, 10.9.0.2/24'], PEER))).toEqual([
      [
        4,
        'Address 10.9.0.2/24 is given twice (also on line 3): adding it again fails ("address already assigned"), ' +
          "so `up` fails, as wg-quick's does",
      ],
    ]);
    // No length means /32.
    expect(errors(config(['Address = 10.9.0.2, 10.9.0.2/32'], PEER))).toEqual([
      [3, expect.stringMatching(/^Address 10\.9\.0\.2\/32 is given twice \(also on line 3\)/)],
    ]);
  });

  it('lets an IPv4 address appear again with another prefix length, as the kernel does', () => {
    expect(errors(config(['Address = 10.9.0.2/24, 10.9.0.2/32'], PEER))).toEqual([]);
  });

  it('refuses an IPv6 address again with any prefix length, in any spelling', () => {
    expect(errors(config(['Address = fd00::2/64', 'Address = FD00:0::2/128'], PEER))).toEqual([
      [
        4,
        'Address fd00::2/128 repeats the address of fd00::2/64 (line 3), and Linux gives an interface each IPv6 ' +
          'address once, whatever its prefix length: adding it again fails ("address already assigned"), so `up` ' +
          "fails, as wg-quick's does",
      ],
    ]);
    expect(errors(config(['Address = fd00::2/64, fd00::2/64, fd00::2/64'], PEER)).map(([line]) => line)).toEqual([
      3, 3,
    ]);
  });
});

describe('what `up` would fail on: an MTU below 1280 while the tunnel uses IPv6', () => {
  it('refuses it with an IPv6 Address, which Linux drops, and names the IPv6 route that fails', () => {
    expect(errors(config(['Address = 10.9.0.2/24, fd00::2/64', 'MTU = 1200'], PEER))).toEqual([
      [
        4,
        'MTU 1200 is below 1280, the IPv6 minimum: Linux turns IPv6 off on the interface, so its IPv6 Address ' +
          'fd00::2/64 (line 3) is dropped, the route for AllowedIPs fd10::/64 (line 7) cannot be added, and `up` ' +
          "fails, as wg-quick's does; use an MTU of at least 1280, or no IPv6",
      ],
    ]);
  });

  it('refuses it for IPv6 routes alone, and for an IPv6 Address alone', () => {
    expect(errors(config(['Address = 10.9.0.2/24', 'MTU = 1279'], PEER))).toEqual([
      [
        4,
        expect.stringMatching(
          /^MTU 1279 .* so the route for AllowedIPs fd10::\/64 \(line 7\) cannot be added, and `up` fails, as wg-quick's does; use/,
        ),
      ],
    ]);
    expect(errors(config(['Address = 10.9.0.2/24, fd00::2/64', 'MTU = 1200'], ['AllowedIPs = 10.20.0.0/16']))).toEqual([
      [4, expect.stringMatching(/so its IPv6 Address fd00::2\/64 \(line 3\) is dropped; use an MTU/)],
    ]);
  });

  it('lets it be with IPv4 only, with IPv6 routes that Table = off never adds, and from 1280 on', () => {
    expect(errors(config(['Address = 10.9.0.2/24', 'MTU = 1200'], ['AllowedIPs = 10.20.0.0/16']))).toEqual([]);
    expect(errors(config(['Address = 10.9.0.2/24', 'MTU = 1200', 'Table = off'], PEER))).toEqual([]);
    expect(errors(config(['Address = 10.9.0.2/24, fd00::2/64', 'MTU = 1280'], PEER))).toEqual([]);
    expect(errors(config(['Address = 10.9.0.2/24, fd00::2/64'], PEER))).toEqual([]);
  });
});

describe('what `up` would fail on: a Table name ip(8) does not know', () => {
  const known = { routeTableNames: ['default', 'main', 'local', 'vpn'] };
  const withTable = (table: string) => config(['Address = 10.9.0.2/24', `Table = ${table}`], PEER);

  it('refuses a name not among those given, suggesting a near one', () => {
    expect(errors(withTable('corp'), known)).toEqual([
      [
        4,
        'Table `corp` is not a routing table ip(8) knows (it reads /etc/iproute2/rt_tables and rt_tables.d), so the ' +
          "routes cannot be added and `up` fails, as wg-quick's does; add the name there, or use a table number",
      ],
    ]);
    // ip(8) compares exactly.
    expect(errors(withTable('Main'), known)).toEqual([
      [4, expect.stringContaining('; did you mean `main`? Else add the name there')],
    ]);
    expect(errors(withTable('vpm'), known)).toEqual([[4, expect.stringContaining('did you mean `vpn`?')]]);
  });

  it('accepts a known name, a number, off and auto; without the names, any name', () => {
    for (const table of ['vpn', 'main', '1234', 'off', 'auto']) expect(errors(withTable(table), known)).toEqual([]);
    expect(errors(withTable('corp'))).toEqual([]);
  });
});

describe('the rules together', () => {
  it('reports every breach with the other errors of the file, on its line', () => {
    const text = config(
      ['Address = 10.9.0.2/24, fd00::2/64, 10.9.0.2/24', 'MTU = 1200', 'Table = nosuch', 'ListenPort = x'],
      PEER,
    );
    expect(errors(text, { routeTableNames: ['main'] }).map(([line, message]) => [line, message.slice(0, 20)])).toEqual([
      [3, 'Address 10.9.0.2/24 '],
      [4, 'MTU 1200 is below 12'],
      [5, 'Table `nosuch` is no'],
      [6, 'ListenPort `x` is no'],
    ]);
  });
});
