// Import and export against the real helper (in-process, temporary store): its `import` judges each file and
// answers errors at FILE:LINE. Zip archives go through the real codec (fflate).
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ARCHIVE_BYTES } from '../shared/bridge/types.js';
import { MAX_CONFIG_BYTES } from '../shared/config/parse.js';
import type { HelperConnection } from './helper-connection.js';
import {
  ImportBudget,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_CONFIGS,
  exportAllZip,
  importFiles,
  importPathsFromArgv,
  readImportData,
  readImportPaths,
} from './import-export.js';
import { readImportFile, writeExportFile } from './user-files.js';
import { fflateZip } from './zip-codec.js';
import { TEST_KEY, type RealHelper, connectedTo, realHelper, testConfig } from './testing/real-helper.js';

let helper: RealHelper;
let connection: HelperConnection;
let files: string;

beforeEach(async () => {
  helper = realHelper();
  await helper.start();
  files = join(helper.directory, 'files');
  mkdirSync(files);
  connection = await connectedTo(helper);
});
afterEach(async () => {
  connection.stop();
  await helper.dispose();
});

// As the app reads: bounded, regular files only (user-files.ts).
const read = { readFile: readImportFile, zip: fflateZip };
const encode = (s: string) => new TextEncoder().encode(s);
/** An archive of `count` entries of `bytes` each (a comment line, so it compresses to nearly nothing). */
function archiveOf(count: number, bytes: number): Uint8Array {
  const data = encode(`#${'x'.repeat(bytes - 2)}\n`);
  return fflateZip.zip(Array.from({ length: count }, (_, i) => ({ name: `t${i}.conf`, data })));
}

