// The wg-quick corpus: every file under fixtures/conf/valid must parse, with exactly the warnings its
// `# warning: LINE: text` header lines name, and read back unchanged after serialising; every file under
// fixtures/conf/invalid must fail with exactly the errors its `# expect: LINE: text` header lines name (same
// lines, each message containing the text, nothing unexpected). Files are read as bytes and decoded as UTF-8
// the way `warren check` does, so the binary fixtures reach the parser as they would in use.
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES, parseConfig, serializeConfig } from '../shared/config/index.js';
import { load, mismatches } from './fixtures/conf/corpus.js';

const valid = load('valid');
const invalid = load('invalid');

describe('config corpus: valid files', () => {
  it('has realistic files to check', () => {
    expect(valid.length).toBeGreaterThanOrEqual(10);
  });

  it.each(valid.map((f) => [f.name, f] as const))('%s parses with exactly its declared warnings', (_, fixture) => {
    expect(fixture.errors, 'a valid file declares no errors').toEqual([]);
    const result = parseConfig(fixture.text);
    if (!result.ok) expect.fail(result.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
    expect(mismatches(fixture.warnings, result.warnings)).toEqual([]);
    const again = parseConfig(serializeConfig(result.config));
    expect(again.ok && again.config).toEqual(result.config);
  });
});

describe('config corpus: invalid files', () => {
  // One file per kind of error the parser reports; a missing file means a case went untested.
  const REQUIRED = [
    'address-bad-ipv4',
    'address-bad-ipv6',
    'allowedips-missing-comma',
    'binary-garbage',
    'comments-only',
    'dns-bad',
    'duplicate-address',
    'duplicate-peer-key',
    'duplicate-single-key',
    'empty',
    'empty-value',
    'endpoint-missing-port',
    'endpoint-port-range',
    'endpoint-unbracketed-ipv6',
    'fwmark-bad',
    'ipv4-other-readings',
    'keepalive-range',
    'key-bad-base64',
    'key-before-section',
    'key-noncanonical',
    'key-wrong-length',
    'leading-zero-octet',
    'listenport-range',
    'many-errors',
    'missing-private-key',
    'missing-public-key',
    'mtu-below-ipv6',
    'mtu-range',
    'no-equals',
    'no-interface',
    'prefix-not-numeric',
    'prefix-too-long-v4',
    'prefix-too-long-v6',
    'saveconfig-bad',
    'second-interface',
    'table-bad',
    'unknown-key',
    'unknown-section',
    'zone-id',
  ];

  it('has a file for every kind of error', () => {
    const names = new Set(invalid.map((f) => f.name.replace(/\.conf$/, '')));
    expect(REQUIRED.filter((n) => !names.has(n))).toEqual([]);
  });

  it.each(invalid.map((f) => [f.name, f] as const))('%s fails with exactly its declared errors', (_, fixture) => {
    expect(fixture.errors.length, 'an invalid file must declare its errors').toBeGreaterThan(0);
    const result = parseConfig(fixture.text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const e of result.errors) expect(e.severity).toBe('error');
    expect(mismatches(fixture.errors, result.errors)).toEqual([]);
  });
});

describe('config corpus: generated inputs', () => {
  const base = valid.find((f) => f.name === 'mullvad-se-got.conf');

  it('reports an empty input at line 1', () => {
    const result = parseConfig('');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => [e.line, e.message])).toEqual([
      [1, 'no [Interface] section; a config needs one, with a PrivateKey'],
    ]);
  });

  it('reports binary garbage spliced into a valid file on its line', () => {
    if (base === undefined) expect.fail('fixture missing');
    const bytes = Buffer.from(base.text, 'utf8');
    const lines = base.text.split('\n');
    // After line 4 (1-based), a line of random bytes with a NUL and a byte that is never valid UTF-8.
    const garbage = Buffer.from([0x00, 0xc3, 0x28, 0xff, 0x41, 0x80, 0x0a]);
    const at = Buffer.byteLength(lines.slice(0, 4).join('\n') + '\n');
    const spliced = Buffer.concat([bytes.subarray(0, at), garbage, bytes.subarray(at)]).toString('utf8');
    const result = parseConfig(spliced);
    expect(!result.ok && result.errors.map((e) => [e.line, e.message])).toEqual([
      [5, expect.stringContaining('NUL byte')],
    ]);
  });

  it('refuses an input over the limit with one error on line 1', () => {
    if (base === undefined) expect.fail('fixture missing');
    const huge = base.text + '#'.repeat(MAX_CONFIG_BYTES);
    const result = parseConfig(huge);
    expect(!result.ok && result.errors.map((e) => [e.line, e.severity])).toEqual([[1, 'error']]);
    expect(parseConfig(base.text + '#'.repeat(MAX_CONFIG_BYTES - Buffer.byteLength(base.text) - 1)).ok).toBe(true);
  });
});
