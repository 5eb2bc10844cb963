// Import and export against the real helper (in-process, temporary store): its `import` judges each file and
// answers errors at FILE:LINE. Zip archives go through a stand-in codec (the library is not a dependency yet).
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../shared/ipc/control-client.js';
import { HelperConnection } from './helper-connection.js';
import { ZIP_UNAVAILABLE, type ZipCodec, type ZipEntry, exportAllZip, importFiles, importPathsFromArgv, noZip, readImportPaths } from './import-export.js';
import { TEST_KEY, type RealHelper, realHelper, testConfig } from './testing/real-helper.js';

/** A stand-in codec: an "archive" is the JSON of its entries. */
const jsonZip: ZipCodec = {
  unzip: (archive) => (JSON.parse(new TextDecoder().decode(archive)) as { name: string; text: string }[]).map((e) => ({ name: e.name, data: new TextEncoder().encode(e.text) })),
  zip: (entries: ZipEntry[]) => new TextEncoder().encode(JSON.stringify(entries.map((e) => ({ name: e.name, text: new TextDecoder().decode(e.data) })))),
};

let helper: RealHelper;
let connection: HelperConnection;
let files: string;

beforeEach(async () => {
  helper = realHelper();
  await helper.start();
  files = join(helper.directory, 'files');
  mkdirSync(files);
  const path = helper.socketPath;
  connection = new HelperConnection({ connect: () => ControlClient.connect(path), initialRetryMs: 20 });
  const connected = new Promise<void>((resolve) => connection.onConnected(resolve));
  connection.start();
  await connected;
});
afterEach(async () => {
  connection.stop();
  await helper.dispose();
});

const read = { readFile: (path: string) => readFile(path), zip: jsonZip };

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
    const archive = jsonZip.zip([
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

  it('says per archive that zip is not supported while there is no zip library', async () => {
    writeFileSync(join(files, 'all.zip'), 'PK');
    const { failures } = await readImportPaths([join(files, 'all.zip')], { readFile: (p) => readFile(p), zip: noZip });
    expect(failures).toEqual([{ filename: 'all.zip', ok: false, errors: [`all.zip: ${ZIP_UNAVAILABLE}`], warnings: [] }]);
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
    const archive = await exportAllZip(connection, jsonZip);
    const entries = jsonZip.unzip(archive);
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
