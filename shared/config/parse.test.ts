import { describe, expect, it } from 'vitest';
import { encodeKey } from './keys.js';
import type { Diagnostic, ParseResult, TunnelConfig } from './model.js';
import { MAX_CONFIG_BYTES, MAX_PARSE_ERRORS, parseConfig } from './parse.js';

const key = (n: number): string => encodeKey(new Uint8Array(32).fill(n));
const PRIV = key(1);
const PUB = key(2);
const PUB2 = key(3);
const PSK = key(4);

function ok(text: string): Extract<ParseResult, { ok: true }> {
  const result = parseConfig(text);
  if (!result.ok)
    throw new Error(`expected a valid config, got:\n${result.errors.map((e) => `${e.line}: ${e.message}`).join('\n')}`);
  return result;
}

/** The errors must be exactly these, in this order: same lines, each message matching. */
function expectErrors(text: string, expected: [number, RegExp][]): Diagnostic[] {
  const result = parseConfig(text);
  const errors = result.ok ? [] : result.errors;
  expect(
    errors.map((e) => e.line),
    errors.map((e) => e.message).join('\n'),
  ).toEqual(expected.map(([line]) => line));
  errors.forEach((e, i) => {
    expect(e.severity).toBe('error');
    expect(e.message).toMatch(expected[i]![1]);
  });
  return errors;
}

const lines = (...l: string[]): string => l.join('\n') + '\n';
const IFACE = ['[Interface]', `PrivateKey = ${PRIV}`];
const PEER = ['[Peer]', `PublicKey = ${PUB}`, 'AllowedIPs = 10.0.0.0/24'];

