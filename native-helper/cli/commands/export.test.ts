// `warren export` and `warren qr`, in-process against the whole helper in memory: what a member may read (its own
// tunnels) is exported or shown with its key, the rest is left out with a line each; the QR code, read back by
// an independent decoder (jsQR), is exactly the exported text.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import jsQRModule from 'jsqr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyPair, tunnelText } from '../../daemon/testing/memory-tunnels.js';
import { runCli } from '../run.js';
import { ALICE, BOB, MemoryHelper, ROOT } from '../testing/memory-helper.js';
import { memoryIo } from '../testing/memory-io.js';
import { qrCommand } from './qr.js';

type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
// jsqr is CommonJS with `exports.default`: Node's loader gives the exports object.
const jsQR = ((jsQRModule as unknown as { default?: Decode }).default ?? jsQRModule) as Decode;

let helper: MemoryHelper;
const texts = new Map<string, string>();
beforeEach(async () => {
  helper = await MemoryHelper.start();
  texts.clear();
  for (const [name, owner] of [
    ['home', ALICE],
    ['office', ALICE],
    ['bobs', BOB],
  ] as const) {
    const text = tunnelText({ key: keyPair(), address: '10.9.0.1/24', peer: keyPair(), allowedIps: '10.9.0.0/24' });
    texts.set(name, text);
    const file = join(helper.directory, `${name}.conf`);
    writeFileSync(file, text);
    helper.as(owner);
    expect(await runCli(['import', file], memoryIo(), 'v')).toBe(0);
  }
});
afterEach(async () => helper.close());

async function warren(uid: number, args: string[], options: { terminal?: boolean } = {}) {
  helper.as(uid);
  const io = memoryIo(options);
  const status = await runCli(args, io, 'v');
  return { status, out: io.out, err: io.err, bytes: io.bytes };
}

const entries = (zip: Uint8Array) =>
  Object.fromEntries(Object.entries(unzipSync(zip)).map(([name, data]) => [name, Buffer.from(data).toString()]));

describe('warren export', () => {
  it("exports one of the caller's tunnels as its text, key included", async () => {
    const result = await warren(ALICE, ['export', 'home']);
    expect(result).toMatchObject({ status: 0, err: '' });
    expect(result.bytes.toString()).toBe(texts.get('home'));
  });

  it('zips every tunnel the caller may read, and says for each other one that it was left out (exit 1)', async () => {
    const result = await warren(ALICE, ['export']);
    expect(result.status).toBe(1);
    expect(entries(result.bytes)).toEqual({ 'home.conf': texts.get('home'), 'office.conf': texts.get('office') });
    expect(result.err).toBe(
      'warren: bobs: not exported: bobs belongs to bob; only bob or an administrator may export it\n',
    );
    const all = await warren(ROOT, ['export']);
    expect(all.status).toBe(0);
    expect(Object.keys(entries(all.bytes)).sort()).toEqual(['bobs.conf', 'home.conf', 'office.conf']);
  });

  it('writes -o FILE 0600: a zip, or the text for a .conf; names nothing it may not read', async () => {
    const zip = join(helper.directory, 'out', 'backup.zip');
    const conf = join(helper.directory, 'out', 'home.conf');
    mkdirSync(join(helper.directory, 'out'), { mode: 0o755 });
    writeFileSync(zip, 'an older file, world readable', { mode: 0o644 });
    const written = await warren(BOB, ['export', 'bobs', 'home', 'nosuch', '-o', zip]);
    expect(written.status).toBe(1);
    expect(written.out).toBe(`${zip}: bobs\n`);
    expect(written.err).toBe(
      'warren: home: not exported: home belongs to alice; only alice or an administrator may export it\n' +
        'warren: nosuch: not exported: no stored tunnel is named nosuch (see warren list)\n',
    );
    expect(statSync(zip).mode & 0o777).toBe(0o600);
    expect(entries(readFileSync(zip))).toEqual({ 'bobs.conf': texts.get('bobs') });

    expect((await warren(ALICE, ['export', 'home', '-o', conf])).status).toBe(0);
    expect(readFileSync(conf, 'utf8')).toBe(texts.get('home'));
    expect(statSync(conf).mode & 0o777).toBe(0o600);

    const nothing = await warren(BOB, ['export', 'home', '-o', join(helper.directory, 'out', 'none.zip')]);
    expect(nothing.status).toBe(1);
    expect(nothing.err).toContain('warren: nothing to export\n');
    expect(existsSync(join(helper.directory, 'out', 'none.zip'))).toBe(false);
  });

  it('refuses a zip to a terminal and a .conf FILE for several tunnels, as usage errors', async () => {
    const terminal = await warren(ALICE, ['export'], { terminal: true });
    expect(terminal.status).toBe(2);
    expect(terminal.err).toContain('a zip archive is not for a terminal');
    expect((await warren(ALICE, ['export', 'home', 'office', '-o', 'x.conf'])).status).toBe(2);
    expect((await warren(ALICE, ['export', '-o'])).status).toBe(2);
    expect((await warren(ALICE, ['export', '--frobnicate'])).status).toBe(2);
  });
});

