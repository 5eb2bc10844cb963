// The package as built by electron-builder from electron-builder.yml (build-package.ts: real electron-builder,
// a stand-in Electron directory, stopped where fpm would start): the unpacked layout and what the helper needs
// of it under plain Node, the files the .deb installs and their modes, the desktop entry (desktop-file-validate)
// and the MIME type (update-mime-database); then the .deb (assembled with dpkg-deb from that plan) installed,
// upgraded, removed and purged by dpkg in a throwaway root, and the AppImage's `warren service install` in another;
// in both, polkitd and pkexec read the polkit action as installed (polkit-authority.ts), and a `warren` group that
// is there before and is not a system group is refused.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importPathsFromArgv } from '../../main/import-export.js';
import { HELPER_RUNTIME_FLAGS } from '../../native-helper/cli/helper-connection.js';
import { hasDbusDaemon } from '../../native-helper/platform/linux/testing/fake-logind.js';
import { assembleDeb, type BuiltPackage, buildPackage, PROJECT } from './build-package.js';
import { canRunPolkit, readPolkit } from './polkit-authority.js';
import { canUseThrowawayRoot, ThrowawayRoot } from './throwaway-root.js';

/** What the installed unit runs: the helper directory's binary with the helper's V8 flags. */
const HELPER_COMMAND = `/opt/warren-helper/warren ${HELPER_RUNTIME_FLAGS.join(' ')} /opt/warren-helper/resources/app.asar.unpacked/bin/warren.js daemon`;

const VERSION = (JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as { version: string }).version;
const VALID_CONF =
  '[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.0.0.2/32\n\n' +
  '[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = 10.0.0.0/24\nEndpoint = 192.0.2.1:51820\n';
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const mode = (path: string) => statSync(path).mode & 0o7777;
const POLICY_PATH = '/usr/share/polkit-1/actions/app.warren.policy';
/** A throwaway root without the machine's own `warren` user or group, if it has them: each test makes its own. */
const freshRoot = (): ThrowawayRoot => {
  const root = new ThrowawayRoot();
  const cleared = root.run(
    'if getent passwd warren >/dev/null; then userdel warren; fi; if getent group warren >/dev/null; then groupdel warren; fi; getent group warren || echo none',
  );
  if (cleared.stdout !== 'none\n')
    throw new Error(`could not clear the group warren in the throwaway root: ${cleared.stderr}`);
  return root;
};
/** What the message of a refused `warren` group says, from postinst and from `warren service install` alike. */
const REFUSAL = [
  'exists, but it is not a system group',
  "The Warren helper runs as root and takes orders from the members of the group warren, so an ordinary user's group would let that user, and whoever is put in it, control the root helper",
  'Rename that group (sudo groupmod -n NEW-NAME warren: its gid, members and files stay as they are), or give its users a different group and delete it (sudo groupdel warren)',
];

const work = mkdtempSync(join(tmpdir(), 'warren-package-'));
let built: BuiltPackage;
let app: string;
let unpacked: string;

