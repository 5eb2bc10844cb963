import { describe, expect, it } from 'vitest';
import { en, strings, stringsFor, type MainStrings } from './strings.js';
import { type CatalogSamples, catalogPaths, emptyCatalogEntries } from '../shared/testing/catalog-check.js';

const samples: CatalogSamples<MainStrings> = {
  tray: { tooltip: [['home on']] },
  notice: {
    connected: [['home']],
    disconnected: [['home']],
    failed: [
      ['home', 'no handshake'],
      ['home', undefined],
    ],
    helperGone: [
      [[], 'It stopped.'],
      [['home'], 'It stopped.'],
      [['home', 'work'], 'It stopped.'],
    ],
    exported: [
      [1, '/home/ann/warren-tunnels.zip'],
      [3, '/home/ann/warren-tunnels.zip'],
    ],
    exportFailed: [['no space left on device']],
  },
  export: { nothing: [[0], [2]] },
  serviceOffer: {
    detail: [['/opt/warren-helper', 'alice']],
    exited: [[1], [null]],
    noPkexec: [['sudo env ELECTRON_RUN_AS_NODE=1 …']],
  },
  connection: { cannotTalk: [['ETIMEDOUT']], protocolMismatch: [[2, 3]] },
  import: {
    unreadable: [['EACCES']],
    tooLargeArchive: [[16 * 1024 * 1024]],
    tooLargeConf: [[1024 * 1024]],
    tooManyConfigs: [[2000, 1024]],
    tooManyBytes: [[20_000_000, 16_777_216]],
    overConfigs: [[1024]],
    overBytes: [[16_777_216]],
    archive: {
      encrypted: [['home.conf']],
      method: [['home.conf', 12]],
      localHeaderDamaged: [['home.conf']],
      storedSizesDiffer: [['home.conf']],
      inflatesMore: [['home.conf', 300]],
      inflatesOther: [['home.conf', 200, 300]],
      cannotInflate: [['home.conf', 'invalid block type']],
    },
  },
  allowScripts: {
    instead: [['sudo warren set home --allow-scripts on']],
    noWarrenCommand: [[['/usr/bin/warren', '/usr/local/bin/warren'], 'run it in a terminal instead']],
    noPkexec: [['run it in a terminal instead']],
    notAuthorized: [
      ['', 'run it in a terminal instead'],
      ['No authentication agent found.', 'run it in a terminal instead'],
    ],
    commandFailed: [
      ['pkexec /usr/bin/warren set home --allow-scripts on', 1],
      ['pkexec /usr/bin/warren set home --allow-scripts on', null],
    ],
  },
  tunnels: { noSuchStored: [['home']], noImportResult: [['home']], noHandshakeAfterWake: [[30]] },
};

describe('main’s catalog', () => {
  it('has a non-empty text for every entry, and every function answers one for its sample arguments', () => {
    expect(emptyCatalogEntries(en, samples)).toEqual([]);
  });

  it('is the catalog in use, and the one for any locale, entry for entry', () => {
    expect(catalogPaths(strings)).toEqual(catalogPaths(en));
    for (const locale of ['en-US', 'de-DE', 'C'])
      expect(catalogPaths(stringsFor(locale)), locale).toEqual(catalogPaths(en));
  });
});
