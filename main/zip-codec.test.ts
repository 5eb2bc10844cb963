import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from '../shared/config/parse.js';
import { fflateZip } from './zip-codec.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('fflate zip codec', () => {
  it('round-trips entries', () => {
    const entries = [{ name: 'wg0.conf', data: text('[Interface]\n') }, { name: 'dir/wg1.conf', data: text('[Peer]\n') }];
    const back = fflateZip.unzip(fflateZip.zip(entries));
    expect(back.map((e) => [e.name, new TextDecoder().decode(e.data)])).toEqual([
      ['wg0.conf', '[Interface]\n'],
      ['dir/wg1.conf', '[Peer]\n'],
    ]);
  });

  it('takes only .conf entries no larger than a config (a zip bomb inflates nothing)', () => {
    const bomb = new Uint8Array(MAX_CONFIG_BYTES * 40); // compresses to almost nothing
    const archive = zipSync({ 'huge.conf': bomb, 'notes.txt': text('hi'), 'ok.conf': text('[Interface]\n') });
    expect(archive.length).toBeLessThan(100_000);
    expect(fflateZip.unzip(archive).map((e) => e.name)).toEqual(['ok.conf']);
  });

  it('stops after 256 entries', () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 300; i++) files[`t${i}.conf`] = text('[Interface]\n');
    expect(fflateZip.unzip(zipSync(files))).toHaveLength(256);
  });

  it('throws on bytes that are not a zip', () => {
    expect(() => fflateZip.unzip(text('not a zip at all'))).toThrow();
  });
});