beforeAll(async () => {
  built = await buildPackage(work);
  app = built.appDirectory;
  unpacked = join(app, 'resources', 'app.asar.unpacked');
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (command: string, args: string[], env: Record<string, string> = {}, input = '') => {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    input,
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('the unpacked app (linux-unpacked: the .deb and the AppImage hold this tree)', () => {
  it('has the Electron binary as `warren`, the `warren` command, the unit and the polkit action beside the app', () => {
    expect(mode(join(app, 'warren'))).toBe(0o755);
    expect(mode(join(app, 'bin', 'warren'))).toBe(0o755);
    expect(readFileSync(join(app, 'bin', 'warren'), 'utf8')).toBe(
      readFileSync(join(PROJECT, 'packaging/linux/warren-cli'), 'utf8'),
    );
    expect(readFileSync(join(app, 'resources', 'warren.service'), 'utf8')).toBe(
      readFileSync(join(PROJECT, 'packaging/systemd/warren.service'), 'utf8'),
    );
    expect(readFileSync(join(app, 'resources', 'app.warren.policy'), 'utf8')).toBe(
      readFileSync(join(PROJECT, 'packaging/linux/app.warren.policy'), 'utf8'),
    );
    expect(existsSync(join(app, 'LICENSE.electron.txt'))).toBe(true);
    expect(existsSync(join(app, 'resources', 'app.asar'))).toBe(true);
  });

  it('unpacks everything the helper loads: its code, shared/, the addon, sodium-native and usocket for Linux', () => {
    for (const file of [
      'package.json',
      'bin/warren.js',
      'build/native-helper/cli/main.js',
      'build/native-helper/daemon/helper-service.js',
      'build/shared/ipc/access.js',
      'native-helper/addon/build/Release/warren_io.node',
      'node_modules/sodium-native/prebuilds/linux-x64/sodium-native.node',
      'node_modules/sodium-native/prebuilds/linux-arm64/sodium-native.node',
      'node_modules/usocket/build/Release/uwrap.node',
      'node_modules/dbus-next/package.json',
      'node_modules/zod/package.json',
      'node_modules/@noble/curves/package.json',
      'node_modules/fflate/package.json',
    ]) {
      expect({ file, present: existsSync(join(unpacked, file)) }).toEqual({ file, present: true });
    }
    // Other systems' prebuilds, build tools and main's test helpers stay out of the package.
    expect(readdirSync(join(unpacked, 'node_modules/sodium-native/prebuilds')).sort()).toEqual([
      'linux-arm64',
      'linux-x64',
    ]);
    expect(existsSync(join(unpacked, 'node_modules/node-gyp'))).toBe(false);
    expect(existsSync(join(unpacked, 'node_modules/nan'))).toBe(false);
    expect(existsSync(join(unpacked, 'build/main'))).toBe(false); // main stays in the asar
  });

  it('resolves every module of the helper inside the unpacked tree under plain Node (nothing from app.asar)', () => {
    // Import each compiled helper module, but for the two entry scripts that run on import (cli/main.js, which
    // the CLI tests below run, and demo/tcp-stream.js, which `warren demo` runs by path), and say where the native
    // parts resolve from.
    const script = `
      import { readdirSync, statSync } from 'node:fs';
      import { createRequire } from 'node:module';
      import { join } from 'node:path';
      const root = ${JSON.stringify(join(unpacked, 'build'))};
      const files = [];
      const walk = (dir) => { for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name); if (e.isDirectory()) walk(p); else if (p.endsWith('.js')) files.push(p); } };
      walk(join(root, 'native-helper')); walk(join(root, 'shared'));
      const failed = [];
      for (const file of files) {
        if (file.endsWith('/cli/main.js') || file.endsWith('/demo/tcp-stream.js')) continue;
        try { await import(file); } catch (error) { failed.push(file + ': ' + error.message); }
      }
      const require = createRequire(join(root, 'native-helper/crypto/sodium.js'));
      const { loadAddon, ADDON_CANDIDATES } = await import(join(root, 'native-helper/io/addon.js'));
      loadAddon();
      console.log(JSON.stringify({ count: files.length, failed,
        sodium: require.resolve('sodium-native'), usocket: require.resolve('usocket'), dbus: require.resolve('dbus-next'),
        addon: ADDON_CANDIDATES.find((p) => { try { statSync(p); return true; } catch { return false; } }) }));
      process.exit(0);`;
    const result = run(process.execPath, ['--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report.failed).toEqual([]);
    expect(report.count).toBeGreaterThan(50);
    for (const key of ['sodium', 'usocket', 'dbus', 'addon']) {
      const path = report[key] as string;
      expect({ key, inside: isAbsolute(path) && !relative(unpacked, path).startsWith('..') }).toEqual({
        key,
        inside: true,
      });
    }
  });

  it('runs the helper CLI from the unpacked tree with plain Node standing in for Electron as Node', () => {
    const warren = join(unpacked, 'bin', 'warren.js');
    expect(run(process.execPath, [warren, '--version'])).toMatchObject({ status: 0, stdout: `warren ${VERSION}\n` });
    const conf = join(work, 'home.conf');
    writeFileSync(conf, VALID_CONF);
    expect(run(process.execPath, [warren, 'check', conf])).toMatchObject({
      status: 0,
      stdout: `${conf}: ok, 1 peer\n`,
    });
    const key = run(process.execPath, [warren, 'genkey']).stdout;
    const pub = run(process.execPath, [warren, 'pubkey'], {}, key);
    expect(pub.status).toBe(0);
    expect(pub.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
  });

  it("runs the `warren` command through the app directory's Electron, also through a link to it", () => {
    expect(run(join(app, 'bin', 'warren'), ['--version'])).toMatchObject({ status: 0, stdout: `warren ${VERSION}\n` });
    const link = join(work, 'link-warren');
    rmSync(link, { force: true });
    spawnSync('ln', ['-s', join(app, 'bin', 'warren'), link]);
    expect(run(link, ['--version'])).toMatchObject({ status: 0, stdout: `warren ${VERSION}\n` });
  });

  it('keeps main and the renderer in app.asar', () => {
    const asar = createRequire(import.meta.url)('@electron/asar') as { listPackage(path: string): string[] };
    const listed = new Set(asar.listPackage(join(app, 'resources', 'app.asar')));
    for (const file of [
      '/build/main/index.js',
      '/build/main/preload.cjs',
      '/renderer/dist/index.html',
      '/package.json',
    ]) {
      expect({ file, listed: listed.has(file) }).toEqual({ file, listed: true });
    }
    expect([...listed].some((file) => file.includes('/testing/'))).toBe(false);
  });
});

/** A child process driven by lines: what it printed so far, and a wait for a piece of text. */
function lineProcess(argv: string[]) {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: PROJECT, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    get output() {
      return output;
    },
    get errors() {
      return errors;
    },
    closed,
    send: (line: string) => void child.stdin.write(`${line}\n`),
    kill: () => void child.kill(),
    async until(pattern: RegExp): Promise<RegExpMatchArray> {
      const deadline = Date.now() + 8000;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${output}${errors}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

describe.skipIf(!hasDbusDaemon)('the helper without a working usocket (a native module built for another ABI)', () => {
  it("still hears logind's sleep events, without the delay lock, and says why", async () => {
    // A copy of the unpacked tree whose usocket binary cannot be loaded, as when it was not rebuilt for Electron.
    const copy = join(work, 'no-usocket');
    cpSync(unpacked, copy, { recursive: true });
    writeFileSync(join(copy, 'node_modules/usocket/build/Release/uwrap.node'), 'not an ELF file');
    // The bus and logind live in a process of their own (usocket is theirs); the helper's side in another.
    const logind = lineProcess([
      process.execPath,
      '--import',
      './test/netns/register-ts.mjs',
      'test/packaging/fake-logind-process.ts',
    ]);
    let helper: ReturnType<typeof lineProcess> | null = null;
    try {
      const [, address] = await logind.until(/^bus (\S+)$/m);
      helper = lineProcess([
        process.execPath,
        '--input-type=module',
        '-e',
        `const { startPowerEvents } = await import(${JSON.stringify(join(copy, 'build/native-helper/daemon/power-events.js'))});
         const events = await startPowerEvents({ busAddress: ${JSON.stringify(address)}, callTimeoutMs: 2000,
           log: (m) => console.log('log: ' + m), onSuspend: () => console.log('suspend'), onResume: () => console.log('resume') });
         console.log('available: ' + events.available);
         process.stdin.once('data', async () => { await events.close(); process.exit(0); });`,
      ]);
      await helper.until(/available: true/);
      await helper.until(/no sleep delay lock/);
      logind.send('sleep');
      await helper.until(/^suspend$/m);
      logind.send('wake');
      await helper.until(/^resume$/m);
      expect(helper.output).toMatch(/no sleep delay lock \(.*(file descriptor|usocket).*\)/);
      logind.send('locks');
      await logind.until(/^locks \d+$/m);
      expect(logind.output).toContain('locks 0\n');
      helper.send('');
      expect({ code: await helper.closed, errors: helper.errors }).toEqual({ code: 0, errors: '' });
    } finally {
      helper?.kill();
      logind.send('stop');
      await Promise.race([logind.closed, new Promise((resolve) => setTimeout(resolve, 3000))]);
      logind.kill();
    }
  });
});

describe('the .deb as electron-builder hands it to fpm', () => {
  it('installs the app in /opt/Warren, the unit, the polkit action, the MIME type, the icons and the desktop entry', () => {
    const installed = new Map([...built.deb.files].map(([source, target]) => [target, source]));
    expect(installed.get('/opt/Warren')).toBe(`${app}/`);
    expect(installed.get('/usr/lib/systemd/system/warren.service')).toBe('packaging/systemd/warren.service');
    expect(installed.get(POLICY_PATH)).toBe('packaging/linux/app.warren.policy');
    expect(installed.get('/usr/share/mime/packages/warren.xml')).toBe('packaging/linux/warren-mime.xml');
    expect(installed.has('/usr/share/applications/warren.desktop')).toBe(true);
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
      const source = installed.get(`/usr/share/icons/hicolor/${size}x${size}/apps/warren.png`);
      expect(source, `${size}x${size}`).toBe(join(PROJECT, `packaging/icons/png/${size}x${size}.png`));
      const png = readFileSync(source!);
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]); // IHDR width and height
    }
    for (const [source] of built.deb.files) {
      const path = isAbsolute(source) ? source : join(PROJECT, source);
      expect({ source, exists: existsSync(path) }).toEqual({ source, exists: true });
    }
    expect(mode(join(PROJECT, 'packaging/systemd/warren.service'))).toBe(0o644);
    expect(mode(join(PROJECT, 'packaging/linux/warren-mime.xml'))).toBe(0o644);
    expect(mode(join(PROJECT, 'packaging/linux/app.warren.policy'))).toBe(0o644);
  });

  it("installs the shells' completion and the man page, as this build's `warren` makes them", () => {
    const installed = new Map([...built.deb.files].map(([source, target]) => [target, source]));
    const made = (...args: string[]) => run(process.execPath, [join(PROJECT, 'bin', 'warren.js'), ...args]).stdout;
    for (const [target, shell] of [
      ['/usr/share/bash-completion/completions/warren', 'bash'],
      ['/usr/share/zsh/vendor-completions/_warren', 'zsh'],
      ['/usr/share/fish/vendor_completions.d/warren.fish', 'fish'],
    ] as const) {
      const source = installed.get(target);
      expect(source, target).toBeDefined();
      expect(readFileSync(join(PROJECT, source!), 'utf8')).toBe(made('completion', shell));
    }
    const man = installed.get('/usr/share/man/man1/warren.1.gz');
    expect(man).toBe('build/share/man/warren.1.gz');
    expect(gunzipSync(readFileSync(join(PROJECT, man!))).toString()).toBe(made('man'));
    // They stay out of the app itself.
    expect(existsSync(join(unpacked, 'build', 'share'))).toBe(false);
  });

  it('runs our maintainer scripts, as they are in packaging/deb (no template macro changed them)', () => {
    expect(built.deb.postinst).toBe(readFileSync(join(PROJECT, 'packaging/deb/postinst'), 'utf8'));
    expect(built.deb.postrm).toBe(readFileSync(join(PROJECT, 'packaging/deb/postrm'), 'utf8'));
    expect(built.deb.prerm).toBe(readFileSync(join(PROJECT, 'packaging/deb/prerm'), 'utf8'));
    for (const script of ['postinst', 'prerm', 'postrm'])
      expect(mode(join(PROJECT, 'packaging/deb', script)), script).toBe(0o755);
    const args = built.deb.args;
    expect(args[args.indexOf('--name') + 1]).toBe('warren');
    expect(args[args.indexOf('--version') + 1]).toBe(VERSION);
    expect(args[args.indexOf('--architecture') + 1]).toBe('amd64');
  });

  it.skipIf(!has('desktop-file-validate'))(
    'has a desktop entry that desktop-file-validate accepts, opening .conf files',
    () => {
      const path = join(work, 'warren.desktop');
      writeFileSync(path, built.deb.desktopEntry);
      expect(run('desktop-file-validate', [path])).toMatchObject({ status: 0, stdout: '', stderr: '' });
      const entry = new Map(
        built.deb.desktopEntry
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      expect(entry.get('Exec')).toBe('/opt/Warren/warren %U');
      expect(entry.get('MimeType')).toBe('application/x-wireguard-config;');
      expect(entry.get('Categories')).toBe('Network;');
      expect(entry.get('Icon')).toBe('warren');
      // %U hands main file:// URIs (or paths): main imports them (main/import-export.ts).
      expect(importPathsFromArgv(['file:///home/alice/Downloads/office.conf', '/tmp/home.conf'], '/')).toEqual([
        '/home/alice/Downloads/office.conf',
        '/tmp/home.conf',
      ]);
    },
  );

  it.skipIf(!has('update-mime-database'))(
    'declares application/x-wireguard-config by content, not by the name *.conf',
    () => {
      const share = join(work, 'mime-share');
      mkdirSync(join(share, 'mime', 'packages'), { recursive: true });
      cpSync(join(PROJECT, 'packaging/linux/warren-mime.xml'), join(share, 'mime', 'packages', 'warren.xml'));
      expect(run('update-mime-database', [join(share, 'mime')], { XDG_DATA_DIRS: share })).toMatchObject({
        status: 0,
        stderr: '',
      });
      const types = readFileSync(join(share, 'mime', 'types'), 'utf8');
      expect(types.split('\n')).toContain('application/x-wireguard-config');
      expect(readFileSync(join(share, 'mime', 'magic')).toString('latin1')).toContain('[Interface]');
      expect(readFileSync(join(share, 'mime', 'globs2'), 'utf8')).not.toContain('*.conf');
      expect(readFileSync(join(share, 'mime', 'subclasses'), 'utf8')).toContain(
        'application/x-wireguard-config text/plain',
      );
    },
  );
});

let debFile: string | undefined;
/** The .deb (assembled once, for every suite that installs it). */
function theDeb(): string {
  if (debFile === undefined) {
    const yaml = createRequire(import.meta.url)('js-yaml') as {
      load(text: string): { deb: { depends: string[]; recommends: string[] } };
    };
    debFile = assembleDeb(built.deb, yaml.load(readFileSync(join(PROJECT, 'electron-builder.yml'), 'utf8')).deb, work);
  }
  return debFile;
}

describe.skipIf(!canUseThrowawayRoot() || !has('dpkg'))(
  'installing and removing the .deb with dpkg, in a throwaway root',
  () => {
    let root: ThrowawayRoot;
    let deb: string;
    beforeAll(() => {
      deb = theDeb();
      root = freshRoot();
      expect(root.run('useradd -M -u 1990 alice && useradd -M -u 1991 bob && echo ok')).toMatchObject({
        status: 0,
        stdout: 'ok\n',
      });
    }, 60_000);
    afterAll(() => root?.remove());
    // Who installs comes from the environment (nobody unless a test says so). The GUI libraries the package
    // depends on are not installed on a build machine: only they are forced.
    const inRoot = (command: string, env: Record<string, string> = {}, systemd = true) =>
      root.run(command, { systemd, env: { SUDO_USER: '', PKEXEC_UID: '', ...env }, timeoutMs: 60_000 });
    const dpkg = (args: string, env: Record<string, string> = {}) => inRoot(`dpkg --force-depends ${args}`, env);
    /** A maintainer script as dpkg installed it, run with the arguments dpkg gives it in other cases. */
    const script = (name: string, args: string, env: Record<string, string> = {}, systemd = true) =>
      inRoot(`sh /var/lib/dpkg/info/warren.${name} ${args}`, env, systemd);

    it("has a control file and contents dpkg-deb accepts, every file root's with the intended mode", () => {
      const info = run('dpkg-deb', ['--field', deb, 'Package', 'Version', 'Architecture', 'Depends']);
      expect(info.status).toBe(0);
      expect(info.stdout).toContain(`Version: ${VERSION}\n`);
      expect(info.stdout).toContain('libgtk-3-0t64 | libgtk-3-0');
      // The data path's AEAD (addon/src/aead.c) is OpenSSL's libcrypto.so.3.
      expect(info.stdout).toContain('libssl3t64 | libssl3');
      const listing = run('dpkg-deb', ['--contents', deb]).stdout.split('\n');
      const entry = (path: string) => listing.find((line) => line.endsWith(` .${path}`));
      for (const file of [
        '/opt/Warren/warren',
        '/opt/Warren/bin/warren',
        '/opt/Warren/resources/app.asar.unpacked/bin/warren.js',
      ]) {
        expect(entry(file), file).toMatch(/^-rwxr-xr-x root\/root /);
      }
      for (const file of [
        '/usr/lib/systemd/system/warren.service',
        POLICY_PATH,
        '/usr/share/bash-completion/completions/warren',
        '/usr/share/zsh/vendor-completions/_warren',
        '/usr/share/fish/vendor_completions.d/warren.fish',
        '/usr/share/man/man1/warren.1.gz',
        '/usr/share/mime/packages/warren.xml',
        '/usr/share/applications/warren.desktop',
        '/opt/Warren/resources/app.asar',
      ]) {
        expect(entry(file), file).toMatch(/^-rw-r--r-- root\/root /);
      }
      // Nothing writable by others, nothing setuid (chrome-sandbox gets its mode in postinst).
      expect(listing.filter((line) => /^-/.test(line) && !/^-rw[-x]r-[-x]r-[-x] root\/root /.test(line))).toEqual([]);
    });

    it('dpkg -i: links `warren`, creates the group with the sudo user in it, enables and starts the service', () => {
      const result = dpkg(`-i '${deb}'`, { SUDO_USER: 'alice' });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('added alice to the group warren');
      expect(root.takeSystemctlCalls()).toEqual([
        'enable --quiet warren.service',
        'daemon-reload',
        'start warren.service',
      ]);
      const state = inRoot(
        "readlink /usr/bin/warren; getent group warren; warren --version; dpkg-query -W -f '${Status}\n' warren",
      ).stdout.split('\n');
      expect(state[0]).toBe('/opt/Warren/bin/warren');
      expect(state[1]).toMatch(/^warren:x:\d+:alice$/);
      expect(Number(state[1]!.split(':')[2])).toBeLessThan(1000); // a system group
      expect(state.slice(2)).toEqual([`warren ${VERSION}`, 'install ok installed', '']);
    });

    it('installs a unit that systemd-analyze verifies against the installed app', () => {
      const result = inRoot('systemd-analyze verify --man=no /usr/lib/systemd/system/warren.service; echo "rc=$?"');
      expect(result.stdout + result.stderr).toBe('rc=0\n');
    });

    it.skipIf(!canRunPolkit())(
      'installs the polkit action, which pkexec uses for /usr/bin/warren and for no other path',
      () => {
        expect(inRoot(`stat -c '%a %U:%G' ${POLICY_PATH}`).stdout).toBe('644 root:root\n');
        const polkit = readPolkit(root, { actionId: 'app.warren.manage', path: '/usr/bin/warren', user: 'alice' });
        expect(polkit.action).toContain(
          "message:           Authentication is required to let Warren run a tunnel's scripts as root or change the Warren service\n",
        );
        expect(polkit.action).toContain('implicit any:      auth_admin\n');
        expect(polkit.action).toContain('implicit inactive: auth_admin\n');
        expect(polkit.action).toContain('implicit active:   auth_admin_keep\n');
        expect(polkit.action).toContain('annotation:        org.freedesktop.policykit.exec.path -> /usr/bin/warren\n');
        expect(polkit.pkexecAction, polkit.transcript).toBe('app.warren.manage');
        expect(polkit.pkexecAnswer, polkit.transcript).toBe('challenge (implicit_authorization = auth_admin)');
        expect(polkit.pkexecOutput).toContain('No authentication agent found');
        // The same program by the path behind the link is not the action's: pkexec compares paths, not files.
        expect(
          readPolkit(root, { actionId: 'app.warren.manage', path: '/opt/Warren/bin/warren', user: 'alice' })
            .pkexecAction,
        ).toBe('org.freedesktop.policykit.exec');
      },
    );

    it('postinst on an upgrade restarts the helper, adds the pkexec user, and never adds a member twice', () => {
      expect(script('postinst', 'configure 0.0.9', { PKEXEC_UID: '1991' }).status).toBe(0);
      expect(root.takeSystemctlCalls()).toEqual([
        'enable --quiet warren.service',
        'daemon-reload',
        'restart warren.service',
      ]);
      expect(script('postinst', 'configure 0.0.9', { SUDO_USER: 'alice' })).toMatchObject({ status: 0, stdout: '' });
      root.takeSystemctlCalls();
      expect(inRoot('getent group warren | cut -d: -f4').stdout).toBe('alice,bob\n');
    });

    it('postinst by root alone adds nobody and says how to', () => {
      const result = script('postinst', 'configure');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('sudo usermod -aG warren USER');
      root.takeSystemctlCalls();
    });

    it('postinst without systemd running (a chroot, a container) makes the enable link and starts nothing', () => {
      expect(script('postinst', 'configure', {}, false)).toMatchObject({ status: 0, stderr: '' });
      expect(root.takeSystemctlCalls()).toEqual([]);
      expect(inRoot('readlink /etc/systemd/system/multi-user.target.wants/warren.service').stdout).toMatch(
        /\/systemd\/system\/warren\.service\n$/,
      );
    });

    it('prerm leaves the helper running on an upgrade', () => {
      expect(script('prerm', 'upgrade 0.2.0').status).toBe(0);
      expect(root.takeSystemctlCalls()).toEqual([]);
    });

    it('dpkg -r stops and disables the service and keeps the tunnels and the group; dpkg -P deletes them', () => {
      inRoot(
        'mkdir -p /etc/warren /var/lib/warren && echo "{}" > /etc/warren/tunnels.json && touch /var/lib/warren/resolv.conf.backup',
      );
      const removed = dpkg('-r warren');
      expect(removed.status, removed.stderr).toBe(0);
      expect(root.takeSystemctlCalls()).toEqual([
        'stop warren.service',
        'disable warren.service',
        'daemon-reload',
        'reset-failed warren.service',
      ]);
      expect(
        inRoot(
          `ls -d /opt/Warren /usr/bin/warren /usr/lib/systemd/system/warren.service ${POLICY_PATH} 2>/dev/null | wc -l; cat /etc/warren/tunnels.json; getent group warren | cut -d: -f1`,
        ).stdout,
      ).toBe('0\n{}\nwarren\n');
      const purged = dpkg('-P warren');
      expect(purged.status, purged.stderr).toBe(0);
      root.takeSystemctlCalls();
      expect(
        inRoot(
          'ls -d /etc/warren /var/lib/warren /etc/systemd/system/multi-user.target.wants/warren.service 2>/dev/null | wc -l; getent group warren || echo no group; getent passwd alice | cut -d: -f1',
        ).stdout,
      ).toBe('0\nno group\nalice\n');
    });

    it('never wrote the host: the changes are all in the throwaway root', () => {
      for (const path of [
        '/opt/Warren',
        '/usr/bin/warren',
        '/usr/lib/systemd/system/warren.service',
        '/var/lib/dpkg/info/warren.postinst',
      ]) {
        expect({ path, exists: existsSync(path) }).toEqual({ path, exists: false });
      }
    });
  },
);

describe.skipIf(!canUseThrowawayRoot() || !has('dpkg'))(
  'the .deb and a `warren` group that was there before it',
  () => {
    let root: ThrowawayRoot | undefined;
    afterEach(() => {
      root?.remove();
      root = undefined;
    });
    const inRoot = (command: string, env: Record<string, string> = {}) =>
      root!.run(command, { systemd: true, env: { SUDO_USER: '', PKEXEC_UID: '', ...env }, timeoutMs: 60_000 });
    const install = (env: Record<string, string> = {}) => inRoot(`dpkg --force-depends -i '${theDeb()}'`, env);

    it('refuses the personal group of a user named warren, and configures once it is renamed', () => {
      root = freshRoot();
      // useradd -U: the user and their own group, in the users' range, as for anyone's account.
      const made = inRoot('useradd -M -U warren && id -g warren && getent group warren | cut -d: -f3');
      const [gid, groupGid] = made.stdout.split('\n');
      expect({ status: made.status, same: gid === groupGid }).toEqual({ status: 0, same: true });
      const result = install({ SUDO_USER: 'warren' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(
        `Warren: the group warren exists, but it is not a system group: it is the personal group of the user warren (that user's primary group, gid ${gid}).\n`,
      );
      for (const part of REFUSAL) expect(result.stderr).toContain(part);
      expect(result.stderr).toContain('then finish the installation (sudo dpkg --configure -a)');
      expect(result.stderr).toContain('subprocess returned error exit status 1');
      // Refused before anything was set up: no command link, nobody added, no service touched.
      expect(root.takeSystemctlCalls()).toEqual([]);
      expect(
        inRoot(
          "readlink /usr/bin/warren || echo no link; getent group warren | cut -d: -f4; dpkg-query -W -f '${Status}\n' warren",
        ).stdout,
      ).toBe('no link\n\ninstall ok half-configured\n');
      // What the message says to do: the user keeps their group under another name, and Warren gets its own.
      const fixed = inRoot('groupmod -n warren-user warren && dpkg --force-depends --configure -a');
      expect(fixed.status, fixed.stderr).toBe(0);
      const after = inRoot(
        "getent group warren | cut -d: -f3; id -gn warren; dpkg-query -W -f '${Status}\n' warren",
      ).stdout.split('\n');
      expect(Number(after[0])).toBeLessThan(1000);
      expect(after.slice(1)).toEqual(['warren-user', 'install ok installed', '']);
    });

    it("refuses a group in the users' range that no user owns", () => {
      root = freshRoot();
      const gid = inRoot('groupadd warren && getent group warren | cut -d: -f3').stdout.trim();
      expect(Number(gid)).toBeGreaterThanOrEqual(1000);
      const result = install();
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(
        `not a system group: its gid ${gid} is above 999, where system groups end (SYS_GID_MAX in /etc/login.defs).\n`,
      );
      expect(root.takeSystemctlCalls()).toEqual([]);
    });

    it('keeps a system group warren that is already there, and adds the installing user to it', () => {
      root = freshRoot();
      const made = inRoot(
        'groupadd --system warren && { id carol >/dev/null 2>&1 || useradd -M carol; } && getent group warren',
      );
      expect(made.status).toBe(0);
      const result = install({ SUDO_USER: 'carol' });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('added carol to the group warren');
      expect(inRoot('getent group warren').stdout).toBe(`${made.stdout.trim()}carol\n`);
    });
  },
);

describe.skipIf(!canUseThrowawayRoot())('`warren service install` for the AppImage, in a throwaway root', () => {
  let root: ThrowawayRoot;
  // The app as the AppImage mounts it is the same tree; the command runs on its Electron (the stand-in) as Node.
  const warren = (args: string) =>
    root.run(`ELECTRON_RUN_AS_NODE=1 '${app}/warren' '${unpacked}/bin/warren.js' ${args}`, { systemd: true });
  beforeAll(() => {
    root = freshRoot();
    expect(root.run('useradd -M -u 1990 alice && echo ok')).toMatchObject({ status: 0, stdout: 'ok\n' });
  });
  afterAll(() => root?.remove());

  it('copies the app to /opt/warren-helper, installs a unit running it, links the command, and starts it', () => {
    const result = warren(`service install --from '${app}' --user alice`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`copied ${app} to /opt/warren-helper`);
    expect(root.takeSystemctlCalls()).toEqual([
      'daemon-reload',
      'enable --quiet warren.service',
      'restart warren.service',
    ]);
    const unit = root.run('cat /etc/systemd/system/warren.service').stdout;
    expect(unit).toContain(`\nExecStart=${HELPER_COMMAND}\n`);
    expect(unit).not.toContain('/opt/Warren/');
    expect(root.run('stat -c %a /etc/systemd/system/warren.service /opt/warren-helper/warren').stdout).toBe(
      '644\n755\n',
    );
    expect(root.run('getent group warren | cut -d: -f4').stdout).toBe('alice\n');
    // The copy runs by itself, through the link a shell finds.
    expect(root.run('/usr/local/bin/warren --version').stdout).toBe(`warren ${VERSION}\n`);
    const verify = root.run('systemd-analyze verify --man=no /etc/systemd/system/warren.service; echo "rc=$?"');
    expect(verify.stdout + verify.stderr).toBe('rc=0\n');
  });

  it('installs the polkit action for pkexec on its link, /usr/local/bin/warren (pkexec matches the path run)', () => {
    expect(root.run(`stat -c '%a %U:%G' ${POLICY_PATH}`).stdout).toBe('644 root:root\n');
    const shipped = readFileSync(join(PROJECT, 'packaging/linux/app.warren.policy'), 'utf8');
    expect(root.run(`cat ${POLICY_PATH}`).stdout).toBe(shipped.replace('>/usr/bin/warren<', '>/usr/local/bin/warren<'));
    if (!canRunPolkit()) return;
    const polkit = readPolkit(root, { actionId: 'app.warren.manage', path: '/usr/local/bin/warren', user: 'alice' });
    expect(polkit.action).toContain(
      'annotation:        org.freedesktop.policykit.exec.path -> /usr/local/bin/warren\n',
    );
    expect(polkit.action).toContain('implicit active:   auth_admin_keep\n');
    expect(polkit.pkexecAction, polkit.transcript).toBe('app.warren.manage');
    expect(polkit.pkexecAnswer, polkit.transcript).toBe('challenge (implicit_authorization = auth_admin)');
  });

  it('status says what is installed', () => {
    const result = warren('service status');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('unit: /etc/systemd/system/warren.service\n');
    expect(result.stdout).toContain(`runs: ${HELPER_COMMAND}\n`);
    expect(result.stdout).toContain('group warren: alice\n');
    root.takeSystemctlCalls();
  });

  it('installing again replaces the copy and restarts the helper', () => {
    root.run('touch /opt/warren-helper/stale-file');
    const result = warren(`service install --from '${app}'`);
    expect(result.status).toBe(0);
    expect(root.takeSystemctlCalls()).toEqual([
      'daemon-reload',
      'enable --quiet warren.service',
      'restart warren.service',
    ]);
    expect(
      root.run(
        'ls /opt/warren-helper/stale-file 2>/dev/null | wc -l; ls -d /opt/warren-helper.new /opt/warren-helper.old 2>/dev/null | wc -l',
      ).stdout,
    ).toBe('0\n0\n');
  });

  it('refuses a directory that is not the app, and a user that does not exist, before changing anything', () => {
    const notApp = warren(`service install --from /usr --user alice`);
    expect(notApp.status).toBe(1);
    expect(notApp.stderr).toContain('/usr is not a Warren app directory');
    const noUser = warren(`service install --from '${app}' --user nosuchuser`);
    expect(noUser).toMatchObject({ status: 1, stderr: 'warren: no such user: nosuchuser\n' });
    expect(root.takeSystemctlCalls()).toEqual([]);
  });

  it('uninstall keeps the tunnels; --purge removes them and the group', () => {
    root.run('mkdir -p /etc/warren && echo "{}" > /etc/warren/tunnels.json');
    const result = warren('service uninstall');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('kept the tunnels in /etc/warren');
    expect(root.takeSystemctlCalls()).toEqual(['disable --now --quiet warren.service', 'daemon-reload']);
    expect(
      root.run(
        `ls /etc/systemd/system/warren.service /opt/warren-helper /usr/local/bin/warren ${POLICY_PATH} 2>/dev/null | wc -l; cat /etc/warren/tunnels.json`,
      ).stdout,
    ).toBe('0\n{}\n');
    expect(warren('service uninstall --purge')).toMatchObject({ status: 0, stderr: '' });
    expect(root.run('ls -d /etc/warren 2>/dev/null | wc -l; getent group warren || echo no group').stdout).toBe(
      '0\nno group\n',
    );
  });

  it('leaves a .deb installation to the package', () => {
    root.run(
      `mkdir -p /usr/lib/systemd/system && cp '${join(PROJECT, 'packaging/systemd/warren.service')}' /usr/lib/systemd/system/`,
    );
    const result = warren(`service install --from '${app}'`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the Warren package is installed');
    root.run('rm /usr/lib/systemd/system/warren.service');
  });
});

describe.skipIf(!canUseThrowawayRoot())(
  '`warren service install` and a `warren` group that was there before it',
  () => {
    let root: ThrowawayRoot | undefined;
    afterEach(() => {
      root?.remove();
      root = undefined;
    });
    const warren = (args: string) =>
      root!.run(`ELECTRON_RUN_AS_NODE=1 '${app}/warren' '${unpacked}/bin/warren.js' ${args}`, { systemd: true });
    const nothingInstalled = () =>
      root!.run(
        `ls -d /opt/warren-helper /etc/systemd/system/warren.service /usr/local/bin/warren ${POLICY_PATH} 2>/dev/null | wc -l`,
      ).stdout;

    it('refuses the personal group of a user named warren before changing anything', () => {
      root = freshRoot();
      const gid = root.run('useradd -M -U warren && id -g warren').stdout.trim();
      const result = warren(`service install --from '${app}' --user warren`);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        `warren: the group warren exists, but it is not a system group: it is the personal group of the user warren (that user's primary group, gid ${gid}).\n`,
      );
      for (const part of REFUSAL) expect(result.stderr).toContain(part);
      expect(result.stderr).toContain('then run this again, and Warren creates its own system group warren.');
      expect(root.takeSystemctlCalls()).toEqual([]);
      expect(nothingInstalled()).toBe('0\n');
    });

    it("refuses a group in the users' range that no user owns", () => {
      root = freshRoot();
      const gid = root.run('groupadd warren && getent group warren | cut -d: -f3').stdout.trim();
      const result = warren(`service install --from '${app}'`);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        `not a system group: its gid ${gid} is above 999, where system groups end (SYS_GID_MAX in /etc/login.defs).\n`,
      );
      expect(nothingInstalled()).toBe('0\n');
    });

    it('installs beside a system group warren that is already there, keeping it', () => {
      root = freshRoot();
      const group = root.run('groupadd --system warren && getent group warren').stdout;
      const result = warren(`service install --from '${app}'`);
      expect(result).toMatchObject({ status: 0, stderr: '' });
      expect(result.stdout).not.toContain('created the system group');
      expect(root.run('getent group warren').stdout).toBe(group);
      root.takeSystemctlCalls();
    });
  },
);
