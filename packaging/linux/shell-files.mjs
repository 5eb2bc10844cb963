// electron-builder's beforePack hook (electron-builder.yml): the shells' completion scripts and the manual page,
// made by the compiled `warren` itself from its command table and help texts (`warren completion SHELL`,
// `warren man`), so what the .deb installs (deb.fpm maps build/share/) is what this very build's command does.
// Written under build/share/, which the app's own files leave out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where each file goes under build/share/, and the `warren` arguments that make it. */
export const SHELL_FILES = [
  ['completions/warren.bash', ['completion', 'bash']],
  ['completions/_warren', ['completion', 'zsh']],
  ['completions/warren.fish', ['completion', 'fish']],
  ['man/warren.1.gz', ['man']],
];

export function writeShellFiles(projectDir) {
  const warren = join(projectDir, 'bin', 'warren.js');
  for (const [file, args] of SHELL_FILES) {
    const text = execFileSync(process.execPath, [warren, ...args], { env: { ...process.env, LANG: 'C.UTF-8' } });
    const path = join(projectDir, 'build', 'share', file);
    mkdirSync(join(path, '..'), { recursive: true });
    // Debian's man pages are gzipped at the highest level, with no name or time in the header (reproducible).
    writeFileSync(path, file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text, { mode: 0o644 });
  }
}

export default async function beforePack(context) {
  writeShellFiles(context.packager.projectDir);
}
