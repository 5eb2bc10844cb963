// The unit and the polkit action an AppImage install writes (the shipped ones with their paths moved, or none
// at all), and its refusal of a `warren` group that is not a system group, with the system's commands faked.
// (Installing and removing for real runs in test/packaging/package.test.ts, in a throwaway root.)
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HELPER_RUNTIME_FLAGS } from '../../cli/helper-connection.js';
import { CommandError, type CommandRunner } from './run-command.js';
import {
  LINUX_SERVICE_PATHS,
  LinuxServiceManager,
  type LinuxServicePaths,
  notSystemGroupReason,
  policyCommand,
  relocatePolicy,
  relocateUnit,
  systemGidMax,
} from './service.js';

/** What the relocated unit runs: the helper directory's binary with the helper's V8 flags. */
const HELPER_COMMAND = `/opt/warren-helper/warren ${HELPER_RUNTIME_FLAGS.join(' ')} /opt/warren-helper/resources/app.asar.unpacked/bin/warren.js daemon`;

const SHIPPED_UNIT = new URL('../../../packaging/systemd/warren.service', import.meta.url);
const SHIPPED_POLICY = new URL('../../../packaging/linux/app.warren.policy', import.meta.url);
const SHIPPED = readFileSync(SHIPPED_UNIT, 'utf8');
const POLICY = readFileSync(SHIPPED_POLICY, 'utf8');

describe('relocateUnit', () => {
  it('moves every path of the shipped unit from /opt/Warren to the helper directory, and nothing else', () => {
    const moved = relocateUnit(SHIPPED, LINUX_SERVICE_PATHS.helperDirectory);
    expect(moved).toContain(`\nExecStart=${HELPER_COMMAND}\n`);
    expect(moved).not.toContain('/opt/Warren/');
    expect(moved.replaceAll('/opt/warren-helper/', '/opt/Warren/')).toBe(SHIPPED);
  });

  it('refuses a unit that does not run the helper from /opt/Warren', () => {
    const changed = SHIPPED.replace('bin/warren.js daemon', 'bin/warren.js daemon --state-dir /x');
    expect(() => relocateUnit(changed, '/opt/warren-helper')).toThrow(
      'the shipped unit does not run /opt/Warren/warren',
    );
    expect(() => relocateUnit('[Service]\n', '/opt/warren-helper')).toThrow('the shipped unit does not run');
  });
});

describe('relocatePolicy', () => {
  it('gives the shipped action to the command at another path, and changes nothing else', () => {
    expect(policyCommand(POLICY)).toBe('/usr/bin/warren');
    const moved = relocatePolicy(POLICY, LINUX_SERVICE_PATHS.commandLink);
    expect(policyCommand(moved)).toBe('/usr/local/bin/warren');
    expect(moved.replace('>/usr/local/bin/warren<', '>/usr/bin/warren<')).toBe(POLICY);
  });

  it('refuses a policy that is not the one action for /usr/bin/warren', () => {
    const other = POLICY.replace('>/usr/bin/warren<', '>/usr/bin/bash<');
    expect(() => relocatePolicy(other, '/usr/local/bin/warren')).toThrow(
      'not the one action app.warren.manage for /usr/bin/warren',
    );
    const twice = POLICY.replace('</policyconfig>', `${/<action[\s\S]*<\/action>/.exec(POLICY)![0]}\n</policyconfig>`);
    expect(() => relocatePolicy(twice, '/usr/local/bin/warren')).toThrow('not the one action');
    expect(() => relocatePolicy(POLICY.replace('app.warren.manage', 'app.warren.other'), '/x')).toThrow(
      'not the one action',
    );
  });
});

describe('the system group check', () => {
  it('reads where system groups end as groupadd does: SYS_GID_MAX, else GID_MIN - 1, else 999', () => {
    expect(systemGidMax('')).toBe(999);
    expect(systemGidMax('GID_MIN\t\t\t 1000\nGID_MAX\t\t\t60000\n#SYS_GID_MIN\t\t  100\n#SYS_GID_MAX\t\t  999\n')).toBe(
      999,
    );
    expect(systemGidMax('GID_MIN 500\n')).toBe(499);
    expect(systemGidMax('GID_MIN 1000\nSYS_GID_MAX 899\n')).toBe(899);
  });

  it("accepts a system group nobody owns, and refuses a personal group or a gid in the users' range", () => {
    const group = { name: 'warren', systemGidMax: 999, sameNamedUserGid: null };
    expect(notSystemGroupReason({ ...group, gid: 990 })).toBeNull();
    expect(notSystemGroupReason({ ...group, gid: 990, sameNamedUserGid: 100 })).toBeNull(); // a user warren in another group
    expect(notSystemGroupReason({ ...group, gid: 1001 })).toBe(
      'its gid 1001 is above 999, where system groups end (SYS_GID_MAX in /etc/login.defs)',
    );
    // useradd --system makes a personal group below 1000: still that user's.
    for (const gid of [990, 1001]) {
      expect(notSystemGroupReason({ ...group, gid, sameNamedUserGid: gid })).toBe(
        `it is the personal group of the user warren (that user's primary group, gid ${gid})`,
      );
    }
  });
});

