/*
 * electron-builder, run for real on this project's electron-builder.yml, as far as this machine allows: the
 * app's unpacked tree (what both the .deb and the AppImage pack) is built with a stand-in for Electron's
 * directory (electron-stand-in.ts), and the .deb target runs up to the point where it would start fpm, which
 * cannot be downloaded here. electron-builder's `effectiveOptionComputed` hook hands over fpm's arguments at
 * that point (every file going into the package as SOURCE=/installed/path, the maintainer scripts as
 * electron-builder rendered them) and the desktop entry it wrote; returning true stops before fpm.
 * usocket is not rebuilt for Electron (npmRebuild: false): that needs Electron's headers, also not here.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arch, Platform, build } from 'electron-builder';
import { makeElectronStandIn, STAND_IN_ELECTRON_VERSION } from './electron-stand-in.js';

export const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

export interface DebPlan {
  /** fpm's arguments, as electron-builder would run it. */
  args: string[];
  /** SOURCE → installed path, for every file or directory mapped into the package. */
  files: Map<string, string>;
  postinst: string;
  postrm: string;
  /** The --before-remove script (passed through deb.fpm). */
  prerm: string;
  desktopEntry: string;
}

export interface BuiltPackage {
  /** linux-unpacked: what the .deb installs as /opt/Warren and the AppImage mounts. */
  appDirectory: string;
  deb: DebPlan;
}

/**
 * What fpm would make of the plan, made with dpkg-deb instead (fpm is not here): the files at their installed
 * paths with their modes, the maintainer scripts as they are (fpm copies a deb's scripts verbatim when no
 * upgrade scripts are given), and a control file from fpm's arguments and the yml's depends and recommends.
 */
export function assembleDeb(
  plan: DebPlan,
  config: { depends: string[]; recommends: string[] },
  workDirectory: string,
): string {
  const stage = join(workDirectory, 'deb-root');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'DEBIAN'), { recursive: true });
  for (const [source, target] of plan.files) {
    const from = isAbsolute(source) ? source : join(PROJECT, source);
    mkdirSync(dirname(join(stage, target)), { recursive: true });
    cpSync(from.replace(/\/$/, ''), join(stage, target), { recursive: true, verbatimSymlinks: true });
  }
  const arg = (flag: string) => plan.args[plan.args.indexOf(flag) + 1];
  const description = arg('--description');
  if (description === undefined) throw new Error('fpm is given no --description');
  const [synopsis, ...long] = description.split('\n');
  const control = [
    `Package: ${arg('--name')}`,
    `Version: ${arg('--version')}`,
    `Architecture: ${arg('--architecture')}`,
    `Maintainer: ${arg('--maintainer')}`,
    `Depends: ${config.depends.join(', ')}`,
    `Recommends: ${config.recommends.join(', ')}`,
    `Priority: ${arg('--deb-priority')}`,
    `Homepage: ${arg('--url')}`,
    `Description: ${synopsis}`,
    ...long.map((line) => ` ${line.trim() || '.'}`),
  ];
  writeFileSync(join(stage, 'DEBIAN', 'control'), control.join('\n') + '\n');
  for (const [name, text] of [
    ['postinst', plan.postinst],
    ['prerm', plan.prerm],
    ['postrm', plan.postrm],
  ] as const) {
    writeFileSync(join(stage, 'DEBIAN', name), text, { mode: 0o755 });
  }
  const deb = join(workDirectory, `${arg('--name')}_${arg('--version')}_${arg('--architecture')}.deb`);
  const result = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', stage, deb], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`dpkg-deb --build failed: ${result.stderr}`);
  return deb;
}

export async function buildPackage(workDirectory: string): Promise<BuiltPackage> {
  const electronDist = makeElectronStandIn(join(workDirectory, 'electron'));
  const output = join(workDirectory, 'dist');
  let deb: DebPlan | null = null;
  await build({
    projectDir: PROJECT,
    targets: Platform.LINUX.createTarget(['deb'], Arch.x64),
    publish: 'never',
    config: {
      electronDist,
      electronVersion: STAND_IN_ELECTRON_VERSION,
      npmRebuild: false,
      directories: { output },
    },
    effectiveOptionComputed: async (computed: unknown) => {
      if (!Array.isArray(computed) || !Array.isArray(computed[0])) return false;
      const [args, desktopPath] = computed as [string[], string];
      // The temporary files go when the build ends: read them now.
      const value = (flag: string) => {
        const at = args.indexOf(flag);
        const given = at < 0 ? undefined : args[at + 1];
        if (given === undefined) throw new Error(`fpm is given no ${flag}`);
        return given;
      };
      const beforeRemove = args.find((arg) => arg.startsWith('--before-remove='))?.slice('--before-remove='.length);
      // The desktop entry is one of those temporary files: kept here, and mapped from here.
      const desktopCopy = join(workDirectory, 'deb', 'warren.desktop');
      mkdirSync(join(workDirectory, 'deb'), { recursive: true });
      copyFileSync(desktopPath, desktopCopy);
      const files = new Map<string, string>();
      for (const arg of args) {
        const eq = arg.indexOf('=');
        if (!arg.startsWith('-') && eq > 0)
          files.set(arg.slice(0, eq) === desktopPath ? desktopCopy : arg.slice(0, eq), arg.slice(eq + 1));
      }
      deb = {
        args: [...args],
        files,
        postinst: readFileSync(value('--after-install'), 'utf8'),
        postrm: readFileSync(value('--after-remove'), 'utf8'),
        prerm: beforeRemove === undefined ? '' : readFileSync(join(PROJECT, beforeRemove), 'utf8'),
        desktopEntry: readFileSync(desktopPath, 'utf8'),
      };
      return true;
    },
  });
  if (deb === null) throw new Error('electron-builder did not reach fpm');
  return { appDirectory: join(output, 'linux-unpacked'), deb };
}
