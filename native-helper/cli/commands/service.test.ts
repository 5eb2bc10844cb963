// `warren service`'s command line around a ServiceManager (the real one runs in test/packaging, in a throwaway
// root): arguments, root, where the app directory comes from, and how results and failures are printed.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandError } from '../../platform/linux/run-command.js';
import { LINUX_SERVICE_PATHS, LinuxServiceManager } from '../../platform/linux/service.js';
import type { ServiceInstallOptions, ServiceManager, ServiceStatus } from '../../platform/types.js';
import type { CliIo } from '../command.js';
import { runCli } from '../run.js';
import { memoryIo } from '../testing/memory-io.js';
import { type ServiceCommandEnvironment, serviceCommand } from './service.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = {
    ...memoryIo(),
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
  };
  return { cli, out, err };
}

function manager(calls: unknown[], status?: ServiceStatus, failure?: Error): ServiceManager {
  return {
    install: async (options: ServiceInstallOptions) => {
      calls.push(['install', options]);
      if (failure) throw failure;
      return ['copied A to B', 'started warren.service'];
    },
    uninstall: async (options) => {
      calls.push(['uninstall', options]);
      return ['removed /etc/systemd/system/warren.service'];
    },
    status: async () => status ?? { unitPath: null, command: null, enabled: null, active: null, groupMembers: null },
  };
}

const run = async (args: string[], environment: Partial<ServiceCommandEnvironment> & { calls?: unknown[] } = {}) => {
  const calls = environment.calls ?? [];
  const { cli, out, err } = io();
  const command = serviceCommand(() => ({
    manager: manager(calls),
    runningAppDirectory: null,
    isRoot: true,
    ...environment,
  }));
  const code = await command.run(args, cli);
  return { code, out: out.join(''), err: err.join(''), calls };
};

describe('warren service', () => {
  it('installs from --from for --user, printing each step', async () => {
    const result = await run(['install', '--from', '/tmp/app', '--user', 'alice']);
    expect(result).toMatchObject({ code: 0, out: 'copied A to B\nstarted warren.service\n', err: '' });
    expect(result.calls).toEqual([['install', { appDirectory: '/tmp/app', user: 'alice' }]]);
  });

  it("takes the running Electron's app directory without --from", async () => {
    const result = await run(['install'], { runningAppDirectory: '/tmp/.mount_Warren' });
    expect(result.calls).toEqual([['install', { appDirectory: '/tmp/.mount_Warren' }]]);
  });

  it('needs root to install or uninstall, and says so', async () => {
    const install = await run(['install', '--from', '/tmp/app'], { isRoot: false });
    expect(install).toMatchObject({ code: 1, err: expect.stringContaining('needs root') });
    const uninstall = await run(['uninstall'], { isRoot: false });
    expect(uninstall).toMatchObject({ code: 1, err: expect.stringContaining('needs root') });
    expect(install.calls).toEqual([]);
  });

  it('uninstalls, purging only with --purge', async () => {
    expect((await run(['uninstall'])).calls).toEqual([['uninstall', { purge: false }]]);
    expect((await run(['uninstall', '--purge'])).calls).toEqual([['uninstall', { purge: true }]]);
  });

  it('prints a failure with what was done, exit 1', async () => {
    const calls: unknown[] = [];
    const { cli, err } = io();
    const command = serviceCommand(() => ({
      manager: manager(calls, undefined, new Error('failed (x)\nAlready done:\n  y')),
      runningAppDirectory: null,
      isRoot: true,
    }));
    expect(await command.run(['install', '--from', '/a'], cli)).toBe(1);
    expect(err.join('')).toBe('warren: failed (x)\nAlready done:\n  y\n');
  });

  it('prints the status, exit 1 when not installed', async () => {
    expect(await run(['status'])).toMatchObject({
      code: 1,
      out: 'unit: not installed\nsystemd: not running here\ngroup warren: does not exist\n',
    });
    const installed: ServiceStatus = {
      unitPath: '/etc/systemd/system/warren.service',
      command: '/opt/warren-helper/warren x daemon',
      enabled: 'enabled',
      active: 'active',
      groupMembers: ['alice', 'bob'],
    };
    const result = await run(['status'], { manager: manager([], installed) });
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      'unit: /etc/systemd/system/warren.service\nruns: /opt/warren-helper/warren x daemon\nenabled: enabled\nactive: active\ngroup warren: alice, bob\n',
    );
  });

  it("refuses a `warren` group that is a user's own, saying why and what to do, having changed nothing", async () => {
    // The real manager, over a system whose only answers are getent's: a user warren with its personal group.
    const root = mkdtempSync(join(tmpdir(), 'warren-service-cli-'));
    try {
      const paths = Object.fromEntries(
        Object.entries(LINUX_SERVICE_PATHS).map(([key, path]) => [
          key,
          Array.isArray(path) ? path.map((p) => join(root, p)) : join(root, path),
        ]),
      ) as unknown as typeof LINUX_SERVICE_PATHS;
      const commands: string[][] = [];
      const entries: Record<string, string> = {
        'group warren': 'warren:x:1000:',
        'passwd warren': 'warren:x:1000:1000:Warren:/home/warren:/bin/bash',
      };
      const runner = {
        run: async (argv: readonly string[]) => {
          commands.push([...argv]);
          const line = argv[0] === 'getent' ? entries[`${argv[1]} ${argv[2]}`] : undefined;
          if (line === undefined) throw new CommandError(argv, 2, null, '');
          return { stdout: `${line}\n`, stderr: '' };
        },
        which: async () => null,
      };
      const result = await run(['install', '--from', join(root, 'app')], {
        manager: new LinuxServiceManager({ runner, paths }),
      });
      expect(result.code).toBe(1);
      expect(result.out).toBe('');
      expect(result.err).toMatch(
        /^warren: the group warren exists, but it is not a system group: it is the personal group of the user warren/,
      );
      expect(result.err).toContain(
        "an ordinary user's group would let that user, and whoever is put in it, control the root helper",
      );
      expect(result.err).toContain('Rename that group (sudo groupmod -n NEW-NAME warren');
      expect(commands.every(([command]) => command === 'getent')).toBe(true);
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses bad usage with exit 2 and the usage line', async () => {
    for (const args of [
      ['service'],
      ['service', 'start'],
      ['service', 'install', '--from'],
      ['service', 'install', '--bogus'],
      ['service', 'uninstall', '--force'],
      ['service', 'status', 'x'],
    ]) {
      const { cli, err } = io();
      expect(await runCli(args, cli, '0.1.0'), args.join(' ')).toBe(2);
      expect(err.join('')).toContain('Usage: warren service install');
    }
    // Without --from and not on the app's Electron, install does not guess.
    await expect(run(['install'])).rejects.toThrow('--from DIR is needed');
  });
});
