/*
 * The one seam of the packaging tests: Electron's release archive cannot be downloaded here, so electron-builder
 * gets a locally assembled directory in its place (electronDist): the files it moves and renames (the `electron`
 * binary, LICENSE, LICENSES.chromium.html, chrome-sandbox, locales/, resources/, version). The `electron` here
 * is a script that does what the packaged helper asks of Electron, running a script as Node under
 * ELECTRON_RUN_AS_NODE=1, with the Node running the tests; as an app it refuses, so nothing passes for a GUI.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STAND_IN_ELECTRON_VERSION = '45.5.0';

export function makeElectronStandIn(directory: string): string {
  mkdirSync(join(directory, 'resources'), { recursive: true });
  mkdirSync(join(directory, 'locales'), { recursive: true });
  const electron = join(directory, 'electron');
  writeFileSync(
    electron,
    '#!/bin/sh\n' +
      '# Stand-in for Electron (packaging tests): only its Node mode.\n' +
      'if [ "$ELECTRON_RUN_AS_NODE" != 1 ]; then echo "stand-in Electron: only ELECTRON_RUN_AS_NODE=1 works" >&2; exit 1; fi\n' +
      `exec '${process.execPath}' "$@"\n`,
  );
  chmodSync(electron, 0o755);
  writeFileSync(join(directory, 'chrome-sandbox'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  writeFileSync(join(directory, 'LICENSE'), 'Electron stand-in: MIT\n');
  writeFileSync(join(directory, 'LICENSES.chromium.html'), '<!doctype html><title>stand-in</title>\n');
  writeFileSync(join(directory, 'locales', 'en-US.pak'), 'stand-in\n');
  writeFileSync(join(directory, 'version'), `${STAND_IN_ELECTRON_VERSION}\n`);
  return directory;
}