describe('import', () => {
  it('imports .conf files and answers each file, a broken one with its errors at FILE:LINE', async () => {
    writeFileSync(join(files, 'home.conf'), testConfig());
    writeFileSync(join(files, 'bad.conf'), `[Interface]\nPrivateKey = ${TEST_KEY}\nAdress = 10.0.0.1/24\n`);
    writeFileSync(join(files, 'notes.txt'), 'hello');
    const { files: read1, failures } = await readImportPaths(
      [join(files, 'home.conf'), join(files, 'bad.conf'), join(files, 'notes.txt'), join(files, 'absent.conf')],
      read,
    );
    const results = await importFiles(connection, read1, failures);
    expect(results.map((r) => [r.filename, r.ok, r.name])).toEqual([
      ['notes.txt', false, undefined],
      ['absent.conf', false, undefined],
      ['home.conf', true, 'home'],
      ['bad.conf', false, undefined],
    ]);
    expect(results[0]!.errors).toEqual([
      'notes.txt: not a WireGuard configuration (.conf) or an archive of them (.zip)',
    ]);
    expect(results[1]!.errors[0]).toMatch(/^absent\.conf: cannot be read: .*ENOENT/);
    expect(results[3]!.errors.length).toBeGreaterThan(0);
    expect(results[3]!.errors[0]).toMatch(/^bad\.conf:3: /);
    expect((await connection.call('list', {})).map((t) => t.name)).toEqual(['home']);
  });

  it('imports pasted text under the name given, and dropped files by their names', async () => {
    const results = await importFiles(connection, [
      { filename: 'pasted.conf', text: testConfig('10.7.0.3/32'), name: 'office' },
      { filename: 'lab.conf', text: testConfig('10.7.0.4/32') },
    ]);
    expect(results.map((r) => [r.ok, r.name])).toEqual([
      [true, 'office'],
      [true, 'lab'],
    ]);
  });

  it('imports every .conf of a zip, named by archive/entry in errors, skipping macOS metadata', async () => {
    const archive = fflateZip.zip([
      { name: 'tunnels/a.conf', data: new TextEncoder().encode(testConfig('10.7.0.5/32')) },
      { name: 'tunnels/b.conf', data: new TextEncoder().encode('[Interface]\nAddress = nonsense\n') },
      { name: '__MACOSX/tunnels/._a.conf', data: new Uint8Array([0, 1, 2]) },
      { name: 'README', data: new TextEncoder().encode('hi') },
    ]);
    writeFileSync(join(files, 'all.zip'), archive);
    const { files: unpacked, failures } = await readImportPaths([join(files, 'all.zip')], read);
    const results = await importFiles(connection, unpacked, failures);
    expect(results.map((r) => [r.filename, r.ok])).toEqual([
      ['all.zip/tunnels/a.conf', true],
      ['all.zip/tunnels/b.conf', false],
    ]);
    expect(results[1]!.errors[0]).toMatch(/^all\.zip\/tunnels\/b\.conf:\d+: /);
  });

  it('answers a corrupt archive with one error for it, and reads the other files', async () => {
    writeFileSync(join(files, 'all.zip'), 'PK');
    writeFileSync(join(files, 'home.conf'), testConfig());
    const { files: good, failures } = await readImportPaths([join(files, 'all.zip'), join(files, 'home.conf')], read);
    expect(good.map((f) => f.filename)).toEqual(['home.conf']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ filename: 'all.zip', ok: false, warnings: [] });
    expect(failures[0]!.errors).toHaveLength(1);
    expect(failures[0]!.errors[0]).toMatch(/^all\.zip: /);
  });

  it('unpacks archives that came as bytes (dropped on the window) as it does archives on disk', async () => {
    const archive = fflateZip.zip([
      { name: 'a.conf', data: new TextEncoder().encode(testConfig()) },
      { name: 'notes.txt', data: new TextEncoder().encode('hello') },
    ]);
    const { files: read1, failures } = readImportData(
      [
        { filename: 'dropped.zip', data: archive },
        { filename: 'broken.zip', data: new TextEncoder().encode('PK') },
      ],
      fflateZip,
    );
    expect(read1.map((f) => f.filename)).toEqual(['dropped.zip/a.conf']);
    expect(failures.map((f) => f.filename)).toEqual(['broken.zip']);
    const results = await importFiles(connection, read1, failures);
    expect(results.map((r) => [r.filename, r.ok, r.name])).toEqual([
      ['broken.zip', false, undefined],
      ['dropped.zip/a.conf', true, 'a'],
    ]);
  });

  it('refuses text that is not UTF-8', async () => {
    writeFileSync(join(files, 'bin.conf'), Buffer.from([0xff, 0xfe, 0x00]));
    const { failures } = await readImportPaths([join(files, 'bin.conf')], read);
    expect(failures[0]!.errors).toEqual(['bin.conf: not UTF-8 text']);
  });

  it('refuses a huge .conf or .zip, /dev/zero and a FIFO by their names, reading no more than the bound', async () => {
    for (const [name, bytes] of [
      ['huge.conf', 10 * 1024 ** 3],
      ['huge.zip', 10 * 1024 ** 3],
    ] as const) {
      const fd = openSync(join(files, name), 'w');
      ftruncateSync(fd, bytes);
      closeSync(fd);
    }
    execFileSync('ln', ['-s', '/dev/zero', join(files, 'zero.conf')]);
    execFileSync('mkfifo', [join(files, 'pipe.conf')]);
    const { files: read1, failures } = await readImportPaths(
      ['huge.conf', 'huge.zip', 'zero.conf', 'pipe.conf'].map((n) => join(files, n)),
      read,
    );
    expect(read1).toEqual([]);
    expect(failures.map((f) => f.errors)).toEqual([
      [`huge.conf: larger than ${MAX_CONFIG_BYTES} bytes, not a WireGuard configuration`],
      [`huge.zip: larger than ${MAX_ARCHIVE_BYTES} bytes, too large for an archive of WireGuard configurations`],
      [`zero.conf: larger than ${MAX_CONFIG_BYTES} bytes, not a WireGuard configuration`],
      ['pipe.conf: cannot be read: is a FIFO (a pipe), not a regular file'],
    ]);
  });

  it('answers an entry of an archive larger than a config by its name, and imports the others', () => {
    const archive = fflateZip.zip([
      { name: 'huge.conf', data: new Uint8Array(MAX_CONFIG_BYTES + 1) },
      { name: 'ok.conf', data: encode(testConfig()) },
    ]);
    const { files: read1, failures } = readImportData([{ filename: 'all.zip', data: archive }], fflateZip);
    expect(read1.map((f) => f.filename)).toEqual(['all.zip/ok.conf']);
    expect(failures.map((f) => f.errors)).toEqual([
      [`all.zip/huge.conf: larger than ${MAX_CONFIG_BYTES} bytes, not a WireGuard configuration`],
    ]);
  });

  it('bounds the bytes one import unpacks across all its archives, refusing the archive that goes over by name', () => {
    // Each archive unpacks to 30 x 200,000 = 6,000,000 bytes: two fit in MAX_IMPORT_BYTES, three do not.
    const archive = archiveOf(30, 200_000);
    const { files: read1, failures } = readImportData(
      ['a.zip', 'b.zip', 'c.zip'].map((filename) => ({ filename, data: archive })),
      fflateZip,
    );
    expect(read1).toHaveLength(60);
    expect(failures.map((f) => [f.filename, f.errors])).toEqual([
      [
        'c.zip',
        [
          `c.zip: not imported: with the files before it, this import would take more than ${MAX_IMPORT_BYTES} bytes of configurations; import it on its own`,
        ],
      ],
    ]);
  });

  it('refuses a zip bomb by the sizes it declares, before inflating it', () => {
    // 100 entries of 250,000 bytes, each within a config's bound, 25 MB in all, in an archive of a few KB.
    const bomb = archiveOf(100, 250_000);
    expect(bomb.length).toBeLessThan(200_000);
    const { files: read1, failures } = readImportData([{ filename: 'bomb.zip', data: bomb }], fflateZip);
    expect(read1).toEqual([]);
    expect(failures[0]!.errors).toEqual([
      `bomb.zip: its configurations come to 25000000 bytes, more than the ${MAX_IMPORT_BYTES} one import takes; split it`,
    ]);
  });

  it('bounds the number of configurations one import takes, from files and archives together', async () => {
    const many = archiveOf(MAX_IMPORT_CONFIGS + 1, 20);
    expect(readImportData([{ filename: 'many.zip', data: many }], fflateZip).failures[0]!.errors).toEqual([
      `many.zip: has ${MAX_IMPORT_CONFIGS + 1} configurations, more than the ${MAX_IMPORT_CONFIGS} one import takes; split it`,
    ]);
    writeFileSync(join(files, 'full.zip'), archiveOf(MAX_IMPORT_CONFIGS, 20));
    writeFileSync(join(files, 'one.conf'), testConfig());
    const { files: read1, failures } = await readImportPaths([join(files, 'full.zip'), join(files, 'one.conf')], read);
    expect(read1).toHaveLength(MAX_IMPORT_CONFIGS);
    expect(failures.map((f) => f.errors)).toEqual([
      [
        `one.conf: not imported: with the files before it, this import would take more than ${MAX_IMPORT_CONFIGS} configurations; import it on its own`,
      ],
    ]);
  });

  it('sends files in requests within the message bound, so large texts get their answers and the connection stays', async () => {
    // 6 x ~900 KB: one request of 5.4 MB would be over MAX_CONTROL_MESSAGE_BYTES, and the helper would drop it.
    const large = Array.from({ length: 6 }, (_, i) => ({
      filename: `large${i}.conf`,
      text: `#${'x'.repeat(900_000)}\n`,
    }));
    // JSON makes each control character six bytes: 6 MiB for this one, more than any request; it is not sent.
    const escaped = { filename: 'escaped.conf', text: '\u0001'.repeat(1024 * 1024) };
    const results = await importFiles(connection, [
      ...large.slice(0, 3),
      escaped,
      ...large.slice(3),
      { filename: 'home.conf', text: testConfig() },
    ]);
    expect(results.map((r) => r.filename)).toEqual([
      'large0.conf',
      'large1.conf',
      'large2.conf',
      'escaped.conf',
      'large3.conf',
      'large4.conf',
      'large5.conf',
      'home.conf',
    ]);
    for (const result of results.filter((r) => r.filename.startsWith('large')))
      expect(result.errors).toEqual([expect.stringMatching(/^large\d\.conf:1: .*larger than 262144 bytes/)]);
    expect(results[3]!.errors).toEqual([
      expect.stringMatching(/^escaped\.conf: too large to send to the Warren helper/),
    ]);
    expect(results[7]).toMatchObject({ ok: true, name: 'home' });
    expect((await connection.call('list', {})).map((t) => t.name)).toEqual(['home']);
  });
});

