// Import and export against the real helper (in-process, temporary store): its `import` judges each file and
// answers errors at FILE:LINE. Zip archives go through the real codec (fflate).
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HelperConnection } from './helper-connection.js';
import { exportAllZip, importFiles, importPathsFromArgv, readImportData, readImportPaths } from './import-export.js';
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

const read = { readFile: (path: string) => readFile(path), zip: fflateZip };

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
    expect(results[0].errors).toEqual(['notes.txt: not a WireGuard configuration (.conf) or an archive of them (.zip)']);
    expect(results[1].errors[0]).toMatch(/^absent\.conf: cannot be read: .*ENOENT/);
    expect(results[3].errors.length).toBeGreaterThan(0);
    expect(results[3].errors[0]).toMatch(/^bad\.conf:3: /);
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
    expect(results[1].errors[0]).toMatch(/^all\.zip\/tunnels\/b\.conf:\d+: /);
  });

  it('answers a corrupt archive with one error for it, and reads the other files', async () => {
    writeFileSync(join(files, 'all.zip'), 'PK');
    writeFileSync(join(files, 'home.conf'), testConfig());
    const { files: good, failures } = await readImportPaths([join(files, 'all.zip'), join(files, 'home.conf')], read);
    expect(good.map((f) => f.filename)).toEqual(['home.conf']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ filename: 'all.zip', ok: false, warnings: [] });
    expect(failures[0].errors).toHaveLength(1);
    expect(failures[0].errors[0]).toMatch(/^all\.zip: /);
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
    expect(failures[0].errors).toEqual(['bin.conf: not UTF-8 text']);
  });
});

describe('export', () => {
  it('zips every stored tunnel with its private key', async () => {
    await importFiles(connection, [{ filename: 'home.conf', text: testConfig() }]);
    const archive = await exportAllZip(connection, fflateZip);
    const entries = fflateZip.unzip(archive);
    expect(entries.map((e) => e.name)).toEqual(['home.conf']);
    expect(new TextDecoder().decode(entries[0].data)).toContain(`PrivateKey = ${TEST_KEY}`);
  });
});

describe('importPathsFromArgv', () => {
  it('takes the .conf and .zip arguments, resolved against the working directory', () => {
    expect(importPathsFromArgv(['--hidden', 'home.conf', '/tmp/ALL.ZIP', 'file:///tmp/x.conf', '.', 'notes.txt'], '/home/alice')).toEqual([
      '/home/alice/home.conf',
      '/tmp/ALL.ZIP',
      '/tmp/x.conf',
    ]);
  });
});
