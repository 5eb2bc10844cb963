import { describe, expect, it } from 'vitest';
import { fakeApi } from '../../testing/fake-api.js';
import { ARCHIVE_TOO_LARGE, Importer, NOT_A_CONF } from './importer.svelte.js';
import { outcomeView, splitDiagnostic } from './outcome-view.js';

const file = (name: string, text: string, size = text.length) => ({
  name,
  size,
  text: async () => text,
  arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
});

describe('splitDiagnostic', () => {
  it('splits FILE:LINE: message and warnings', () => {
    expect(splitDiagnostic('a.conf', 'a.conf:3: bad key')).toEqual({ line: 3, message: 'bad key' });
    expect(splitDiagnostic('a.conf', 'a.conf:7: warning: no DNS')).toEqual({ line: 7, message: 'no DNS' });
    expect(splitDiagnostic('a.conf', 'a.conf: cannot read')).toEqual({ message: 'cannot read' });
    expect(splitDiagnostic('a.conf', 'helper gone')).toEqual({ message: 'helper gone' });
  });

  it('puts the line text beside each problem, in line order', () => {
    const view = outcomeView(
      { filename: 'x.conf', ok: false, errors: ['x.conf:2: no', 'x.conf:1: first'], warnings: [] },
      'one\ntwo\n',
    );
    expect(view.problems).toEqual([
      { severity: 'error', line: 1, message: 'first', source: 'one' },
      { severity: 'error', line: 2, message: 'no', source: 'two' },
    ]);
  });
});

describe('Importer', () => {
  it('sends dropped .conf files as text and refuses others without asking main', async () => {
    const api = fakeApi({
      importFiles: async (files) =>
        files.map((f) =>
          f.filename === 'bad.conf'
            ? { filename: f.filename, ok: false, errors: ['bad.conf:2: unknown key "Foo"'], warnings: [] }
            : { filename: f.filename, ok: true, name: 'good', errors: [], warnings: [] },
        ),
    });
    const importer = new Importer(api);
    await importer.fromDropped([
      file('good.conf', '[Interface]\n'),
      file('bad.conf', '[Interface]\nFoo = 1\n'),
      file('photo.png', ''),
    ]);
    expect(api.calls.find((c) => c.name === 'importFiles')?.args).toEqual([
      [
        { filename: 'good.conf', text: '[Interface]\n' },
        { filename: 'bad.conf', text: '[Interface]\nFoo = 1\n' },
      ],
    ]);
    expect(importer.imported).toBe(1);
    expect(importer.results.find((r) => r.filename === 'bad.conf')?.problems).toEqual([
      { severity: 'error', line: 2, message: 'unknown key "Foo"', source: 'Foo = 1' },
    ]);
    expect(importer.results.find((r) => r.filename === 'photo.png')?.problems[0]!.message).toBe(NOT_A_CONF);
  });

  it('sends dropped .zip archives as bytes for main to unpack, and refuses one too large without reading it', async () => {
    const api = fakeApi({
      importArchives: async (archives) => [
        { filename: `${archives[0]!.filename}/home.conf`, ok: true, name: 'home', errors: [], warnings: [] },
        {
          filename: `${archives[0]!.filename}/bad.conf`,
          ok: false,
          errors: [`${archives[0]!.filename}/bad.conf:1: not a section`],
          warnings: [],
        },
      ],
    });
    const importer = new Importer(api);
    await importer.fromDropped([file('all.zip', 'PK-bytes'), file('huge.zip', '', 64 * 1024 * 1024)]);
    const call = api.calls.find((c) => c.name === 'importArchives');
    expect(call?.args).toEqual([[{ filename: 'all.zip', data: new TextEncoder().encode('PK-bytes') }]]);
    expect(importer.results.map((r) => [r.filename, r.ok])).toEqual([
      ['all.zip/home.conf', true],
      ['all.zip/bad.conf', false],
      ['huge.zip', false],
    ]);
    expect(importer.results[1]!.problems[0]).toMatchObject({ line: 1, message: 'not a section' });
    expect(importer.results[2]!.problems[0]!.message).toBe(ARCHIVE_TOO_LARGE);
  });

  it('keeps the shown results when the dialog is cancelled, and reports a failed call', async () => {
    let fail = false;
    const api = fakeApi({ importWithDialog: async () => (fail ? Promise.reject(new Error('boom')) : []) });
    const importer = new Importer(api);
    importer.start();
    api.emitImported([{ filename: 'opened.conf', ok: true, name: 'opened', errors: [], warnings: [] }]);
    await importer.fromDialog();
    expect(importer.results.map((r) => r.filename)).toEqual(['opened.conf']);
    fail = true;
    await importer.fromDialog();
    expect(importer.failure).toBe('Import failed: boom');
    expect(importer.busy).toBe(false);
  });
});