/** The system's commands as answers: getent from `entries` ("group warren" -> its line), everything else succeeds. */
function fakeRunner(entries: Record<string, string>, calls: string[][]): CommandRunner {
  return {
    run: async (argv) => {
      calls.push([...argv]);
      if (argv[0] !== 'getent') return { stdout: '', stderr: '' };
      const line = entries[`${argv[1]} ${argv[2]}`];
      if (line === undefined) throw new CommandError(argv, 2, null, '');
      return { stdout: `${line}\n`, stderr: '' };
    },
    which: async () => null,
  };
}

describe('LinuxServiceManager.install, with the system faked', () => {
  let root = '';
  afterEach(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  /** An app directory like the AppImage's and the install's paths, all under a temporary root. */
  function setUp(): { app: string; paths: LinuxServicePaths } {
    root = mkdtempSync(join(tmpdir(), 'warren-service-'));
    const app = join(root, 'app');
    mkdirSync(join(app, 'resources', 'app.asar.unpacked', 'bin'), { recursive: true });
    writeFileSync(join(app, 'warren'), '#!/bin/sh\n');
    chmodSync(join(app, 'warren'), 0o755);
    writeFileSync(join(app, 'resources', 'app.asar.unpacked', 'bin', 'warren.js'), '');
    copyFileSync(SHIPPED_UNIT, join(app, 'resources', 'warren.service'));
    copyFileSync(SHIPPED_POLICY, join(app, 'resources', 'app.warren.policy'));
    writeFileSync(join(root, 'login.defs'), 'GID_MIN 1000\n');
    const paths: LinuxServicePaths = {
      helperDirectory: join(root, 'opt', 'warren-helper'),
      unitPath: join(root, 'etc', 'warren.service'),
      packagedUnitPath: join(root, 'usr', 'lib', 'warren.service'),
      commandLink: join(root, 'usr', 'local', 'bin', 'warren'),
      policyPath: join(root, 'usr', 'share', 'polkit-1', 'actions', 'app.warren.policy'),
      loginDefsPath: join(root, 'login.defs'),
      dataDirectories: [join(root, 'etc', 'warren')],
      systemdRunDirectory: join(root, 'run', 'systemd', 'system'),
    };
    return { app, paths };
  }

  it('refuses the personal group of a user named warren before changing anything, and says what to do', async () => {
    const { app, paths } = setUp();
    const calls: string[][] = [];
    const runner = fakeRunner(
      { 'group warren': 'warren:x:1001:', 'passwd warren': 'warren:x:1001:1001::/home/warren:/bin/bash' },
      calls,
    );
    const install = new LinuxServiceManager({ runner, paths }).install({ appDirectory: app });
    await expect(install).rejects.toThrow(
      "the group warren exists, but it is not a system group: it is the personal group of the user warren (that user's primary group, gid 1001).\n" +
        'The Warren helper runs as root and takes orders from the members of the group warren',
    );
    await expect(install).rejects.toThrow(
      /Rename that group \(sudo groupmod -n NEW-NAME warren: .*\); then run this again/,
    );
    expect(calls.filter(([command]) => command !== 'getent')).toEqual([]);
    for (const path of [paths.helperDirectory, paths.unitPath, paths.commandLink, paths.policyPath]) {
      expect({ path, exists: existsSync(path) }).toEqual({ path, exists: false });
    }
  });

  it("refuses a group in the users' range too", async () => {
    const { app, paths } = setUp();
    const runner = fakeRunner({ 'group warren': 'warren:x:1500:alice' }, []);
    await expect(new LinuxServiceManager({ runner, paths }).install({ appDirectory: app })).rejects.toThrow(
      'its gid 1500 is above 999',
    );
    expect(existsSync(paths.helperDirectory)).toBe(false);
  });

  it('installs beside a system group warren, with the polkit action for its link', async () => {
    const { app, paths } = setUp();
    const calls: string[][] = [];
    const runner = fakeRunner(
      { 'group warren': 'warren:x:990:', 'passwd alice': 'alice:x:1990:1990::/home/alice:/bin/sh' },
      calls,
    );
    const done = await new LinuxServiceManager({ runner, paths }).install({ appDirectory: app, user: 'alice' });
    expect(done).toContain(
      `installed the polkit action app.warren.manage for \`pkexec ${paths.commandLink}\` (${paths.policyPath})`,
    );
    expect(policyCommand(readFileSync(paths.policyPath, 'utf8'))).toBe(paths.commandLink);
    expect(calls.filter(([command]) => command !== 'getent')).toEqual([['usermod', '-aG', 'warren', 'alice']]); // no groupadd
  });

  it("gives the action to the copy's own command when something else holds the link's place, and removes only its own", async () => {
    const { app, paths } = setUp();
    mkdirSync(join(root, 'usr', 'local', 'bin'), { recursive: true });
    writeFileSync(paths.commandLink, '#!/bin/sh\necho not warren\n');
    const manager = new LinuxServiceManager({ runner: fakeRunner({}, []), paths });
    await manager.install({ appDirectory: app });
    expect(policyCommand(readFileSync(paths.policyPath, 'utf8'))).toBe(join(paths.helperDirectory, 'bin', 'warren'));
    expect(await manager.uninstall({ purge: false })).toContain(`removed ${paths.policyPath}`);
    expect(existsSync(paths.policyPath)).toBe(false);
    // An action for some other program at that place (not written by install) stays.
    mkdirSync(join(root, 'usr', 'share', 'polkit-1', 'actions'), { recursive: true });
    writeFileSync(paths.policyPath, POLICY);
    await manager.uninstall({ purge: false });
    expect(readFileSync(paths.policyPath, 'utf8')).toBe(POLICY);
  });
});