describe('parseConfig: the format', () => {
  it('reads a full config into the model', () => {
    const result = ok(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'ListenPort = 51820',
        'FwMark = 0x1234',
        'Address = 10.0.0.2/24, fd00::2/64',
        'Address = 192.168.7.1',
        'DNS = 10.0.0.1, 2606:4700:4700::1111, corp.example.com, lan',
        'MTU = 1420',
        'Table = 1234',
        'PreUp = echo pre',
        'PostUp = iptables -A FORWARD -i %i -j ACCEPT',
        'PreDown = echo predown',
        'PostDown = echo one',
        'PostDown = echo two',
        'SaveConfig = false',
        '',
        '[Peer]',
        `PublicKey = ${PUB}`,
        `PresharedKey = ${PSK}`,
        'AllowedIPs = 0.0.0.0/0, ::/0',
        'Endpoint = vpn.example.com:51820',
        'PersistentKeepalive = 25',
        '',
        '[Peer]',
        `PublicKey = ${PUB2}`,
        'AllowedIPs = 10.9.0.0/16',
        'Endpoint = [2001:db8::1]:443',
      ),
    );
    expect(result.config).toEqual<TunnelConfig>({
      interface: {
        privateKey: PRIV,
        listenPort: 51820,
        fwMark: 0x1234,
        addresses: [
          { family: 4, address: '10.0.0.2', prefix: 24 },
          { family: 6, address: 'fd00::2', prefix: 64 },
          { family: 4, address: '192.168.7.1', prefix: 32 },
        ],
        dns: ['10.0.0.1', '2606:4700:4700::1111'],
        dnsSearch: ['corp.example.com', 'lan'],
        mtu: 1420,
        table: '1234',
        preUp: ['echo pre'],
        postUp: ['iptables -A FORWARD -i %i -j ACCEPT'],
        preDown: ['echo predown'],
        postDown: ['echo one', 'echo two'],
        saveConfig: false,
      },
      peers: [
        {
          publicKey: PUB,
          presharedKey: PSK,
          allowedIps: [
            { family: 4, address: '0.0.0.0', prefix: 0 },
            { family: 6, address: '::', prefix: 0 },
          ],
          endpoint: { host: 'vpn.example.com', port: 51820 },
          persistentKeepalive: 25,
        },
        {
          publicKey: PUB2,
          allowedIps: [{ family: 4, address: '10.9.0.0', prefix: 16 }],
          endpoint: { host: '2001:db8::1', port: 443 },
        },
      ],
    });
    expect(result.lines.interface.addresses).toEqual([5, 5, 6]);
    expect(result.lines.interface.dnsSearch).toEqual([7, 7]);
    expect(result.lines.interface.postDown).toEqual([13, 14]);
    expect(result.lines.peers[1]).toEqual({ section: 24, publicKey: 25, allowedIps: [26], endpoint: 27 });
  });

  it('takes section and key names in any case', () => {
    const result = ok(
      lines(
        '[INTERFACE]',
        `privatekey = ${PRIV}`,
        'mtu = 1400',
        '[peer]',
        `PUBLICKEY = ${PUB}`,
        'allowedips = 10.0.0.0/8',
      ),
    );
    expect(result.config.interface.mtu).toBe(1400);
    expect(result.config.peers[0]!.allowedIps).toEqual([{ family: 4, address: '10.0.0.0', prefix: 8 }]);
  });

  it('accepts a BOM, CRLF, comments, blank lines, tabs and odd spacing', () => {
    const text =
      '\ufeff# a comment\r\n' +
      '\r\n' +
      '   [Interface]   # trailing comment\r\n' +
      `\tPrivateKey=${PRIV}#glued comment\r\n` +
      'Address\t=\t10.0.0.2/32 ,\tfd00::2 \r\n' +
      '[Peer]\r\n' +
      `PublicKey   =    ${PUB}   \r\n` +
      'AllowedIPs=10.0.0.0/24,fd00::/64\r\n' +
      '   # indented comment\r\n' +
      'Endpoint = 1.2.3.4:51820'; // no final newline
    const result = ok(text);
    expect(result.config.interface.addresses.map((a) => a.address)).toEqual(['10.0.0.2', 'fd00::2']);
    expect(result.config.peers[0]!.endpoint).toEqual({ host: '1.2.3.4', port: 51820 });
    expect(result.lines.peers[0]!.endpoint).toBe(10);
  });

  it('splits Address and DNS on blanks as well as commas, as wg-quick does', () => {
    const result = ok(lines(...IFACE, 'Address = 10.0.0.2/24 fd00::2/64', 'DNS = 1.1.1.1 example.com', ...PEER));
    expect(result.config.interface.addresses).toHaveLength(2);
    expect(result.config.interface.dns).toEqual(['1.1.1.1']);
    expect(result.config.interface.dnsSearch).toEqual(['example.com']);
  });

  it('canonicalises addresses and masks AllowedIPs, warning about host bits', () => {
    const result = ok(
      lines(
        ...IFACE,
        'Address = FD00:0:0::0002/64',
        '[Peer]',
        `PublicKey = ${PUB}`,
        'AllowedIPs = 10.0.0.7/24, 2001:DB8::1/32',
      ),
    );
    expect(result.config.interface.addresses[0]).toEqual({ family: 6, address: 'fd00::2', prefix: 64 });
    expect(result.config.peers[0]!.allowedIps).toEqual([
      { family: 4, address: '10.0.0.0', prefix: 24 },
      { family: 6, address: '2001:db8::', prefix: 32 },
    ]);
    const hostBits = result.warnings.filter((w) => w.message.includes('host bits'));
    expect(hostBits.map((w) => [w.line, w.message])).toEqual([
      [6, 'AllowedIPs `10.0.0.7/24` has host bits set; wg uses 10.0.0.0/24'],
      [6, 'AllowedIPs `2001:DB8::1/32` has host bits set; wg uses 2001:db8::/32'],
    ]);
  });

  it('reads FwMark, keepalive, Table and SaveConfig spellings', () => {
    const fw = (v: string) =>
      ok(lines('[Interface]', `PrivateKey = ${PRIV}`, `FwMark = ${v}`, ...PEER)).config.interface.fwMark;
    expect(fw('off')).toBe(0);
    expect(fw('OFF')).toBe(0);
    expect(fw('0')).toBe(0);
    expect(fw('51820')).toBe(51820);
    expect(fw('0xCA6C')).toBe(0xca6c);
    expect(fw('4294967295')).toBe(0xffffffff);
    expect(fw('0xffffffff')).toBe(0xffffffff);
    const ka = (v: string) =>
      ok(lines(...IFACE, ...PEER, `PersistentKeepalive = ${v}`)).config.peers[0]!.persistentKeepalive;
    expect(ka('off')).toBe(0);
    expect(ka('0')).toBe(0);
    expect(ka('65535')).toBe(65535);
    const table = (v: string) => ok(lines(...IFACE, `Table = ${v}`, ...PEER)).config.interface.table;
    expect(table('off')).toBe('off');
    expect(table('Auto')).toBe('auto');
    expect(table('main')).toBe('main');
    expect(table('51820')).toBe('51820');
    const save = (v: string) => ok(lines(...IFACE, `SaveConfig = ${v}`, ...PEER)).config.interface.saveConfig;
    expect(save('true')).toBe(true);
    expect(save('True')).toBe(true);
    expect(save('false')).toBe(false);
    expect(ok(lines(...IFACE, 'ListenPort = 0', ...PEER)).config.interface.listenPort).toBe(0);
    expect(ok(lines(...IFACE, 'ListenPort = 65535', ...PEER)).config.interface.listenPort).toBe(65535);
  });

  it('keeps hook text verbatim, `#` included, as wg-quick v1.0.20260223 and later pass it to bash', () => {
    const result = ok(
      lines(...IFACE, 'PostUp =   echo "a#b" | tee /tmp/x # note  ', 'PreDown=  printf "%s\\n" x', ...PEER),
    );
    expect(result.config.interface.postUp).toEqual(['echo "a#b" | tee /tmp/x # note']);
    expect(result.config.interface.preDown).toEqual(['printf "%s\\n" x']);
  });

  it('lets a peer appear with no AllowedIPs or Endpoint', () => {
    const result = ok(lines(...IFACE, 'ListenPort = 51820', '[Peer]', `PublicKey = ${PUB}`));
    expect(result.config.peers).toEqual([{ publicKey: PUB, allowedIps: [] }]);
  });
});