// eslint-disable-next-line no-control-regex -- the terminal's colour codes are what it finds
const COLOUR_CODE = /\x1b\[[0-9;]*m/g;

/** The half blocks back into modules (dark = ink), drawn black on white, read by jsQR. */
function decodeHalfBlocks(printed: string): string | null {
  const lines = printed.replaceAll(COLOUR_CODE, '').split('\n').slice(0, -1);
  const rows: boolean[][] = [];
  for (const line of lines) {
    const chars = [...line];
    rows.push(chars.map((c) => c === '█' || c === '▀'));
    rows.push(chars.map((c) => c === '█' || c === '▄'));
  }
  const scale = 4;
  const margin = 4;
  const side = (rows[0]!.length + 2 * margin) * scale;
  const height = (rows.length + 2 * margin) * scale;
  const rgba = new Uint8ClampedArray(side * height * 4).fill(255);
  rows.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const at = (((y + margin) * scale + dy) * side + (x + margin) * scale + dx) * 4;
          rgba.fill(0, at, at + 3);
        }
    }),
  );
  return jsQR(rgba, side, height)?.data ?? null;
}

describe('warren qr', () => {
  it('prints the exported text as a QR code of half blocks that decodes back to it', async () => {
    const exported = (await warren(ALICE, ['export', 'home'])).bytes.toString();
    const result = await warren(ALICE, ['qr', 'home']);
    expect(result.status, result.err).toBe(0);
    expect(result.out).toMatch(/^[ ▀▄█\n]+$/);
    expect(decodeHalfBlocks(result.out)).toBe(exported);
    expect(result.err).toContain('It holds the private key of home.');
  });

  it('sets its colours on a terminal, unless NO_COLOR', async () => {
    helper.as(ALICE);
    const coloured = memoryIo({ terminal: true });
    expect(await qrCommand({}).run(['home'], coloured)).toBe(0);
    const first = coloured.out.split('\n')[0]!;
    expect(first.startsWith('\x1b[30;107m') && first.endsWith('\x1b[0m')).toBe(true);
    expect(first.replaceAll(COLOUR_CODE, '')).toMatch(/^[ ▀▄█]+$/);
    expect(decodeHalfBlocks(coloured.out)).toBe(texts.get('home'));
    const plain = memoryIo({ terminal: true });
    expect(await qrCommand({ NO_COLOR: '1' }).run(['home'], plain)).toBe(0);
    expect(plain.out).not.toContain('\x1b');
  });

  it("refuses another owner's tunnel, saying whose it is, and a text too long for a QR code", async () => {
    const refused = await warren(BOB, ['qr', 'home']);
    expect(refused).toMatchObject({ status: 1, out: '' });
    expect(refused.err).toBe(
      'warren: home belongs to alice; only alice or an administrator may show the QR code of it\n',
    );
    const long = `${texts.get('home')}${'# a long comment that makes it too long for any QR code\n'.repeat(60)}`;
    await helper.call((client) => client.call('update', { name: 'home', text: long }));
    const tooLong = await warren(ALICE, ['qr', 'home']);
    expect(tooLong.status).toBe(1);
    expect(tooLong.err).toMatch(/^warren: home is too long for a QR code: \d+ bytes, at most 2953/);
  });
});