describe('export', () => {
  it('zips every stored tunnel with its private key', async () => {
    await importFiles(connection, [{ filename: 'home.conf', text: testConfig() }]);
    const archive = await exportAllZip(connection, fflateZip);
    const entries = fflateZip.unzip(archive, {
      wanted: () => true,
      maxEntryBytes: MAX_CONFIG_BYTES,
      budget: new ImportBudget(),
    });
    expect(entries.map((e) => e.name)).toEqual(['home.conf']);
    expect(new TextDecoder().decode(entries[0]!.data!)).toContain(`PrivateKey = ${TEST_KEY}`);
  });

  it('writes the export 0600 over an existing 0644 file, with the new content', async () => {
    await importFiles(connection, [{ filename: 'home.conf', text: testConfig() }]);
    const path = join(files, 'warren-tunnels.zip');
    writeFileSync(path, 'an older file', { mode: 0o644 });
    const archive = await exportAllZip(connection, fflateZip);
    const expected = archive.slice();
    await writeExportFile(path, archive);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(new Uint8Array(readFileSync(path))).toEqual(expected);
  });
});

describe('importPathsFromArgv', () => {
  it('takes the .conf and .zip arguments, resolved against the working directory', () => {
    expect(
      importPathsFromArgv(
        ['--hidden', 'home.conf', '/tmp/ALL.ZIP', 'file:///tmp/x.conf', '.', 'notes.txt'],
        '/home/alice',
      ),
    ).toEqual(['/home/alice/home.conf', '/tmp/ALL.ZIP', '/tmp/x.conf']);
  });
});