describe('parseConfig: errors, each on its line', () => {
  it('reports an empty file', () => {
    expectErrors('', [[1, /no \[Interface\] section/]]);
    expectErrors('\n\n# only comments\n', [[1, /no \[Interface\] section/]]);
    expectErrors('\ufeff', [[1, /no \[Interface\] section/]]);
  });

  it('reports a file of peers only', () => {
    expectErrors(lines(...PEER), [[1, /no \[Interface\] section/]]);
  });

  it('reports missing required keys at their section header', () => {
    expectErrors(
      lines(
        '# hi',
        '[Interface]',
        'ListenPort = 1',
        '',
        '[Peer]',
        'AllowedIPs = 10.0.0.0/8',
        '[Peer]',
        `PublicKey = ${PUB}`,
      ),
      [
        [2, /\[Interface\] has no PrivateKey/],
        [5, /\[Peer\] has no PublicKey/],
      ],
    );
  });

  it('does not call a key missing when it is present but invalid', () => {
    expectErrors(lines('[Interface]', 'PrivateKey = nope', '[Peer]', 'PublicKey = nope'), [
      [2, /PrivateKey must be 44 characters/],
      [4, /PublicKey must be 44 characters/],
    ]);
  });

  it('reports bad keys', () => {
    expectErrors(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV.slice(0, 42)}l=`,
        '[Peer]',
        `PublicKey = ${PUB.slice(1)}`,
        `PresharedKey = ${PSK.replace('=', 'A')}`,
        '[Peer]',
        `PublicKey = ${PUB2.replace(/^./, '-')}`,
      ),
      [
        [2, /PrivateKey is not canonical base64/],
        [4, /PublicKey must be 44 characters.*found 43/],
        [5, /PresharedKey must end with `=`/],
        [7, /PublicKey contains `-`.*URL-safe/],
      ],
    );
  });

  it('reports bad addresses, prefixes and lists', () => {
    expectErrors(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'Address = 10.0.0.256/24',
        'Address = 10.0.0.1/33, fd00::1/129',
        'Address = 10.00.0.1/24',
        'Address = fe80::1%eth0/64',
        'Address = 10.0.0.1/abc',
        'Address = 10.0.0.1/24,', // a stray comma: skipped, with a warning
        '[Peer]',
        `PublicKey = ${PUB}`,
        'AllowedIPs = 10.0.0.0/8 192.168.0.0/16',
        'AllowedIPs = 10.0.0.0/8,,10.1.0.0/16',
        'AllowedIPs = +10.0.0.0/8',
        'AllowedIPs = example.com/32',
        'AllowedIPs = 192.168.1.010/32',
      ),
      [
        [3, /^Address `10\.0\.0\.256` is not an IPv4 address.*greater than 255/],
        [4, /at most \/32/],
        [4, /at most \/128/],
        [5, /leading zero/],
        [6, /zone id/],
        [7, /not a number/],
        [11, /contains a space; separate entries with commas/],
        [12, /empty entry in AllowedIPs \(a stray comma\?\), which wg refuses/],
        [13, /`wg set`/],
        [14, /not an IPv4 address/],
        [15, /leading zero in `010`/],
      ],
    );
  });

  it('reports bad DNS entries', () => {
    expectErrors(
      lines(...IFACE, 'DNS = 1.2.3.999, 10.0.0.1/32, -bad-.example, a..b, fe80::1%lo, exa_mple.com, 1.2.3', ...PEER),
      [
        [3, /DNS server `1\.2\.3\.999`/],
        [3, /without a prefix length/],
        [3, /DNS search domain.*cannot start or end with `-`/],
        [3, /empty label/],
        [3, /zone id/],
        [3, /DNS server `1\.2\.3` has only 3 of 4 numbers: the resolver \(glibc\).* reads it as 1\.2\.0\.3/],
      ],
    );
  });

  it('reports bad endpoints', () => {
    const peer = (endpoint: string) => lines(...IFACE, ...PEER, `Endpoint = ${endpoint}`);
    expectErrors(peer('2001:db8::1:51820'), [[6, /must be in brackets/]]);
    expectErrors(peer('2001:db8::1'), [[6, /IPv6 address without a port/]]);
    expectErrors(peer('vpn.example.com'), [[6, /has no port/]]);
    expectErrors(peer('vpn.example.com:'), [[6, /has no port after `:`/]]);
    expectErrors(peer('1.2.3.4:0'), [[6, /outside 1-65535/]]);
    expectErrors(peer('1.2.3.4:65536'), [[6, /outside 1-65535/]]);
    expectErrors(peer('1.2.3.4:http'), [[6, /not a number/]]);
    expectErrors(peer('[2001:db8::1]51820'), [[6, /needs `:port` after `\]`/]]);
    expectErrors(peer('[2001:db8::1:51820'), [[6, /without a matching `\]`/]]);
    expectErrors(peer(':51820'), [[6, /no host/]]);
    expectErrors(peer('1.2.3.400:51820'), [[6, /greater than 255/]]);
    expectErrors(peer('under score!.com:1'), [[6, /Endpoint host.*not a domain name/]]);
    expectErrors(peer('[fe80::1%eth0]:51820'), [[6, /zone id/]]);
    // and the good ones
    for (const good of ['[::1]:1', '1.2.3.4:65535', 'a-b.example.:51820', '[1.2.3.4]:51820', 'localhost:9']) {
      expectErrors(peer(good), []);
    }
  });

  it('reports ports, MTU, keepalive, FwMark, Table and SaveConfig out of range', () => {
    expectErrors(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'ListenPort = 65536',
        'FwMark = 0x100000000',
        'MTU = 575',
        'Table = 0',
        'SaveConfig = yes',
        '[Peer]',
        `PublicKey = ${PUB}`,
        'PersistentKeepalive = 65536',
      ),
      [
        [3, /ListenPort `65536` is not a number in 0-65535/],
        [4, /FwMark `0x100000000`/],
        [5, /MTU 575 is outside 576-9000/],
        [6, /Table `0`/],
        [7, /SaveConfig `yes` is neither `true` nor `false`/],
        [10, /PersistentKeepalive `65536`/],
      ],
    );
    expectErrors(
      lines(
        ...IFACE,
        'MTU = 9001',
        'ListenPort = -1',
        'FwMark = 0X10',
        'Table = 0100',
        ...PEER,
        'PersistentKeepalive = -5',
      ),
      [
        [3, /MTU 9001 is outside 576-9000/],
        [4, /ListenPort/],
        [5, /FwMark/],
        [6, /leading zero/],
        [10, /PersistentKeepalive/],
      ],
    );
    expectErrors(lines(...IFACE, 'MTU = 01420', ...PEER), [[3, /octal/]]);
    expectErrors(lines(...IFACE, 'MTU = 1420.5', ...PEER), [[3, /not a number/]]);
    expectErrors(lines(...IFACE, 'Table = my table', ...PEER), [[3, /table name/]]);
  });

  it('reports unknown keys with a suggestion', () => {
    expectErrors(
      lines(
        '[Interface]',
        `PrivateKey = ${PRIV}`,
        'Adress = 10.0.0.2/32',
        'PostUP = ok', // any case is fine
        'Private Key = x',
        'Endpoint = 1.2.3.4:5',
        'Jc = 4',
        'Frobnicate = 1',
        '[Peer]',
        `PublicKey = ${PUB}`,
        'AllowedIP = 10.0.0.0/8',
        'PersistentKeepAlive = 25',
        'Address = 10.0.0.1',
        'PublicKye = x',
      ),
      [
        [3, /^unknown key `Adress` in \[Interface\], did you mean `Address`\?$/],
        [5, /did you mean `PrivateKey`\?/],
        [6, /`Endpoint` belongs in \[Peer\], not \[Interface\]/],
        [7, /AmneziaWG/],
        [8, /^unknown key `Frobnicate` in \[Interface\]$/],
        [11, /did you mean `AllowedIPs`\?/],
        [13, /`Address` belongs in \[Interface\], not \[Peer\]/],
        [14, /did you mean `PublicKey`\?/],
      ],
    );
  });

  it('reports unknown sections with a suggestion and skips their keys', () => {
    expectErrors(
      lines(...IFACE, '[Peers]', `PublicKey = ${PUB}`, 'Nonsense = 1', '[Interfaces]', '[Foo]', '[ Peer ]'),
      [
        [3, /^unknown section `\[Peers\]`, did you mean `\[Peer\]`\?$/],
        [6, /did you mean `\[Interface\]`\?/],
        [7, /unknown section `\[Foo\]`; the sections are \[Interface\] and \[Peer\]/],
        [8, /without spaces inside the brackets/],
      ],
    );
  });

  it('reports a malformed section header', () => {
    expectErrors(lines('[Interface', `PrivateKey = ${PRIV}`), [
      [1, /no closing `\]`/],
      [1, /no \[Interface\] section/],
      [2, /before any section; it belongs under \[Interface\]/],
    ]);
    expectErrors(lines(...IFACE, '[Peer] extra', `PublicKey = ${PUB}`), [
      [3, /no closing `\]` at the end of the line/],
      [4, /`PublicKey` belongs in \[Peer\], not \[Interface\]/],
    ]);
  });

  it('reports keys before any section', () => {
    expectErrors(lines(`PrivateKey = ${PRIV}`, 'Whatever = 1', ...IFACE, ...PEER), [
      [1, /`PrivateKey` comes before any section; it belongs under \[Interface\]/],
      [2, /`Whatever` comes before any section; add an \[Interface\] or \[Peer\] header/],
    ]);
  });

  it('reports a second [Interface] and still checks its keys', () => {
    expectErrors(lines(...IFACE, ...PEER, '[Interface]', `PrivateKey = ${PRIV}`, 'MTU = 5'), [
      [6, /a second \[Interface\] section \(the first is on line 1\)/],
      [8, /MTU 5 is outside/],
    ]);
  });

  it('reports two peers with one public key', () => {
    expectErrors(lines(...IFACE, ...PEER, '[Peer]', `PublicKey = ${PUB2}`, '[Peer]', `PublicKey = ${PUB}`), [
      [9, /already used by the peer on line 4/],
    ]);
  });

  it('reports lines without `=`, empty values of keys wg reads, and empty keys', () => {
    expectErrors(
      lines(
        ...IFACE,
        'MTU 1420',
        'Peer',
        'ListenPort =',
        '= 5',
        'SaveConfig =',
        'PostUp = # only a comment',
        ...PEER,
        'Endpoint=#x',
        'PresharedKey =',
      ),
      [
        [3, /expected `Key = value`, found `MTU 1420`/],
        [4, /did you mean `\[Peer\]`\?/],
        [5, /^`ListenPort` has an empty value, which wg refuses; remove the line to leave it unset$/],
        [6, /missing key name/],
        [7, /^`SaveConfig` has an empty value, which wg-quick refuses; remove the line/],
        [12, /^`Endpoint` has an empty value, which wg refuses/],
        [13, /^`PresharedKey` has an empty value, which wg refuses/],
      ],
    );
    expectErrors(lines('[Interface]', 'PrivateKey =', '[Peer]', 'PublicKey ='), [
      [2, /^`PrivateKey` has an empty value, which wg refuses$/],
      [4, /^`PublicKey` has an empty value, which wg refuses$/],
    ]);
  });

  it("takes an empty value of wg-quick's own keys as not set, as wg-quick does, with a warning", () => {
    const result = ok(
      lines(
        ...IFACE,
        'Address =',
        'DNS =',
        'MTU =',
        'Table =',
        'PreUp =',
        'PostUp =   ',
        'PreDown =',
        'PostDown =',
        'Address = 10.0.0.2/24',
        ...PEER,
      ),
    );
    const i = result.config.interface;
    expect([i.addresses.length, i.dns, i.mtu, i.table, i.preUp, i.postUp, i.preDown, i.postDown]).toEqual([
      1,
      [],
      undefined,
      undefined,
      [],
      [],
      [],
      [],
    ]);
    expect(result.lines.interface.mtu).toBeUndefined();
    const keys = ['Address', 'DNS', 'MTU', 'Table', 'PreUp', 'PostUp', 'PreDown', 'PostDown'];
    expect(result.warnings.filter((w) => w.message.includes('is empty'))).toEqual(
      keys.map((key, k) => ({
        severity: 'warning',
        line: 3 + k,
        message: `\`${key}\` is empty: wg-quick reads that as not set, and so does Warren`,
      })),
    );
    // Still one MTU: an empty one counts as given.
    expectErrors(lines(...IFACE, 'MTU =', 'MTU = 1420', ...PEER), [[4, /duplicate `MTU`.*line 3/]]);
  });

  it('skips a stray comma in Address and DNS with one warning a line, as wg-quick does; wg refuses one in AllowedIPs', () => {
    const result = ok(
      lines(...IFACE, 'Address = , 10.0.0.2/24 ,, fd00::2/64,', 'DNS = ,', 'DNS = 10.0.0.1,,,', ...PEER),
    );
    expect(result.config.interface.addresses.map((a) => a.address)).toEqual(['10.0.0.2', 'fd00::2']);
    expect(result.config.interface.dns).toEqual(['10.0.0.1']);
    expect(result.warnings.filter((w) => w.message.includes('stray comma')).map((w) => [w.line, w.message])).toEqual([
      [3, 'empty entry in Address (a stray comma?): wg-quick skips it, and so does Warren'],
      [4, 'empty entry in DNS (a stray comma?): wg-quick skips it, and so does Warren'],
      [5, 'empty entry in DNS (a stray comma?): wg-quick skips it, and so does Warren'],
    ]);
    expectErrors(lines(...IFACE, ...PEER, 'AllowedIPs = 10.1.0.0/16,'), [
      [6, /^empty entry in AllowedIPs \(a stray comma\?\), which wg refuses$/],
    ]);
  });

  it('says what the program behind each key reads an octal, hex or short IPv4 address as', () => {
    const first = (text: string) => {
      const result = parseConfig(text);
      return result.ok ? '' : result.errors[0]!.message;
    };
    expect(first(lines(...IFACE, 'Address = 010.9.0.2/24', ...PEER))).toBe(
      'Address `010.9.0.2` has a leading zero in `010`: ip(8), which wg-quick adds addresses with, reads it as ' +
        '8.9.0.2; write `10.9.0.2`, or `8.9.0.2` if that is what you mean',
    );
    expect(first(lines(...IFACE, 'Address = 10.9.2/24', ...PEER))).toBe(
      'Address `10.9.2` has only 3 of 4 numbers: ip(8), which wg-quick adds addresses with, reads it as 10.9.2.0; ' +
        'write `10.9.2.0`',
    );
    expect(first(lines(...IFACE, 'Address = 10.0.0.08', ...PEER))).toBe(
      'Address `10.0.0.08` has a leading zero in `08`; ip(8), which wg-quick adds addresses with, rejects it, ' +
        'write `10.0.0.8`',
    );
    expect(first(lines(...IFACE, ...PEER, 'Endpoint = 010.0.0.1:51820'))).toBe(
      'Endpoint `010.0.0.1` has a leading zero in `010`: wg reads it as 8.0.0.1; write `10.0.0.1`, or `8.0.0.1` ' +
        'if that is what you mean',
    );
    expect(first(lines(...IFACE, ...PEER, 'Endpoint = 10.1:51820'))).toBe(
      'Endpoint `10.1` has only 2 of 4 numbers: wg reads it as 10.0.0.1; write `10.0.0.1`',
    );
    expect(first(lines(...IFACE, ...PEER, 'Endpoint = 0x0a.0.0.1:51820'))).toBe(
      'Endpoint `0x0a.0.0.1` has the hex number `0x0a`: wg reads it as 10.0.0.1; write `10.0.0.1`',
    );
    expect(first(lines(...IFACE, 'DNS = 010.0.0.1', ...PEER))).toMatch(
      /^DNS server `010\.0\.0\.1` has a leading zero in `010`: the resolver \(glibc\), which wg-quick passes it to, reads it as 8\.0\.0\.1;/,
    );
    // wg reads AllowedIPs with inet_pton, which takes none of these.
    expect(first(lines(...IFACE, ...PEER, 'AllowedIPs = 10.020.0.0/16'))).toBe(
      'AllowedIPs `10.020.0.0` has a leading zero in `020`; wg rejects it, write `10.20.0.0`',
    );
    expect(first(lines(...IFACE, ...PEER, 'AllowedIPs = 10.20/16'))).toBe(
      'AllowedIPs `10.20` has only 2 of 4 numbers; wg rejects it',
    );
    // A leading zero in MTU or Table: ip(8) reads octal.
    expect(first(lines(...IFACE, 'MTU = 01420', ...PEER))).toBe(
      'MTU `01420` has a leading zero: ip(8), which wg-quick sets it with, reads it as octal: MTU 784; write `1420`',
    );
    expect(first(lines(...IFACE, 'MTU = 01490', ...PEER))).toBe(
      'MTU `01490` has a leading zero: ip(8), which wg-quick sets it with, rejects it (it reads a leading zero as ' +
        'octal); write `1490`',
    );
    expect(first(lines(...IFACE, 'Table = 0100', ...PEER))).toMatch(/reads it as octal: table 64; write `100`$/);
    // Nobody reads a word as an address: that stays a name, or the plain message.
    expect(parseConfig(lines(...IFACE, ...PEER, 'Endpoint = deadbeef.cafe:51820')).ok).toBe(true);
    expect(first(lines(...IFACE, 'Address = 10.0.0.256', ...PEER))).toMatch(/greater than 255/);
  });

  it('treats names of object properties as plain unknown text', () => {
    expectErrors(lines(...IFACE, 'constructor', 'toString = 1', '__proto__ = 2', '[constructor]'), [
      [3, /^expected `Key = value`, found `constructor`$/],
      [4, /^unknown key `toString` in \[Interface\]$/],
      [5, /^unknown key `__proto__` in \[Interface\]$/],
      [6, /^unknown section `\[constructor\]`; the sections are/],
    ]);
  });

  it('reports a duplicated single-valued key but not a repeatable one', () => {
    expectErrors(
      lines(
        ...IFACE,
        `PrivateKey = ${PRIV}`,
        'MTU = 1420',
        'mtu = 1380',
        'Address = 10.0.0.2/32',
        'Address = fd00::2/128',
        ...PEER,
        'Endpoint = a.b:1',
        'Endpoint = a.b:1',
        `PublicKey = ${PUB}`,
      ),
      [
        [3, /duplicate `PrivateKey` in \[Interface\] \(first given on line 2\)/],
        [5, /duplicate `MTU` in \[Interface\] \(first given on line 4\)/],
        [12, /duplicate `Endpoint` in \[Peer\]/],
        [13, /duplicate `PublicKey`/],
      ],
    );
  });

  it('collects every error instead of stopping at the first', () => {
    const text = lines(
      '[Interface]',
      'PrivateKey = a',
      'MTU = x',
      'ListenPort = y',
      'Bogus = 1',
      '[Peer]',
      'PublicKey = b',
      'AllowedIPs = c',
    );
    expectErrors(text, [
      [2, /PrivateKey/],
      [3, /MTU/],
      [4, /ListenPort/],
      [5, /Bogus/],
      [7, /PublicKey/],
      [8, /AllowedIPs/],
    ]);
  });

  it('reports binary garbage on its line and goes on', () => {
    expectErrors(
      lines(...IFACE, 'MTU = 14\u000020', '\ufffd\ufffdPNG', ...PEER, 'Endpoint = \u0007a:1', 'x\ufeffy = 1'),
      [
        [3, /NUL byte/],
        [4, /not valid UTF-8/],
        [8, /control character U\+0007/],
        [9, /byte order mark/],
      ],
    );
    const random = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) % 256)).toString('utf8');
    const result = parseConfig(random);
    expect(result.ok).toBe(false);
  });

  it('reports a lone CR inside a line and Unicode spaces', () => {
    expectErrors(
      lines(...IFACE, 'MTU = 1420\r# old mac', 'Address\u00a0= 10.0.0.2/32', ...PEER, '# a\u00a0comment is fine'),
      [
        [3, /control character U\+000D/],
        [4, /Unicode space \(U\+00A0\)/],
      ],
    );
  });

  it('refuses a file larger than the limit with one error, quickly', () => {
    const huge = lines(...IFACE, ...PEER) + '#'.repeat(MAX_CONFIG_BYTES);
    const started = performance.now();
    expectErrors(huge, [[1, /larger than 262144 bytes/]]);
    expect(performance.now() - started).toBeLessThan(200);
    expectErrors('x'.repeat(50 * 1024 * 1024), [[1, /larger than/]]);
    // The limit counts UTF-8 bytes, not characters.
    expectErrors(lines(...IFACE, ...PEER, '#' + 'é'.repeat(600)), []);
    expect(parseConfig(lines(...IFACE, ...PEER, '#' + 'é'.repeat(600)), { maxBytes: 1000 }).ok).toBe(false);
    expect(parseConfig(lines(...IFACE, ...PEER, '#' + 'e'.repeat(600)), { maxBytes: 1000 }).ok).toBe(true);
  });

  it('stays linear on hostile lines', () => {
    const hostile = [
      lines(...IFACE, ...PEER, 'AllowedIPs = 10.0.0.0/8' + ' '.repeat(200_000) + 'x'),
      lines(...IFACE, ...PEER, 'AllowedIPs = ' + ','.repeat(100_000)),
      lines(...IFACE, 'DNS = ' + 'a.'.repeat(100_000)),
      lines(...IFACE, ...PEER, 'Endpoint = ' + '['.repeat(200_000)),
      lines(...IFACE, 'A'.repeat(200_000) + ' = 1'),
      lines(...IFACE, ...PEER, 'AllowedIPs = ' + '1:'.repeat(100_000)),
      lines(...IFACE, 'Table = ' + '0'.repeat(200_000) + '1'),
      lines(...IFACE, 'MTU = 0' + '1'.repeat(200_000)),
      lines(...IFACE, 'Address = 0' + '7'.repeat(200_000) + '.1.1.1'),
      lines(...IFACE, 'DNS = 0' + '1'.repeat(200_000) + '.1'),
      lines(...IFACE, ...PEER, 'Endpoint = 0x' + 'f'.repeat(200_000) + '.1:1'),
    ];
    for (const text of hostile) {
      const started = performance.now();
      const result = parseConfig(text);
      expect(result.ok).toBe(false);
      expect(performance.now() - started).toBeLessThan(1000);
      if (!result.ok) for (const e of result.errors) expect(e.message.length).toBeLessThan(300);
    }
  });

  it('skips a hundred thousand stray commas quickly, with one warning', () => {
    const started = performance.now();
    const result = ok(lines(...IFACE, 'Address = ' + ','.repeat(100_000), ...PEER));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.warnings.filter((w) => w.message.includes('stray comma'))).toHaveLength(1);
  });

  it('handles thousands of peers in linear time', () => {
    const peers: string[] = [];
    for (let i = 0; i < 1800; i++) {
      const publicKey = new Uint8Array(32).fill(7);
      publicKey[0] = i & 255;
      publicKey[1] = i >> 8;
      peers.push('[Peer]', `PublicKey = ${encodeKey(publicKey)}`);
      peers.push(
        `AllowedIPs = 10.${i >> 8}.${i & 255}.0/24, fd00:${i.toString(16)}::/64`,
        `Endpoint = 192.0.2.${i & 255}:${1000 + i}`,
      );
    }
    const text = lines(...IFACE, 'ListenPort = 51820', 'Address = 10.255.0.1/16', ...peers);
    expect(text.length).toBeLessThan(MAX_CONFIG_BYTES);
    const started = performance.now();
    const result = ok(text);
    expect(result.config.peers).toHaveLength(1800);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('stops reading a file past MAX_PARSE_ERRORS errors, and says so at the line where it stopped', () => {
    const result = parseConfig('x\n'.repeat(131_000));
    if (result.ok) throw new Error('garbage parsed');
    expect(result.errors).toHaveLength(MAX_PARSE_ERRORS + 1);
    expect(result.errors[MAX_PARSE_ERRORS]).toEqual({
      severity: 'error',
      line: MAX_PARSE_ERRORS + 1,
      message: `more than ${MAX_PARSE_ERRORS} errors: the rest of the file is not checked; is it a WireGuard configuration?`,
    });
  });
});
